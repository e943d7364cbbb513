//! What the fuzz targets share.

/// The fixed day waivers are judged against, so that a crash replays the same way on any day.
pub fn today() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap_or(time::Date::MIN)
}

/// What an import does after its source is read: map the directory to an inventory, write it, and load what
/// was written (as `guardplan import` does before it writes anything); nothing on the way may panic.
pub fn import_directory(dir: guardplan::import::Directory) {
    let imp = guardplan::import::build(dir, "fuzz");
    let header = guardplan::import::writer::Header {
        source: "fuzz".into(),
        time: None,
    };
    let Ok(text) = guardplan::import::writer::write(
        &imp.inventory,
        &header,
        &imp.notes,
        &Default::default(),
        &imp.skipped,
    ) else {
        return;
    };
    let _ = guardplan::inventory::load_str("fuzz.toml", &text);
}
