//! One Bundle of every entry of several pages (`eob --all --format json`), written as the
//! entries arrive, from their exact bytes.

use std::io::{self, Write};

/// Writes `{"resourceType":"Bundle","type":"searchset","link":[self],"entry":[...],"total":N}`.
pub(crate) struct BundleWriter<W: Write> {
    out: W,
    count: u64,
}

impl<W: Write> BundleWriter<W> {
    /// Starts the Bundle; `self_url` is the search's first URL.
    pub(crate) fn start(mut out: W, self_url: &str) -> io::Result<Self> {
        out.write_all(
            br#"{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"#,
        )?;
        serde_json::to_writer(&mut out, self_url)?;
        out.write_all(br#"}],"entry":["#)?;
        Ok(BundleWriter { out, count: 0 })
    }

    /// Appends one entry (a whole `entry` object's exact JSON text).
    pub(crate) fn push(&mut self, entry: &str) -> io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(entry.as_bytes())?;
        self.count += 1;
        Ok(())
    }

    /// Closes the Bundle with `total` = the number of entries, and returns the writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        writeln!(self.out, "],\"total\":{}}}", self.count)?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_valid_bundle_with_every_entry_verbatim() {
        let mut writer = BundleWriter::start(
            Vec::new(),
            "http://h/v2/fhir/ExplanationOfBenefit/?_count=2",
        )
        .unwrap();
        for e in [
            r#"{"resource":{"id":"a","x":1.10}}"#,
            r#"{"resource":{"id":"b"}}"#,
        ] {
            writer.push(e).unwrap();
        }
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        insta::assert_snapshot!(text, @r#"{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"http://h/v2/fhir/ExplanationOfBenefit/?_count=2"}],"entry":[{"resource":{"id":"a","x":1.10}},{"resource":{"id":"b"}}],"total":2}"#);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["total"], 2);
    }

    #[test]
    fn an_empty_search_gives_an_empty_bundle() {
        let writer = BundleWriter::start(Vec::new(), "u").unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&writer.finish().unwrap()).unwrap();
        assert_eq!(parsed["entry"], serde_json::json!([]));
        assert_eq!(parsed["total"], 0);
    }
}
