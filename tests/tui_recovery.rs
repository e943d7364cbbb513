//! No work is lost in the planner: a killed planner's autosave is recovered without overwriting a plan changed
//! on disk meanwhile, two planners on one plan keep their own autosaves, and the recovery dialog says what
//! differs and what each key does.

use crate::tui_support;

use guardplan::tui::app::Overlay;
use tui_support::*;

fn sample() -> guardplan::inventory::Inventory {
    guardplan::inventory::load_sample().expect("sample")
}

/// A plan file saved by a planner, then a planner that changes it and is killed before saving.
fn killed_after_a_change(
    dir: &tempfile::TempDir,
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    guardplan::finding::Mode,
) {
    let data = file(dir, "data");
    let plan = file(dir, "p.plan.toml");
    let mut first = app_for(sample(), Some(&plan), Some(&data));
    keys(&mut first, "s");
    assert!(plan.exists());
    drop(first);
    let mut second = app_for(sample(), Some(&plan), Some(&data));
    keys(&mut second, "3m");
    let mode = second.ws.choice(0).mode;
    drop(second); // as if killed
    (plan, data, mode)
}

#[test]
fn a_plan_edited_meanwhile_keeps_the_other_edit_and_the_work_goes_beside_it() {
    let dir = tempdir();
    let (plan, data, mode) = killed_after_a_change(&dir);
    // A colleague edits the plan file meanwhile.
    let mut text = std::fs::read_to_string(&plan).expect("plan");
    text.push_str("# colleague: keep tier1 on standard until the audit\n");
    std::fs::write(&plan, &text).expect("edit");

    let mut app = app_for(sample(), Some(&plan), Some(&data));
    let Some(Overlay::Recover {
        changed_on_disk,
        differs,
        ..
    }) = &app.overlay
    else {
        panic!("recovery offered: {:?}", app.overlay);
    };
    assert!(*changed_on_disk);
    assert!(!differs.is_empty(), "the dialog says what differs");
    let shown = screen(&mut app, 100, 40);
    assert!(shown.contains("changed since"), "{shown}");
    assert!(shown.contains("Esc"), "{shown}");
    keys(&mut app, "r");
    assert_eq!(app.ws.choice(0).mode, mode);
    keys(&mut app, "s");

    assert_eq!(
        std::fs::read_to_string(&plan).expect("plan"),
        text,
        "the colleague's edit is still in the file"
    );
    let beside = file(&dir, "p.mine.plan.toml");
    assert_eq!(app.files.plan.as_deref(), Some(beside.as_path()));
    let status = app.status.clone().expect("status").text;
    assert!(status.contains("p.mine.plan.toml"), "{status}");
    let path0 = app.ws.inventory.paths[0].name.clone();
    assert_eq!(decided(&saved_plan(&beside), &path0), Some(mode));
    assert!(!app.dirty());
}

#[test]
fn an_unchanged_plan_file_is_saved_in_place_after_recovery() {
    let dir = tempdir();
    let (plan, data, mode) = killed_after_a_change(&dir);
    let mut app = app_for(sample(), Some(&plan), Some(&data));
    assert!(matches!(
        app.overlay,
        Some(Overlay::Recover {
            changed_on_disk: false,
            ..
        })
    ));
    keys(&mut app, "rs");
    let path0 = app.ws.inventory.paths[0].name.clone();
    assert_eq!(decided(&saved_plan(&plan), &path0), Some(mode));
    assert!(!file(&dir, "p.mine.plan.toml").exists());
}

#[test]
fn esc_keeps_the_autosave_and_says_so() {
    let dir = tempdir();
    let (plan, data, _) = killed_after_a_change(&dir);
    let mut app = app_for(sample(), Some(&plan), Some(&data));
    keys(&mut app, "<esc>");
    assert_eq!(app.overlay, None);
    let status = app.status.clone().expect("status").text;
    assert!(status.contains("kept"), "{status}");
    drop(app);
    let again = app_for(sample(), Some(&plan), Some(&data));
    assert!(matches!(again.overlay, Some(Overlay::Recover { .. })));
}

#[test]
fn two_planners_on_one_plan_keep_their_own_autosaves() {
    let dir = tempdir();
    let data = file(&dir, "data");
    let plan = file(&dir, "p.plan.toml");
    let mut a = app_for(sample(), Some(&plan), Some(&data));
    let mut b = app_for(sample(), Some(&plan), Some(&data));
    keys(&mut a, "3m");
    keys(&mut b, "3mm");
    assert_eq!(a.flush_autosave(), None);
    assert_eq!(b.flush_autosave(), None);
    let (slot_a, slot_b) = (
        a.files.autosave.clone().expect("slot"),
        b.files.autosave.clone().expect("slot"),
    );
    assert_ne!(slot_a.path(), slot_b.path());
    assert_ne!(slot_a.read(), slot_b.read());

    // A third planner does not offer (or discard) the work of running planners.
    let c = app_for(sample(), Some(&plan), Some(&data));
    assert_eq!(c.overlay, None);
    drop(c);

    // Once `a` is gone, its work is offered; discarding it leaves `b`'s alone.
    drop(a);
    drop(slot_a);
    let mut d = app_for(sample(), Some(&plan), Some(&data));
    assert!(matches!(d.overlay, Some(Overlay::Recover { .. })));
    keys(&mut d, "d");
    assert!(
        slot_b.read().is_some(),
        "the running planner's autosave is kept"
    );
    keys(&mut b, "s");
    assert!(plan.exists());
}

#[test]
fn an_autosave_that_does_not_fit_the_inventory_is_kept_not_offered() {
    let dir = tempdir();
    let data = file(&dir, "data");
    let mut first = app_for(sample(), None, Some(&data));
    keys(&mut first, "3m");
    let slot = first.files.autosave.clone().expect("slot");
    let slot_path = slot.path().to_path_buf();
    drop(first);
    drop(slot);
    assert!(slot_path.exists());

    // The same identity, another estate: the autosaved decisions name paths it does not have.
    let app = app_for(big_inventory(200), None, Some(&data));
    assert_eq!(app.overlay, None);
    let status = app.status.clone().expect("status");
    assert!(
        status.error && status.text.contains("does not fit"),
        "{status:?}"
    );
    assert!(slot_path.exists(), "the autosave is kept");
}
