//! `plans/contoso.plan.toml` is the plan `guardplan plan init` writes for the embedded sample.

use guardplan::inventory::{SAMPLE_TOML, load_str};
use guardplan::plan::{Plan, io};

#[test]
fn example_plan_is_in_sync_with_the_sample() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let inv = load_str("assets/contoso.toml", SAMPLE_TOML).expect("sample loads");
    let graph = guardplan::graph::TrustGraph::new(&inv);
    let eval = guardplan::rules::evaluate(&inv, &graph);
    let mut plan = Plan::init(&inv, &eval);
    plan.inventory.path = "../assets/contoso.toml".into();
    let want = io::render(&plan);
    let path = root.join("plans/contoso.plan.toml");
    if std::env::var_os("GUARDPLAN_UPDATE_PLANS").is_some() {
        std::fs::write(&path, &want).expect("write plans/contoso.plan.toml");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "plans/contoso.plan.toml is out of date with the sample inventory or the planner.\n\
         Regenerate it with:\n  guardplan plan init assets/contoso.toml -o plans/contoso.plan.toml --force\n\
         or: GUARDPLAN_UPDATE_PLANS=1 cargo test --test suite plan_sample\n\
         and review the difference."
    );
    // The example is a valid plan for the sample.
    let parsed = io::parse("plans/contoso.plan.toml", &have).expect("parses");
    io::validate(&parsed, &inv).expect("validates");
    assert!(io::staleness(&parsed, &inv).is_none());
}
