//! Arbitrary bytes as an inventory file: the loader either reports problems that point inside the file, or
//! yields an inventory that the graphs and the rules engine accept; nothing on the way panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let inv = match guardplan::inventory::load_bytes("fuzz.toml", data.to_vec()) {
        Ok(inv) => inv,
        Err(diags) => {
            let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
            for d in &diags.0 {
                assert!(d.line >= 1 && d.line <= lines, "line {} of {lines}: {d}", d.line);
                assert!(d.col >= 1, "column 0: {d}");
            }
            let _ = diags.to_string();
            return;
        }
    };
    let graph = guardplan::graph::TrustGraph::new(&inv);
    let _ = guardplan::graph::EstateGraph::new(&inv);
    let _ = guardplan::graph::to_dot(&inv);
    let _ = guardplan::graph::to_mermaid(&inv);
    let _ = guardplan::rules::evaluate(&inv, &graph);
});
