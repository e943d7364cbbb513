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

/// On a synthetic estate, the starting plan protects nearly every pair some mode can serve: paths move with
/// their outliers as exceptions instead of staying on `standard`.
#[test]
fn the_starting_plan_protects_what_can_be_served_at_scale() {
    use guardplan::Mode;
    use guardplan::plan::exceptions;
    let text =
        guardplan::sample::generate(&guardplan::sample::SampleSpec::new(1000)).expect("sample");
    let inv = load_str("estate.toml", &text).expect("loads");
    let eval = guardplan::rules::evaluate(&inv, &guardplan::graph::TrustGraph::new(&inv));
    let plan = Plan::init(&inv, &eval);
    let figures = exceptions::totals(&inv, &eval, Some(&plan));
    let (mut protected, mut servable) = (0u64, 0u64);
    for (pid, f) in figures.iter().enumerate() {
        protected += f.protected;
        servable += f.servable;
        let pp = &eval.pairs[pid];
        let best = guardplan::rules::pairs::PROTECTIVE
            .iter()
            .map(|m| pp.pairs - pp.blocked[m.index()])
            .max()
            .unwrap_or(0);
        let d = plan
            .decision(&inv.paths[pid].name)
            .expect("a decision per path");
        assert!(
            d.mode != Mode::Standard || best * 100 < pp.pairs * 95,
            "{} stays on standard though a mode serves {best} of {} pairs",
            inv.paths[pid].name,
            pp.pairs
        );
    }
    assert!(servable > 0);
    assert!(
        protected * 100 >= servable * 95,
        "{protected} of {servable}"
    );
}
