//! Typed search parameter values: date filters with a comparison prefix (`service-date`,
//! `_lastUpdated`).

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// The comparison of a date filter (the server accepts only these four).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatePrefix {
    /// `lt`: before.
    Lt,
    /// `le`: on or before.
    Le,
    /// `gt`: after.
    Gt,
    /// `ge`: on or after.
    Ge,
}

impl DatePrefix {
    /// The prefix as sent, e.g. `"ge"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lt => "lt",
            Self::Le => "le",
            Self::Gt => "gt",
            Self::Ge => "ge",
        }
    }
}

/// A date or an instant to compare with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateValue {
    /// A calendar day, sent as `YYYY-MM-DD`.
    Date(Date),
    /// An instant, sent in UTC as RFC 3339 (`2024-01-31T10:00:00Z`).
    Instant(OffsetDateTime),
}

impl From<Date> for DateValue {
    fn from(date: Date) -> Self {
        Self::Date(date)
    }
}

impl From<OffsetDateTime> for DateValue {
    fn from(instant: OffsetDateTime) -> Self {
        Self::Instant(instant)
    }
}

impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Date(d) => write!(
                f,
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            Self::Instant(t) => {
                let utc = t.to_offset(UtcOffset::UTC);
                match utc.format(&Rfc3339) {
                    Ok(text) => f.write_str(&text),
                    Err(_) => Err(fmt::Error),
                }
            }
        }
    }
}

/// One date comparison, e.g. `ge2023-01-01` (`service-date` and `_lastUpdated` may be given
/// several times; the server ANDs them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateFilter {
    /// The comparison.
    pub prefix: DatePrefix,
    /// The date or instant.
    pub value: DateValue,
}

impl DateFilter {
    /// Before `value`.
    pub fn lt(value: impl Into<DateValue>) -> Self {
        Self::new(DatePrefix::Lt, value)
    }
    /// On or before `value`.
    pub fn le(value: impl Into<DateValue>) -> Self {
        Self::new(DatePrefix::Le, value)
    }
    /// After `value`.
    pub fn gt(value: impl Into<DateValue>) -> Self {
        Self::new(DatePrefix::Gt, value)
    }
    /// On or after `value`.
    pub fn ge(value: impl Into<DateValue>) -> Self {
        Self::new(DatePrefix::Ge, value)
    }
    /// A filter with any prefix.
    pub fn new(prefix: DatePrefix, value: impl Into<DateValue>) -> Self {
        Self {
            prefix,
            value: value.into(),
        }
    }
}

impl fmt::Display for DateFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.prefix.as_str(), self.value)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn formats_dates_and_instants_in_utc() {
        assert_eq!(
            DateFilter::ge(date!(2023 - 01 - 05)).to_string(),
            "ge2023-01-05"
        );
        assert_eq!(
            DateFilter::lt(datetime!(2024-02-03 10:00:00 +02:00)).to_string(),
            "lt2024-02-03T08:00:00Z"
        );
        assert_eq!(
            DateFilter::le(date!(2020 - 12 - 31)).to_string(),
            "le2020-12-31"
        );
        assert_eq!(
            DateFilter::gt(date!(0999 - 01 - 01)).to_string(),
            "gt0999-01-01"
        );
    }
}
