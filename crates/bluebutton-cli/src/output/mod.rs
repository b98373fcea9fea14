//! Output writers: NDJSON lines, one merged Bundle, and CSV claim line items.

pub(crate) mod bundle;
pub(crate) mod csv;
pub(crate) mod ndjson;
