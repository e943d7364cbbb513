//! Snapshots of the per-stage scripts (PowerShell, `.reg`, rollback) generated for the example plan
//! `plans/contoso.plan.toml` on the embedded sample estate.

use guardplan::inventory::{SAMPLE_TOML, load_str};
use guardplan::plan::{Workspace, io, scripts};

/// A fixed day, so that waiver expiry does not depend on when the test runs.
const TODAY: time::Date = time::macros::date!(2026 - 06 - 01);

fn sample_workspace() -> Workspace {
    let inv = load_str("assets/contoso.toml", SAMPLE_TOML).expect("sample loads");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/contoso.plan.toml");
    let text = std::fs::read_to_string(&path).expect("plans/contoso.plan.toml is readable");
    let plan = io::parse("plans/contoso.plan.toml", &text).expect("example plan parses");
    assert!(
        io::staleness(&plan, &inv).is_none(),
        "example plan is stale"
    );
    Workspace::new(inv, Some(plan), TODAY)
}

#[test]
fn sample_plan_scripts() {
    let ws = sample_workspace();
    let files = scripts::stage_scripts(&ws).expect("scripts for the sample plan");
    assert!(!files.is_empty());
    // Every stage with actions has a script and its rollback.
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for f in &files {
        if let Some(stem) = f.name.strip_suffix(".ps1")
            && !stem.ends_with(".rollback")
        {
            let rollback = format!("{stem}.rollback.ps1");
            assert!(names.contains(&rollback.as_str()), "{rollback} missing");
        }
    }
    let mut listing = String::new();
    for f in &files {
        listing.push_str(&format!("=== {}\n", f.name));
    }
    insta::assert_snapshot!("sample_plan_script_names", listing);
    for f in &files {
        insta::assert_snapshot!(format!("sample_plan_script__{}", f.name), &f.content);
    }
    // The same workspace gives the same bytes.
    assert_eq!(scripts::stage_scripts(&ws).expect("again"), files);
}
