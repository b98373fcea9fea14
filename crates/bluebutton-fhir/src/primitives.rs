//! FHIR primitive types that keep their exact JSON text: decimals and the partial-precision date types.
//!
//! Parsing never rejects a value for its format (servers send year-only dates, 7-digit fractions and
//! worse); [`crate::Validate`] reports format problems instead, and the typed accessors return `None`
//! when the text does not have the needed precision or form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::FhirError;

/// A FHIR `decimal`, kept as its exact JSON number text (`25.0` stays `25.0`, `0.10` stays `0.10`).
///
/// Equality compares the text, so `25.0 != 25.00`; compare [`Decimal::to_scaled`] values for numeric
/// equality. Money never goes through `f64` unless you ask for [`Decimal::to_f64`].
#[derive(Clone)]
pub struct Decimal(Box<RawValue>);

impl Decimal {
    /// The exact JSON text of the number, e.g. `"66125.51"`.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Whether the text is a JSON number (a lenient parse also keeps strings and other JSON here).
    pub fn is_number(&self) -> bool {
        split_number(self.as_str()).is_some()
    }

    /// The value as `f64` (lossy; prefer [`Decimal::to_scaled`] for money).
    pub fn to_f64(&self) -> Option<f64> {
        if self.is_number() {
            self.as_str().parse().ok()
        } else {
            None
        }
    }

    /// The value multiplied by `10^scale` as an exact integer, or `None` when the number has non-zero
    /// digits beyond `scale` fraction digits, overflows `i128`, or is not a number.
    /// `to_scaled(2)` gives cents: `"66125.51"` -> `6612551`, `"0.10"` -> `10`, `"25"` -> `2500`.
    pub fn to_scaled(&self, scale: u32) -> Option<i128> {
        let parts = split_number(self.as_str())?;
        // The digits of integer and fraction, and the position of the decimal point after the exponent.
        let digits: Vec<u8> = parts
            .int
            .bytes()
            .chain(parts.frac.bytes())
            .map(|b| b - b'0')
            .collect();
        let point = i64::try_from(parts.int.len()).ok()? + parts.exp + i64::from(scale);
        let mut value: i128 = 0;
        for (index, digit) in digits.iter().enumerate() {
            let position = i64::try_from(index).ok()?;
            if position < point {
                value = value.checked_mul(10)?.checked_add(i128::from(*digit))?;
            } else if *digit != 0 {
                return None;
            }
        }
        let used = i64::try_from(digits.len()).ok()?;
        for _ in used..point {
            value = value.checked_mul(10)?;
        }
        Some(if parts.negative { -value } else { value })
    }

    /// The decimal `value / 10^scale` with exactly `scale` fraction digits, e.g. `from_scaled(6612551, 2)`
    /// is `66125.51` and `from_scaled(-5, 2)` is `-0.05`.
    pub fn from_scaled(value: i128, scale: u32) -> Decimal {
        let digits = value.unsigned_abs().to_string();
        let scale = usize::try_from(scale).unwrap_or(usize::MAX);
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        let sign = if value < 0 { "-" } else { "" };
        let text = if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        };
        Decimal(RawValue::from_string(text).unwrap_or_else(|_| zero()))
    }

    /// The value in cents (`to_scaled(2)`), the unit of every Blue Button amount.
    pub fn to_cents(&self) -> Option<i128> {
        self.to_scaled(2)
    }
}

impl FromStr for Decimal {
    type Err = FhirError;

    /// Parses decimal text such as `"25.0"`; the text must be a JSON number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if split_number(s).is_none() {
            return Err(FhirError::InvalidPrimitive {
                kind: "decimal",
                value: s.to_owned(),
            });
        }
        RawValue::from_string(s.to_owned())
            .map(Decimal)
            .map_err(|_| FhirError::InvalidPrimitive {
                kind: "decimal",
                value: s.to_owned(),
            })
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        // An integer's text is always a valid JSON number.
        Decimal(RawValue::from_string(value.to_string()).unwrap_or_else(|_| zero()))
    }
}

