//! Arbitrary bytes as a Security event file: the streaming reader either reads it or reports an error at an
//! offset inside the decoded input, and the logons it yields go through the verifier of the sample inventory;
//! nothing on the way panics.
#![no_main]

use std::io::Read;
use std::sync::OnceLock;

use guardplan::verify::{self, Verifier, events};
use libfuzzer_sys::fuzz_target;

fn sample() -> Option<&'static guardplan::inventory::Inventory> {
    static SAMPLE: OnceLock<Option<guardplan::inventory::Inventory>> = OnceLock::new();
    SAMPLE
        .get_or_init(|| guardplan::inventory::load_sample().ok())
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(inv) = sample() else {
        return;
    };
    let planned = vec![Some(guardplan::Mode::RemoteGuard); inv.paths.len()];
    let mut v = Verifier::new(inv, planned, "fuzz");
    let mut decoded = Vec::new();
    if events::decoded(data).read_to_end(&mut decoded).is_err() {
        return;
    }
    match verify::read_logons(&decoded[..], |l| v.logon(l)) {
        Ok(n) => v.count_events(n),
        Err(e) => {
            assert!(e.offset as usize <= decoded.len(), "{e:?}");
            let (line, col) = events::line_col(&decoded[..], e.offset);
            assert!(line >= 1 && col >= 1);
        }
    }
    let r = v.finish();
    let _ = (verify::render::text(&r), verify::render::markdown(&r), verify::render::json(&r));
});
