//! Arbitrary bytes as a host state file: the reader either refuses it with a position or yields records that
//! merge into the sample inventory and are written and loaded again (the command refuses to write an
//! inventory that does not load); nothing on the way panics.
#![no_main]

use guardplan::import::state;
use guardplan::inventory::raw::RawInventory;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match state::read(data) {
        Err(e) => assert!(e.line >= 1 && e.col >= 1, "{e}"),
        Ok(file) => {
            let Ok(mut raw) = toml::from_str::<RawInventory>(guardplan::inventory::SAMPLE_TOML) else {
                return;
            };
            let _ = state::merge(&mut raw, &file.hosts);
            let text = toml::to_string(&raw).unwrap_or_default();
            let _ = guardplan::inventory::load_str("merged.toml", &text);
        }
    }
});
