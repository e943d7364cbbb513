//! Arbitrary bytes as an LDIF export: decoding, parsing, mapping, writing and loading the inventory never
//! panic; a decoding or parsing problem points inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = match guardplan::import::ldif::decode("fuzz.ldif", data) {
        Ok(t) => t,
        Err(d) => {
            let _ = d.to_string();
            return;
        }
    };
    let entries = match guardplan::import::ldif::parse("fuzz.ldif", &text) {
        Ok(e) => e,
        Err(d) => {
            let lines = text.split('\n').count();
            for x in &d.0 {
                assert!(x.line <= lines.max(1), "line {} of {lines}: {x}", x.line);
            }
            return;
        }
    };
    let dir = guardplan::import::entries::directory(&entries);
    guardplan_fuzz::import_directory(dir);
});
