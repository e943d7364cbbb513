//! Arbitrary bytes as a host state file: the reader either refuses it with a position or yields records that
//! merge into the sample inventory and are written and loaded again (the command refuses to write an
//! inventory that does not load); nothing on the way panics. What it accepts holds each host once, and UTF-16
//! that does not decode is never accepted; the operating system of every record classifies without panicking.
#![no_main]

use guardplan::import::state;
use guardplan::inventory::raw::RawInventory;
use libfuzzer_sys::fuzz_target;

/// Whether `data` is UTF-16 (by its byte order mark) that does not decode: an unpaired surrogate or an odd
/// byte at the end.
fn invalid_utf16(data: &[u8]) -> bool {
    let big_endian = match data {
        [0xFF, 0xFE, ..] => false,
        [0xFE, 0xFF, ..] => true,
        _ => return false,
    };
    let rest = &data[2..];
    let units = rest.chunks_exact(2).map(|p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    rest.len() % 2 == 1 || char::decode_utf16(units).any(|c| c.is_err())
}

fuzz_target!(|data: &[u8]| {
    match state::read(data) {
        Err(e) => assert!(e.line >= 1 && e.col >= 1, "{e}"),
        Ok(file) => {
            assert!(!invalid_utf16(data), "invalid UTF-16 was accepted");
            let mut names: Vec<String> = file.hosts.iter().map(|h| h.name.0.to_lowercase()).collect();
            names.sort();
            let count = names.len();
            names.dedup();
            assert_eq!(names.len(), count, "a host was accepted twice");
            for h in &file.hosts {
                if let Some(os) = &h.os {
                    let _ = state::classify_os(os);
                }
            }
            let Ok(mut raw) = toml::from_str::<RawInventory>(guardplan::inventory::SAMPLE_TOML) else {
                return;
            };
            let _ = state::merge(&mut raw, &file.hosts);
            let text = toml::to_string(&raw).unwrap_or_default();
            let _ = guardplan::inventory::load_str("merged.toml", &text);
        }
    }
});
