//! Arbitrary bytes as what a directory server sends: the bounds guardplan checks before the LDAP client sees
//! them give the same verdict however the bytes are split into reads, and never panic.
#![no_main]

use std::time::Duration;

use guardplan::import::ldap_wire::{Limits, scan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small bounds, so that inputs of a few kilobytes reach each of them.
    let limits = Limits {
        message: 512,
        entries: 8,
        total: 16 << 10,
        deadline: Duration::from_secs(1),
    };
    let Some((&cut, data)) = data.split_first() else {
        return;
    };
    let whole = scan([data], limits);
    let at = usize::from(cut).min(data.len());
    let (a, b) = data.split_at(at);
    assert_eq!(scan([a, b], limits), whole);
    assert_eq!(scan(data.chunks(7), limits), whole);
    if let Ok(entries) = whole {
        assert!(entries <= limits.entries);
    }
});
