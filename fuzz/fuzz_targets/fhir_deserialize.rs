//! Fuzz target: FHIR model deserialization, lossless round trip, validation and Blue Button helpers.
//! The property is shared with the proptest twin in tools/bluebutton-reliability.
#![no_main]

#[allow(dead_code)]
#[path = "../../tools/bluebutton-reliability/src/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::fhir_deserialization(data));
