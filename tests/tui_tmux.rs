//! End to end: the real binary in a tmux pseudo-terminal. Where tmux is absent these tests fail under CI
//! (`CI=true`) and elsewhere say they were skipped.

use crate::tui_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tui_support::tempdir;

/// A tmux server of its own (its own socket), killed on drop.
struct Tmux {
    socket: String,
    /// Where the planner's standard error goes, shown when a wait fails.
    stderr: std::cell::RefCell<PathBuf>,
}

impl Tmux {
    fn start() -> Option<Tmux> {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            let why = "tmux is not installed (apt-get install tmux), so the end-to-end planner test cannot run";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            eprintln!("skipped: {why}");
            return None;
        }
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Some(Tmux {
            socket: format!("guardplan-test-{}-{n}", std::process::id()),
            stderr: Default::default(),
        })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts the planner over the sample in a 120x40 window.
    fn open(&self, dir: &Path, plan: &Path) {
        self.open_with(dir, None, plan);
    }

    /// Starts the planner over an inventory file (none: the sample) in a 120x40 window.
    fn open_with(&self, dir: &Path, inventory: Option<&Path>, plan: &Path) {
        let cmd = format!(
            "exec env GUARDPLAN_CONFIG_DIR='{}' GUARDPLAN_DATA_DIR='{}' TERM=xterm-256color '{}' tui {} --plan '{}' 2>'{}'",
            dir.join("config").display(),
            dir.join("data").display(),
            env!("CARGO_BIN_EXE_guardplan"),
            inventory.map_or(String::new(), |i| format!("'{}'", i.display())),
            plan.display(),
            dir.join("stderr").display()
        );
        *self.stderr.borrow_mut() = dir.join("stderr");
        // A server whose last session just ended may still be exiting: try again until the session exists.
        for _ in 0..50 {
            self.tmux(&[
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                "-s",
                "planner",
                &cmd,
            ]);
            if self.running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "planner"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "planner", k]);
        }
    }

    /// Waits (bounded) until the screen shows `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the screen never showed `{text}`:\n{s}\nstandard error:\n{}",
                std::fs::read_to_string(&*self.stderr.borrow()).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn running(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "planner"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn wait_closed(&self) {
        let start = Instant::now();
        while self.running() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the planner did not quit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pid(&self) -> String {
        self.tmux(&["list-panes", "-t", "planner", "-F", "#{pane_pid}"])
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The first path of the sample and the mode one `m` gives it.
fn first_path_next_mode() -> (String, guardplan::finding::Mode) {
    let app = tui_support::sample_app();
    let name = app.ws.inventory.paths[0].name.clone();
    (name, app.ws.choice(0).mode.next())
}

/// Waits until the planner started in `dir` has autosaved a change (written off the key path, within moments).
fn wait_autosaved(dir: &Path) {
    let slots = dir.join("data").join("autosave");
    let start = Instant::now();
    loop {
        let written = std::fs::read_dir(&slots).is_ok_and(|entries| {
            entries.filter_map(Result::ok).any(|e| {
                e.file_name().to_string_lossy().ends_with(".plan.toml")
                    && e.metadata().is_ok_and(|m| m.len() > 0)
            })
        });
        if written {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no autosave in {}",
            slots.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn assert_first_path_changed(plan: &Path) {
    let (name, mode) = first_path_next_mode();
    assert_eq!(
        tui_support::decided(&tui_support::saved_plan(plan), &name),
        Some(mode)
    );
}

#[test]
fn change_a_mode_save_and_quit() {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempdir();
    let plan: PathBuf = dir.path().join("rollout.plan.toml");
    tmux.open(dir.path(), &plan);
    tmux.wait_for("Overview");
    tmux.keys(&["3"]);
    tmux.wait_for("PURPOSE");
    tmux.keys(&["m"]);
    tmux.wait_for("[modified]");
    tmux.keys(&["s"]);
    tmux.wait_for("saved");
    tmux.keys(&["q"]);
    tmux.wait_closed();
    assert_first_path_changed(&plan);
}

#[test]
fn a_killed_planner_is_recovered_from_the_autosave() {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempdir();
    let plan: PathBuf = dir.path().join("rollout.plan.toml");
    tmux.open(dir.path(), &plan);
    tmux.wait_for("Overview");
    tmux.keys(&["3", "m"]);
    tmux.wait_for("[modified]");
    wait_autosaved(dir.path());
    let pid = tmux.pid();
    let killed = Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    tmux.wait_closed();
    assert!(!plan.exists(), "nothing was saved before the kill");

    tmux.open(dir.path(), &plan);
    tmux.wait_for("Recover autosaved work");
    tmux.keys(&["r"]);
    tmux.wait_for("recovered");
    tmux.keys(&["s"]);
    tmux.wait_for("saved");
    tmux.keys(&["q"]);
    tmux.wait_closed();
    assert_first_path_changed(&plan);
}

#[test]
fn a_killed_planner_recovered_after_the_plan_changed_keeps_both_edits() {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempdir();
    let plan: PathBuf = dir.path().join("rollout.plan.toml");
    tmux.open(dir.path(), &plan);
    tmux.wait_for("Overview");
    tmux.keys(&["s"]);
    tmux.wait_for("saved");
    tmux.keys(&["3", "m"]);
    tmux.wait_for("[modified]");
    wait_autosaved(dir.path());
    let killed = Command::new("kill")
        .args(["-KILL", &tmux.pid()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    tmux.wait_closed();

    // A colleague's note, written while the planner was gone.
    let mut text = std::fs::read_to_string(&plan).expect("plan");
    text.push_str("# colleague: audit first\n");
    std::fs::write(&plan, &text).expect("edit");

    tmux.open(dir.path(), &plan);
    tmux.wait_for("Recover autosaved work");
    tmux.wait_for("changed since");
    tmux.keys(&["r"]);
    tmux.wait_for("recovered");
    tmux.keys(&["s"]);
    tmux.wait_for("rollout.mine.plan.toml");
    tmux.keys(&["q"]);
    tmux.wait_closed();
    assert_eq!(std::fs::read_to_string(&plan).expect("plan"), text);
    assert_first_path_changed(&dir.path().join("rollout.mine.plan.toml"));
}

#[test]
fn review_a_finding_through_its_path_and_stage_and_back() {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempdir();
    let plan: PathBuf = dir.path().join("rollout.plan.toml");
    tmux.open(dir.path(), &plan);
    tmux.wait_for("does not exist: this is a new plan");
    tmux.keys(&["5", "/"]);
    for k in ["p", "u", "-", "n", "t", "l", "m", "Enter", "G"] {
        tmux.keys(&[k]);
    }
    tmux.wait_for("plant-floor");
    tmux.keys(&["Enter"]);
    tmux.wait_for("[3 Access paths]");
    tmux.wait_for("Chosen mode and its findings");
    tmux.keys(&["Enter"]);
    tmux.wait_for("[4 Stages]");
    tmux.wait_for("plant-floor is in stage broad-rollout through `*`");
    tmux.keys(&["Escape"]);
    tmux.wait_for("[3 Access paths]");
    tmux.keys(&["Escape"]);
    tmux.wait_for("[5 Findings]");
    tmux.wait_for("/pu-ntlm");
    tmux.keys(&["q"]);
    tmux.wait_closed();
}

#[test]
fn remove_an_expired_waiver_and_waive_again() {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempdir();
    let plan: PathBuf = dir.path().join("rollout.plan.toml");
    let mut p = tui_support::sample_app().ws.plan_to_save();
    p.waivers.push(guardplan::plan::Waiver {
        code: "PU-NTLM".into(),
        scope: "path:plant-floor".into(),
        reason: "old exception".into(),
        expires: Some("2020-01-31".parse().expect("date")),
    });
    std::fs::write(&plan, guardplan::plan::io::render(&p)).expect("plan");
    tmux.open(dir.path(), &plan);
    tmux.wait_for("Overview");
    tmux.keys(&["7"]);
    tmux.wait_for("expired");
    tmux.keys(&["d"]);
    tmux.wait_for("waiver of PU-NTLM (path:plant-floor) removed (u undoes)");
    tmux.keys(&["5", "/"]);
    for k in ["p", "u", "-", "n", "t", "l", "m", "Enter", "G", "w"] {
        tmux.keys(&[k]);
    }
    tmux.wait_for("Waive PU-NTLM");
    tmux.wait_for("path:plant-floor");
    tmux.keys(&["rebuilt", "Tab", "2099-01-31", "Enter"]);
    tmux.wait_for("(waived)");
    tmux.keys(&["s"]);
    tmux.wait_for("saved");
    tmux.keys(&["q"]);
    tmux.wait_closed();
    let saved = tui_support::saved_plan(&plan);
    assert_eq!(saved.waivers.len(), 1, "{:?}", saved.waivers);
    assert_eq!(saved.waivers[0].reason, "rebuilt");
    assert_eq!(saved.waivers[0].scope, "path:plant-floor");
}

#[test]
fn a_changed_inventory_marks_the_plan_stale_and_lists_the_change() {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempdir();
    let inv = dir.path().join("estate.toml");
    let plan: PathBuf = dir.path().join("rollout.plan.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/contoso.toml"))
        .expect("sample");
    std::fs::write(&inv, &text).expect("inventory");
    let init = Command::new(env!("CARGO_BIN_EXE_guardplan"))
        .args(["plan", "init"])
        .arg(&inv)
        .arg("-o")
        .arg(&plan)
        .output()
        .expect("plan init runs");
    assert!(init.status.success(), "{init:?}");
    tmux.open_with(dir.path(), Some(&inv), &plan);
    tmux.wait_for("Overview");
    // A host loses LAPS while the planner is open; R reads the files again.
    let (at, _) = text
        .match_indices("laps = true")
        .next()
        .expect("a host with LAPS");
    let name_at = text[..at].rfind("name = \"").expect("its name") + 8;
    let name = &text[name_at..name_at + text[name_at..].find('"').expect("quoted")];
    let changed = format!("{}laps = false{}", &text[..at], &text[at + 11..]);
    std::fs::write(&inv, changed).expect("inventory changed");
    tmux.keys(&["R"]);
    tmux.wait_for("[stale: c lists the inventory changes]");
    tmux.keys(&["c"]);
    tmux.wait_for(&format!("~ host {}", name.to_lowercase()));
    tmux.wait_for("laps: true -> false");
    tmux.keys(&["Escape"]);
    // Esc and a key sent at once read as Alt and the key: wait until the list is closed.
    tmux.wait_for("┌ Estate");
    tmux.keys(&["s"]);
    tmux.wait_for("saved");
    assert!(!tmux.screen().contains("[stale"));
    tmux.keys(&["q"]);
    tmux.wait_closed();
}