fn zero() -> Box<RawValue> {
    serde_json::from_str("0").unwrap_or_else(|_| unreachable!("0 is JSON"))
}

impl Default for Decimal {
    fn default() -> Self {
        Decimal(zero())
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.as_str())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Decimal)
    }
}

/// The parts of a JSON number.
struct NumberParts<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    exp: i64,
}

/// Splits JSON number text into its parts; `None` when it is not a JSON number.
fn split_number(s: &str) -> Option<NumberParts<'_>> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let int = &rest[..int_len];
    if int.is_empty() || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    let mut rest = &rest[int_len..];
    let mut frac = "";
    if let Some(after) = rest.strip_prefix('.') {
        let len = after.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        frac = &after[..len];
        rest = &after[len..];
    }
    let mut exp = 0;
    if let Some(after) = rest.strip_prefix(['e', 'E']) {
        let digits = after.strip_prefix(['+', '-']).unwrap_or(after);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        exp = after.parse().ok()?;
        rest = "";
    }
    rest.is_empty().then_some(NumberParts {
        negative,
        int,
        frac,
        exp,
    })
}

/// How much of a date or date-time is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DatePrecision {
    /// `2018`
    Year,
    /// `2018-03`
    Month,
    /// `2018-03-21`
    Day,
    /// `2018-03-21T10:30:00Z` (any fraction of a second)
    Time,
}

/// The components of a (partial) FHIR date or date-time.
struct DateParts {
    year: i32,
    month: Option<u8>,
    day: Option<u8>,
    time: Option<(time::Time, time::UtcOffset)>,
}

impl DateParts {
    fn precision(&self) -> DatePrecision {
        match (self.month, self.day, self.time) {
            (_, _, Some(_)) => DatePrecision::Time,
            (_, Some(_), None) => DatePrecision::Day,
            (Some(_), None, None) => DatePrecision::Month,
            (None, _, None) => DatePrecision::Year,
        }
    }

    fn date(&self) -> Option<time::Date> {
        let month = time::Month::try_from(self.month?).ok()?;
        time::Date::from_calendar_date(self.year, month, self.day?).ok()
    }
}

fn two_digits(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    if b.len() == 2 && b[0].is_ascii_digit() && b[1].is_ascii_digit() {
        Some((b[0] - b'0') * 10 + (b[1] - b'0'))
    } else {
        None
    }
}

/// Parses `hh:mm:ss(.f+)?`.
fn parse_time(s: &str) -> Option<time::Time> {
    let (hms, frac) = match s.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (s, None),
    };
    let mut it = hms.split(':');
    let (h, m, sec) = (
        two_digits(it.next()?)?,
        two_digits(it.next()?)?,
        two_digits(it.next()?)?,
    );
    if it.next().is_some() {
        return None;
    }
    let mut nanos = 0u32;
    if let Some(frac) = frac {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        for (i, b) in frac.bytes().take(9).enumerate() {
            nanos += u32::from(b - b'0') * 10u32.pow(8 - u32::try_from(i).ok()?);
        }
    }
    time::Time::from_hms_nano(h, m, sec, nanos).ok()
}

/// Parses `Z` or `+hh:mm` / `-hh:mm`.
fn parse_offset(s: &str) -> Option<time::UtcOffset> {
    if s == "Z" {
        return Some(time::UtcOffset::UTC);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1i8, &s[1..]),
        b'-' => (-1i8, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m) = (two_digits(h)?, two_digits(m)?);
    let h = i8::try_from(h).ok()? * sign;
    let m = i8::try_from(m).ok()? * sign;
    time::UtcOffset::from_hms(h, m, 0).ok()
}

