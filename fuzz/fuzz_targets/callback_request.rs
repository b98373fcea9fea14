//! Fuzz target: the login listener's screening of each request (method, target, state).
//! The property is shared with the proptest twin in tools/bluebutton-reliability.
#![no_main]

#[allow(dead_code)]
#[path = "../../tools/bluebutton-reliability/src/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::callback_request(data));
