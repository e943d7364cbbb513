//! What the fuzz targets share.

/// The fixed day waivers are judged against, so that a crash replays the same way on any day.
pub fn today() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap_or(time::Date::MIN)
}