/// Parses a FHIR `date` or `dateTime` of any precision.
fn parse_date_parts(s: &str) -> Option<DateParts> {
    let (date, time_part) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut it = date.split('-');
    let year_text = it.next()?;
    if year_text.len() != 4 || !year_text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year_text.parse().ok()?;
    let month = it.next().map(two_digits);
    let day = it.next().map(two_digits);
    if it.next().is_some() {
        return None;
    }
    let month = match month {
        Some(m) => Some(m.filter(|m| (1..=12).contains(m))?),
        None => None,
    };
    let day = match day {
        Some(d) => Some(d?),
        None => None,
    };
    let mut parts = DateParts {
        year,
        month,
        day,
        time: None,
    };
    if day.is_some() {
        parts.date()?;
    }
    if let Some(t) = time_part {
        parts.day?;
        let split = t.find(['Z', '+', '-'])?;
        let (clock, offset) = t.split_at(split);
        parts.time = Some((parse_time(clock)?, parse_offset(offset)?));
    }
    Some(parts)
}

macro_rules! text_primitive {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps the text as-is (no format check; see [`crate::Validate`]).
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            /// The exact text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.to_owned())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name)
            }
        }
    };
}

text_primitive! {
    /// A FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, kept as its text (precision is preserved).
    Date
}
text_primitive! {
    /// A FHIR `dateTime`: a partial date, or a full date and time with offset, kept as its text.
    DateTime
}
text_primitive! {
    /// A FHIR `instant`: a full date and time with offset (any number of fraction digits), kept as text.
    Instant
}
text_primitive! {
    /// A FHIR `time` of day: `hh:mm:ss(.f+)?`, kept as its text.
    Time
}

impl Date {
    /// The precision of the text, or `None` when it is not a valid FHIR `date`.
    pub fn precision(&self) -> Option<DatePrecision> {
        parse_date_parts(&self.0)
            .filter(|p| p.time.is_none())
            .map(|p| p.precision())
    }

    /// The year, whatever the precision.
    pub fn year(&self) -> Option<i32> {
        parse_date_parts(&self.0)
            .filter(|p| p.time.is_none())
            .map(|p| p.year)
    }

    /// The calendar date, when the text has day precision.
    pub fn to_date(&self) -> Option<time::Date> {
        parse_date_parts(&self.0)
            .filter(|p| p.time.is_none())
            .and_then(|p| p.date())
    }
}

impl DateTime {
    /// The precision of the text, or `None` when it is not a valid FHIR `dateTime`.
    pub fn precision(&self) -> Option<DatePrecision> {
        parse_date_parts(&self.0).map(|p| p.precision())
    }

    /// The year, whatever the precision.
    pub fn year(&self) -> Option<i32> {
        parse_date_parts(&self.0).map(|p| p.year)
    }

    /// The calendar date (as written, in the value's own offset), when the text has at least day precision.
    pub fn to_date(&self) -> Option<time::Date> {
        parse_date_parts(&self.0).and_then(|p| p.date())
    }

    /// The point in time, when the text has a time and offset.
    pub fn to_offset_date_time(&self) -> Option<time::OffsetDateTime> {
        let parts = parse_date_parts(&self.0)?;
        let (clock, offset) = parts.time?;
        Some(time::PrimitiveDateTime::new(parts.date()?, clock).assume_offset(offset))
    }
}

impl Instant {
    /// The point in time, or `None` when the text is not a valid `instant`.
    pub fn to_offset_date_time(&self) -> Option<time::OffsetDateTime> {
        DateTime(self.0.clone()).to_offset_date_time()
    }
}

impl Time {
    /// The time of day, or `None` when the text is not a valid FHIR `time`.
    pub fn to_time(&self) -> Option<time::Time> {
        parse_time(&self.0)
    }
}

/// Which FHIR primitive type a string-valued element has, for format validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrimitiveKind {
    /// `string` (and `markdown`, `xhtml`)
    String,
    /// `code`
    Code,
    /// `id`
    Id,
    /// `uri`, `url`, `canonical`
    Uri,
    /// `oid`
    Oid,
    /// `uuid`
    Uuid,
    /// `base64Binary`
    Base64Binary,
    /// `integer`
    Integer,
    /// `positiveInt`
    PositiveInt,
    /// `unsignedInt`
    UnsignedInt,
    /// `boolean`
    Boolean,
    /// `decimal`
    Decimal,
    /// `date`
    Date,
    /// `dateTime`
    DateTime,
    /// `instant`
    Instant,
    /// `time`
    Time,
}

