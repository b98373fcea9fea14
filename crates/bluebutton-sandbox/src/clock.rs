//! The sandbox's clock: wall time plus an offset that tests can advance (no real sleeping).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

/// Wall-clock time shifted by a test-controlled offset.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicU64,
}

impl Clock {
    /// The current sandbox time.
    pub(crate) fn now(&self) -> OffsetDateTime {
        let offset = Duration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        OffsetDateTime::now_utc() + offset
    }

    /// Moves the sandbox time forward.
    pub(crate) fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Formats like the server's `DATETIME_ISO_FORMAT` (`%Y-%m-%dT%H:%M:%SZ`).
pub(crate) fn iso_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Formats with milliseconds and `Z` (Django REST framework's datetime style).
pub(crate) fn iso_millis(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Formats an instant like HAPI FHIR does (`2021-06-07T21:51:33.688-04:00`), in US Eastern standard time.
pub(crate) fn fhir_instant(t: OffsetDateTime) -> String {
    let offset = time::UtcOffset::from_hms(-5, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = t.to_offset(offset);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}-05:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `t` plus a number of calendar months (day clamped to the month's length), like `relativedelta`.
pub(crate) fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = t.year() * 12 + i32::from(u8::from(t.month())) - 1 + months as i32;
    let year = total.div_euclid(12);
    let month =
        time::Month::try_from((total.rem_euclid(12) + 1) as u8).unwrap_or(time::Month::January);
    let day = t.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| t.replace_date(d))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_and_month_arithmetic() {
        let t = datetime!(2026-01-31 14:40:19.258 UTC);
        assert_eq!(iso_seconds(t), "2026-01-31T14:40:19Z");
        assert_eq!(iso_millis(t), "2026-01-31T14:40:19.258Z");
        assert_eq!(fhir_instant(t), "2026-01-31T09:40:19.258-05:00");
        assert_eq!(iso_seconds(add_months(t, 13)), "2027-02-28T14:40:19Z");
    }

    #[test]
    fn advancing_moves_now() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() - before >= time::Duration::seconds(3600));
    }
}
