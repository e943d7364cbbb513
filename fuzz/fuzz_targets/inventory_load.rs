//! Arbitrary bytes as an inventory file: the loader either reports problems that point inside the file, or
//! yields an inventory that the graphs, the rules engine, the starting plan and the script generator accept;
//! nothing on the way panics, and the plan written for it reads back as the same plan.
#![no_main]

use guardplan::plan::{self, Workspace};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let inv = match guardplan::inventory::load_bytes("fuzz.toml", data.to_vec()) {
        Ok(inv) => inv,
        Err(diags) => {
            let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
            for d in &diags.0 {
                assert!(
                    d.line >= 1 && d.line <= lines,
                    "line {} of {lines}: {d}",
                    d.line
                );
                assert!(d.col >= 1, "column 0: {d}");
            }
            let _ = diags.to_string();
            return;
        }
    };
    let _ = guardplan::graph::EstateGraph::new(&inv);
    let _ = guardplan::graph::to_dot(&inv);
    let _ = guardplan::graph::to_mermaid(&inv);

    // Plan init (through the workspace: trust graph, rules, cross-path rules), render, parse, scripts.
    let ws = Workspace::new(inv, None, guardplan_fuzz::today());
    let text = plan::render(&ws.plan);
    let reread = match plan::parse("fuzz.plan.toml", &text) {
        Ok(p) => p,
        Err(d) => panic!("the starting plan does not read back:\n{d}\n---\n{text}"),
    };
    if let Err(d) = plan::validate(&reread, &ws.inventory) {
        panic!("the starting plan does not fit its inventory:\n{d}\n---\n{text}");
    }
    assert_eq!(
        plan::render(&reread),
        text,
        "render(parse(render(plan))) differs"
    );
    if let Err(e) = plan::scripts::stage_scripts(&ws) {
        panic!("a loaded inventory gives no scripts: {e}");
    }
});