/// A primitive value whose format can be checked.
pub(crate) trait CheckFormat {
    /// A description of what is wrong with the value, or `None` when it is valid for `kind`.
    fn format_problem(&self, kind: PrimitiveKind) -> Option<&'static str>;
}

impl CheckFormat for String {
    fn format_problem(&self, kind: PrimitiveKind) -> Option<&'static str> {
        let s = self.as_str();
        match kind {
            PrimitiveKind::String => (s.is_empty() || s.trim().is_empty())
                .then_some("a string must contain non-whitespace content"),
            PrimitiveKind::Code => (s.is_empty() || s.trim() != s || s.contains("  "))
                .then_some("a code has no leading/trailing or double whitespace"),
            PrimitiveKind::Id => (s.is_empty()
                || s.len() > 64
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
            .then_some("an id is 1-64 of [A-Za-z0-9-.]"),
            PrimitiveKind::Uri => (s.is_empty() || s.chars().any(char::is_whitespace))
                .then_some("a uri has no whitespace"),
            PrimitiveKind::Oid => {
                let ok = s.strip_prefix("urn:oid:").is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .split('.')
                            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                });
                (!ok).then_some("an oid is urn:oid: followed by dotted digits")
            }
            PrimitiveKind::Uuid => {
                let ok = s.strip_prefix("urn:uuid:").is_some_and(|rest| {
                    rest.len() == 36
                        && rest.bytes().enumerate().all(|(i, b)| match i {
                            8 | 13 | 18 | 23 => b == b'-',
                            _ => b.is_ascii_hexdigit(),
                        })
                });
                (!ok).then_some("a uuid is urn:uuid: followed by a canonical UUID")
            }
            PrimitiveKind::Base64Binary => {
                (!s.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'+' | b'/' | b'=' | b' ' | b'\n' | b'\r')
                }) || s.bytes().filter(|b| !b.is_ascii_whitespace()).count() % 4 != 0)
                    .then_some("not base64")
            }
            PrimitiveKind::Date => parse_date_parts(s)
                .filter(|p| p.time.is_none())
                .is_none()
                .then_some("a date is YYYY, YYYY-MM or YYYY-MM-DD"),
            PrimitiveKind::DateTime => parse_date_parts(s)
                .is_none()
                .then_some("a dateTime is a partial date or YYYY-MM-DDThh:mm:ss(.f)?(Z|+hh:mm)"),
            PrimitiveKind::Instant => parse_date_parts(s)
                .is_none_or(|p| p.time.is_none())
                .then_some("an instant is YYYY-MM-DDThh:mm:ss(.f)?(Z|+hh:mm)"),
            PrimitiveKind::Time => parse_time(s).is_none().then_some("a time is hh:mm:ss(.f)?"),
            PrimitiveKind::Integer
            | PrimitiveKind::PositiveInt
            | PrimitiveKind::UnsignedInt
            | PrimitiveKind::Boolean
            | PrimitiveKind::Decimal => Some("expected a JSON number or boolean, found a string"),
        }
    }
}

impl CheckFormat for i64 {
    fn format_problem(&self, kind: PrimitiveKind) -> Option<&'static str> {
        match kind {
            PrimitiveKind::PositiveInt => (!(1..=i64::from(i32::MAX)).contains(self))
                .then_some("a positiveInt is 1..=2147483647"),
            PrimitiveKind::UnsignedInt => (!(0..=i64::from(i32::MAX)).contains(self))
                .then_some("an unsignedInt is 0..=2147483647"),
            _ => i32::try_from(*self)
                .is_err()
                .then_some("an integer is a 32-bit signed number"),
        }
    }
}

