//! Property tests of the exact decimal and date handling.

use bluebutton_fhir::{Date, DateTime, Decimal, Resource, from_json_str, to_json_string};
use proptest::prelude::*;

proptest! {
    #[test]
    fn scaled_decimals_round_trip(value in any::<i64>(), scale in 0u32..8) {
        let decimal = Decimal::from_scaled(i128::from(value), scale);
        prop_assert_eq!(decimal.to_scaled(scale), Some(i128::from(value)));
        let reparsed: Decimal = decimal.as_str().parse().expect("valid JSON number");
        prop_assert_eq!(reparsed, decimal);
    }

    #[test]
    fn decimal_text_survives_a_round_trip(int in 0u32..100_000, frac in "[0-9]{1,6}") {
        let text = format!("{int}.{frac}");
        let json = format!(r#"{{"resourceType":"Coverage","class":[{{"value":"x"}}],"costToBeneficiary":[{{"valueMoney":{{"value":{text}}}}}]}}"#);
        let resource: Resource = from_json_str(&json).expect("parses");
        prop_assert_eq!(to_json_string(&resource).expect("serializes"), json);
    }

    #[test]
    fn full_dates_convert(days in 0i32..80_000) {
        let date = time::Date::from_julian_day(2_400_000 + days).expect("in range");
        let text = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
        prop_assert_eq!(Date::from(text.as_str()).to_date(), Some(date));
        let stamp = DateTime::from(format!("{text}T10:20:30.1234567-05:00").as_str());
        let parsed = stamp.to_offset_date_time().expect("valid dateTime");
        prop_assert_eq!(parsed.date(), date);
        prop_assert_eq!(parsed.nanosecond(), 123_456_700);
    }
}
