//! Arbitrary bytes as one file of a SharpHound / BloodHound collection, then as a ZIP of one: reading,
//! mapping, writing and loading the inventory never panic, and a ZIP is read within the given bounds.
#![no_main]

use std::io::Write as _;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(dir) = guardplan::import::bloodhound::directory(&[("fuzz.json".into(), text.into())])
    {
        guardplan_fuzz::import_directory(dir);
    }
    // The same bytes as an archive: small limits, so a bomb is cut short.
    let Ok(mut f) = tempfile_in_target() else {
        return;
    };
    if f.1.write_all(data).is_err() {
        return;
    }
    if let Ok(files) = guardplan::import::bloodhound::read_collection_within(&f.0, 1 << 20, 4 << 20)
        && let Ok(dir) = guardplan::import::bloodhound::directory(&files)
    {
        guardplan_fuzz::import_directory(dir);
    }
    let _ = std::fs::remove_file(&f.0);
});

/// A scratch file of this process.
fn tempfile_in_target() -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let path = std::env::temp_dir().join(format!("guardplan-fuzz-{}.zip", std::process::id()));
    let file = std::fs::File::create(&path)?;
    Ok((path, file))
}