impl CheckFormat for bool {
    fn format_problem(&self, _kind: PrimitiveKind) -> Option<&'static str> {
        None
    }
}

impl CheckFormat for Decimal {
    fn format_problem(&self, _kind: PrimitiveKind) -> Option<&'static str> {
        (!self.is_number()).then_some("a decimal is a JSON number")
    }
}

macro_rules! check_as_string {
    ($($name:ident => $kind:ident),*) => {$(
        impl CheckFormat for $name {
            fn format_problem(&self, _kind: PrimitiveKind) -> Option<&'static str> {
                self.0.format_problem(PrimitiveKind::$kind)
            }
        }
    )*};
}
check_as_string!(Date => Date, DateTime => DateTime, Instant => Instant, Time => Time);

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("valid decimal")
    }

    #[test]
    fn decimal_scaling_is_exact() {
        assert_eq!(dec("66125.51").to_cents(), Some(6_612_551));
        assert_eq!(dec("0.10").to_cents(), Some(10));
        assert_eq!(dec("25").to_cents(), Some(2500));
        assert_eq!(dec("-3.5").to_cents(), Some(-350));
        assert_eq!(dec("1.5e2").to_cents(), Some(15_000));
        assert_eq!(dec("1.234").to_cents(), None);
        assert_eq!(dec("1.230").to_cents(), Some(123));
        assert_eq!(dec("25.0").as_str(), "25.0");
        assert_eq!(Decimal::from_scaled(6_612_551, 2).as_str(), "66125.51");
        assert_eq!(Decimal::from_scaled(-5, 2).as_str(), "-0.05");
        assert_eq!(Decimal::from_scaled(7, 0).as_str(), "7");
        assert!("01".parse::<Decimal>().is_err());
        assert!("abc".parse::<Decimal>().is_err());
    }

    #[test]
    fn dates_keep_precision() {
        assert_eq!(Date::from("2018").precision(), Some(DatePrecision::Year));
        assert_eq!(Date::from("2018").year(), Some(2018));
        assert_eq!(Date::from("2018").to_date(), None);
        assert_eq!(
            Date::from("2018-02").precision(),
            Some(DatePrecision::Month)
        );
        assert_eq!(
            Date::from("2018-02-28").to_date(),
            Some(time::macros::date!(2018 - 02 - 28))
        );
        assert_eq!(Date::from("2018-02-30").precision(), None);
        assert_eq!(Date::from("IGNORED_FIELD").precision(), None);
    }

    #[test]
    fn seven_fraction_digits_parse() {
        let t = DateTime::from("2020-07-07T13:26:22.0314215+00:00");
        assert_eq!(
            t.to_offset_date_time(),
            Some(time::macros::datetime!(2020-07-07 13:26:22.0314215 +00:00))
        );
        let i = Instant::from("2021-01-05T17:40:08.123-05:00");
        assert_eq!(
            i.to_offset_date_time(),
            Some(time::macros::datetime!(2021-01-05 17:40:08.123 -05:00))
        );
        assert!(
            "2018"
                .to_owned()
                .format_problem(PrimitiveKind::Instant)
                .is_some()
        );
    }

    #[test]
    fn string_formats() {
        assert!(
            "abc-1.2"
                .to_owned()
                .format_problem(PrimitiveKind::Id)
                .is_none()
        );
        assert!("a b".to_owned().format_problem(PrimitiveKind::Id).is_some());
        assert!(
            " x".to_owned()
                .format_problem(PrimitiveKind::Code)
                .is_some()
        );
        assert!(
            "urn:oid:1.2.3"
                .to_owned()
                .format_problem(PrimitiveKind::Oid)
                .is_none()
        );
        assert!(0i64.format_problem(PrimitiveKind::PositiveInt).is_some());
        assert!(0i64.format_problem(PrimitiveKind::UnsignedInt).is_none());
        assert!(Time::from("10:30:00").to_time().is_some());
    }
}
