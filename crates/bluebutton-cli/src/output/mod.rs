//! Output writers: NDJSON lines, one merged Bundle, CSV claim line items, and sets of files
//! replaced together.

pub(crate) mod bundle;
pub(crate) mod csv;
pub(crate) mod ndjson;
pub(crate) mod staged;
