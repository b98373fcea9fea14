//! Content negotiation on FHIR routes: `application/fhir+json` by default, `application/json` on
//! request, 406 for anything else.

use axum::http::{HeaderMap, header};

use crate::responses::{FHIR_JSON, JSON};

/// The content type to answer with, or `None` for 406.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(FHIR_JSON);
    };
    let mut ranges: Vec<(f32, usize, &str)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (!media.is_empty() && q > 0.0).then_some((q, i, media))
        })
        .collect();
    if ranges.is_empty() {
        return Some(FHIR_JSON);
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges
        .into_iter()
        .find_map(|(_, _, media)| match media.to_ascii_lowercase().as_str() {
            "application/fhir+json" | "application/json+fhir" | "*/*" | "application/*" => {
                Some(FHIR_JSON)
            }
            "application/json" => Some(JSON),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(accept: &str) -> Option<&'static str> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("")),
        );
        negotiate(&headers)
    }

    #[test]
    fn picks_by_quality_then_order() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(FHIR_JSON));
        assert_eq!(with("application/json"), Some(JSON));
        assert_eq!(with("application/fhir+xml"), None);
        assert_eq!(
            with("application/fhir+xml, application/json;q=0.5"),
            Some(JSON)
        );
        assert_eq!(with("*/*"), Some(FHIR_JSON));
    }
}
