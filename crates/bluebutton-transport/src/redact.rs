//! URL redaction for errors and logs: query values, credentials and fragments never leave here.

use url::Url;

/// A copy of `url` without user info or fragment, whose query keeps its keys but not their values
/// (`?_count=&patient=`). Error values carry this form.
pub fn redact_url(url: &Url) -> Url {
    let mut redacted = url.clone();
    // Both fail only for URLs that cannot have credentials; then there are none to remove.
    let _ = redacted.set_username("");
    let _ = redacted.set_password(None);
    redacted.set_fragment(None);
    if url.query().is_some() {
        let keys: Vec<String> = url.query_pairs().map(|(key, _)| key.into_owned()).collect();
        redacted.set_query(None);
        if !keys.is_empty() {
            let mut pairs = redacted.query_pairs_mut();
            for key in &keys {
                pairs.append_pair(key, "");
            }
        }
    }
    redacted
}

/// The path of `url`, for log fields and one-line messages (no query, no host).
pub(crate) fn log_path(url: &Url) -> &str {
    url.path()
}

/// True when the query carries an `access_token` parameter (any case).
pub(crate) fn has_token_in_query(url: &Url) -> bool {
    url.query_pairs()
        .any(|(key, _)| key.eq_ignore_ascii_case("access_token"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_values_credentials_and_fragment() {
        let url = Url::parse(
            "https://user:pw@api.example/v2/fhir/Patient/?_id=-2014&code=secret&flag#frag",
        )
        .unwrap();
        let redacted = redact_url(&url);
        assert_eq!(
            redacted.as_str(),
            "https://api.example/v2/fhir/Patient/?_id=&code=&flag="
        );
        assert_eq!(log_path(&url), "/v2/fhir/Patient/");
        let plain = Url::parse("http://localhost:8000/v2/o/token/").unwrap();
        assert_eq!(redact_url(&plain), plain);
    }

    #[test]
    fn detects_access_token_in_query() {
        let bad = Url::parse("https://x/v2/fhir/Patient?_count=1&ACCESS_TOKEN=t").unwrap();
        assert!(has_token_in_query(&bad));
        let good = Url::parse("https://x/v2/fhir/Patient?_count=1").unwrap();
        assert!(!has_token_in_query(&good));
    }
}
