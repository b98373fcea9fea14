//! Fuzz target: loading a config file with its size, depth and repeated-key limits.
//! The property is shared with the proptest twin in tools/bluebutton-reliability.
#![no_main]

#[allow(dead_code)]
#[path = "../../tools/bluebutton-reliability/src/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::config_file_loading(data));
