//! Search-set Bundles with absolute paging links: v1/v2 (`startIndex`, `first/next/previous/last/self`,
//! always a `total`) and v3 (`_offset`, only `next/previous/self`, `total` on the last page only).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::clock::fhir_instant;
use crate::state::AppState;

/// Where a page sits in the result set and how its links are built.
pub(crate) struct Page<'a> {
    /// `http://host:port/vN/fhir/Resource` (no trailing slash).
    pub(crate) endpoint: String,
    /// The patient parameter as BFD writes it (`patient=…`, `beneficiary=Patient/…`, `_id=…`).
    pub(crate) owner: (&'a str, String),
    pub(crate) filters: &'a [(String, String)],
    pub(crate) total: usize,
    pub(crate) start: usize,
    pub(crate) count: usize,
    /// v3 paging: `_offset` links, no `first`/`last`, no `total` while more pages exist.
    pub(crate) offset_paging: bool,
}

fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl Page<'_> {
    /// The name of the paging parameter.
    fn start_param(&self) -> &'static str {
        if self.offset_paging {
            "_offset"
        } else {
            "startIndex"
        }
    }

    fn paging_link(&self, start: usize) -> String {
        let start = start.to_string();
        let count = self.count.to_string();
        let mut pairs: Vec<(&str, &str)> = vec![
            ("_format", "application/json+fhir"),
            (self.start_param(), &start),
            ("_count", &count),
            (self.owner.0, &self.owner.1),
        ];
        pairs.extend(self.filters.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        format!("{}?{}", self.endpoint, encode(&pairs))
    }

    fn self_link(&self) -> String {
        let start = self.start.to_string();
        let count = self.count.to_string();
        let mut pairs: Vec<(&str, &str)> = vec![
            ("_count", &count),
            ("_format", "application/json+fhir"),
            (self.owner.0, &self.owner.1),
            (self.start_param(), &start),
        ];
        pairs.extend(self.filters.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        format!("{}/?{}", self.endpoint, encode(&pairs))
    }

    /// The Bundle's JSON text, with `entries` (already serialized resources) spliced in.
    pub(crate) fn bundle(&self, state: &AppState, entries: &[Arc<str>]) -> String {
        let mut links = Vec::new();
        let more = self.count > 0 && self.start + self.count < self.total;
        if let Some(pages_before_last) = self.total.saturating_sub(1).checked_div(self.count) {
            let last = pages_before_last * self.count;
            if !self.offset_paging {
                links.push(json!({"relation": "first", "url": self.paging_link(0)}));
            }
            if more {
                links.push(
                    json!({"relation": "next", "url": self.paging_link(self.start + self.count)}),
                );
            }
            if self.start > 0 {
                let previous = self.start.saturating_sub(self.count);
                links.push(json!({"relation": "previous", "url": self.paging_link(previous)}));
            }
            if !self.offset_paging {
                links.push(json!({"relation": "last", "url": self.paging_link(last)}));
            }
        }
        links.push(json!({"relation": "self", "url": self.self_link()}));
        let mut bundle: Value = json!({
            "resourceType": "Bundle",
            "id": state.new_uuid(),
            "meta": {"lastUpdated": fhir_instant(state.clock.now())},
            "type": "searchset",
            "total": self.total,
            "link": links,
        });
        if self.offset_paging
            && more
            && let Some(map) = bundle.as_object_mut()
        {
            map.remove("total");
        }
        let mut text = super::to_fhir_string(&bundle);
        if !entries.is_empty() {
            text.pop();
            let size: usize = entries.iter().map(|e| e.len() + 16).sum();
            text.reserve(size + 16);
            text.push_str(",\"entry\":[");
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str("{\"resource\":");
                text.push_str(entry);
                text.push('}');
            }
            text.push_str("]}");
        }
        text
    }
}
