//! Fuzz target: Bundle link handling (next_link, resolution against the page URL).
//! The property is shared with the proptest twin in tools/bluebutton-reliability.
#![no_main]

#[allow(dead_code)]
#[path = "../../tools/bluebutton-reliability/src/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::bundle_links(data));
