//! Arbitrary bytes as a plan file for the sample inventory: the parser either reports problems that point
//! inside the file or yields a plan that renders, reads back as the same plan, and (when it fits the
//! inventory) drives the workspace and the script generator; nothing on the way panics.
#![no_main]

use std::sync::OnceLock;

use guardplan::inventory::Inventory;
use guardplan::plan::{self, Workspace};
use libfuzzer_sys::fuzz_target;

fn sample() -> Option<&'static Inventory> {
    static SAMPLE: OnceLock<Option<Inventory>> = OnceLock::new();
    SAMPLE
        .get_or_init(|| guardplan::inventory::load_sample().ok())
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = match plan::parse("fuzz.plan.toml", text) {
        Ok(p) => p,
        Err(diags) => {
            let lines = text.split('\n').count();
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
    let rendered = plan::render(&parsed);
    let reread = match plan::parse("fuzz.plan.toml", &rendered) {
        Ok(p) => p,
        Err(d) => panic!("a parsed plan does not read back after rendering:\n{d}\n---\n{rendered}"),
    };
    assert_eq!(
        plan::render(&reread),
        rendered,
        "render(parse(render(plan))) differs"
    );
    let Some(inv) = sample() else {
        return;
    };
    if plan::validate(&reread, inv).is_ok() {
        let ws = Workspace::new(inv.clone(), Some(reread), guardplan_fuzz::today());
        let _ = plan::render(&ws.plan);
        let _ = plan::scripts::stage_scripts(&ws);
    }
});
