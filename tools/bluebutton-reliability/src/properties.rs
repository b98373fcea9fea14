//! The properties both the cargo-fuzz targets (`fuzz/`, which include this file by path) and the
//! property tests (`tests/reliability/properties.rs`) check: on any input, parsing ends in a
//! value or a typed error (never a panic), and what is accepted is consistent.
//!
//! Each function takes raw bytes, as a fuzzer hands them over, and panics only when a property
//! is broken.

use bluebutton_auth::{
    CallbackQuery, CsrfToken, MAX_CALLBACK_QUERY_BYTES, ScreenedRequest, screen_callback_request,
};
use bluebutton_config::{Config, ConfigError, ConfigLoader, MAX_CONFIG_FILE_BYTES};
use bluebutton_fhir::bluebutton::prelude::*;
use bluebutton_fhir::{
    Bundle, Coverage, ExplanationOfBenefit, Patient, Resource, Validate as _, from_json_slice,
    from_json_str, to_json_string,
};
use url::Url;

/// Config parsing: the bytes as a JSON document, as a YAML document (both through
/// [`Config::from_value`]) and as `NAME=value` lines of `BLUEBUTTON_*` variables.
pub fn config_parsing(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        check_config(Config::from_value(value));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = serde_yaml::from_str::<serde_json::Value>(text) {
        check_config(Config::from_value(value));
    }
    let vars: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    check_config(Config::from_env_vars(vars));
}

/// A loaded config is usable: https (or loopback http) base URL, endpoints under it, and a
/// `Debug` that hides the secret; an error renders.
pub fn check_config(result: Result<Config, ConfigError>) {
    let config = match result {
        Ok(config) => config,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    let base = config.base_url();
    let loopback = match base.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    assert!(
        base.scheme() == "https" || (base.scheme() == "http" && loopback),
        "insecure base URL accepted: {base}"
    );
    let endpoints = config.endpoints();
    for url in [&endpoints.token, &endpoints.authorize, &endpoints.fhir_base] {
        assert_eq!(url.origin(), base.origin(), "endpoint {url} leaves {base}");
    }
    // The secret's own renderings are fixed, and the config shows that, not the value. (A
    // substring search would be wrong: a fuzzed secret such as `timeouts` is also a field name.)
    let secret = config.client_secret();
    assert_eq!(format!("{secret:?}"), "[redacted]");
    assert_eq!(format!("{secret}"), "[redacted]");
    let shown = format!("{config:?}");
    assert!(
        shown.contains("client_secret: [redacted]"),
        "Config Debug does not redact the secret"
    );
}

/// Callback parsing: a query string is parsed or refused with a typed error; an accepted one
/// verifies against its own state exactly when it has no `error`, no RFC 9207 `iss` (none
/// can match without an expected issuer) and a non-empty code, and never against another
/// state.
pub fn callback_parsing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let query = match CallbackQuery::parse(text) {
        Ok(query) => query,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    assert!(
        text.len() <= MAX_CALLBACK_QUERY_BYTES + 1,
        "over-long query accepted"
    );
    if let Some(state) = query.state() {
        match query.verify(state) {
            Ok(code) => {
                assert!(query.error().is_none(), "an error callback verified");
                assert!(query.iss().is_none(), "an unmatchable `iss` verified");
                assert!(!code.secret().is_empty());
                assert_eq!(
                    Some(code.secret()),
                    query.code().map(|c| c.secret()),
                    "verify returned another code"
                );
            }
            Err(_) => assert!(
                query.error().is_some()
                    || query.iss().is_some()
                    || query.code().is_none_or(|c| c.secret().is_empty()),
                "a well-formed callback was refused"
            ),
        }
    }
    let other = CsrfToken::new("another-session-state-0123456789".to_owned());
    if query.state().map(|s| s.secret()) != Some(other.secret()) {
        assert!(
            query.verify(&other).is_err(),
            "verified against another state"
        );
    }
    // Code and state are shown as `[redacted]`, whatever their value.
    let shown = format!("{query:?}");
    if query.code().is_some() {
        assert!(
            shown.contains("code: \"[redacted]\""),
            "Debug shows the code: {shown}"
        );
    }
    if query.state().is_some() {
        assert!(
            shown.contains("state: \"[redacted]\""),
            "Debug shows the state: {shown}"
        );
    }
}

/// The state of the pending login in [`callback_request`]; `STATE` in the input stands for it.
pub const LOOPBACK_STATE: &str = "fuzz-state-kRQvUvRYlPdjYTr3";

/// The loopback listener's request screening: the first byte picks the method (GET, POST,
/// HEAD, PUT), the rest is the request target, with `STATE` replaced by the pending state.
/// Only a GET on `/callback` whose `state` is exactly the pending one is the callback;
/// everything else is stray with a 4xx status and a reason that shows no query value.
pub fn callback_request(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let method = ["GET", "POST", "HEAD", "PUT"][usize::from(selector % 4)];
    let target = text.replace("STATE", LOOPBACK_STATE);
    let state = CsrfToken::new(LOOPBACK_STATE.to_owned());
    match screen_callback_request(method, &target, "/callback", &state) {
        ScreenedRequest::Callback(query) => {
            assert_eq!(method, "GET", "a {method} became the callback");
            let (path, _) = target.split_once('?').unwrap_or((&target, ""));
            assert_eq!(path, "/callback", "another path became the callback");
            assert_eq!(
                query.state().map(|s| s.secret().as_str()),
                Some(LOOPBACK_STATE),
                "a callback without the pending state was accepted"
            );
        }
        ScreenedRequest::Stray(why) => {
            assert!(matches!(why.status(), 400 | 404 | 405));
            let shown = why.to_string();
            assert!(!shown.is_empty());
            assert!(
                !shown.contains(LOOPBACK_STATE),
                "a stray request's reason shows its state"
            );
        }
    }
}

/// Config file loading with its limits: the bytes written to a `.json` and a `.yaml` file and
/// loaded. Loading ends in a config or a typed error; a file over
/// [`MAX_CONFIG_FILE_BYTES`] is always `FileTooLarge`; nesting deeper than
/// [`bluebutton_config::MAX_CONFIG_DEPTH`] never reaches the parser (`TooDeep`); an accepted
/// config is usable ([`check_config`]).
pub fn config_file_loading(data: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!("bluebutton-config-fuzz-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    for extension in ["json", "yaml"] {
        let path = dir.join(format!("case-{n}.{extension}"));
        if std::fs::write(&path, data).is_err() {
            continue;
        }
        let loaded = ConfigLoader::new().file(&path).load();
        let _ = std::fs::remove_file(&path);
        if data.len() as u64 > MAX_CONFIG_FILE_BYTES {
            assert!(
                matches!(loaded, Err(ConfigError::FileTooLarge { .. })),
                "an over-sized file was read"
            );
            continue;
        }
        if let Err(ConfigError::RepeatedKey {
            first: Some(first),
            second: Some(second),
            ..
        }) = &loaded
        {
            assert!(
                (first.line, first.column) < (second.line, second.column),
                "the first place of a repeated key comes after the second"
            );
        }
        check_config(loaded);
    }
}

/// FHIR deserialization: any bytes parse into the models or fail with a typed error; a parsed
/// resource serializes, re-parses, and serializes to the same text (lossless), validates and
/// answers the Blue Button helpers without panicking.
pub fn fhir_deserialization(data: &[u8]) {
    if let Ok(resource) = from_json_slice::<Resource>(data) {
        let text = to_json_string(&resource).expect("a parsed resource serializes");
        let again: Resource = from_json_str(&text).expect("its serialization parses");
        assert_eq!(
            to_json_string(&again).expect("serializes"),
            text,
            "not lossless"
        );
        let _ = resource.validate();
        let _ = resource.resource_type();
    }
    if let Ok(eob) = from_json_slice::<ExplanationOfBenefit>(data) {
        let _ = (eob.claim_type(), eob.claim_id(), eob.totals());
        let _ = (eob.service_dates(), eob.billable_period_dates());
        let _ = (eob.diagnosis_codes().len(), eob.line_items().len());
        let _ = (eob.provider_npis(), eob.provider_organization().is_some());
        let _ = eob.validate();
    }
    if let Ok(patient) = from_json_slice::<Patient>(data) {
        let _ = (
            patient.mbis().len(),
            patient.current_mbi(),
            patient.bene_id(),
        );
        let _ = (patient.display_name(), patient.date_of_birth());
    }
    if let Ok(coverage) = from_json_slice::<Coverage>(data) {
        let _ = (
            coverage.part(),
            coverage.coverage_status(),
            coverage.coverage_period(),
        );
    }
}

/// Bundle link handling: `next_link` is the first `next` link's URL verbatim, and resolving it
/// against the page URL, as the facade does, gives either an error or a URL whose origin can
/// be compared with the API's (the facade refuses any other origin).
pub fn bundle_links(data: &[u8]) {
    let Ok(bundle) = from_json_slice::<Bundle>(data) else {
        return;
    };
    let expected = bundle
        .link
        .iter()
        .find(|l| l.relation.as_deref() == Some("next"))
        .and_then(|l| l.url.as_deref());
    assert_eq!(
        bundle.next_link(),
        expected,
        "next_link is not the first next link"
    );
    let page = Url::parse("https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit/")
        .expect("a valid page URL");
    if let Some(link) = bundle.next_link()
        && let Ok(next) = page.join(link)
        && next.origin() == page.origin()
    {
        assert_eq!(next.scheme(), "https");
        assert_eq!(next.host_str(), page.host_str());
    }
    for relation in ["self", "first", "previous", "last"] {
        let _ = bundle.link_url(relation);
    }
    let _ = bundle.resources().count();
    let _ = bundle.explanation_of_benefits().count();
    let _ = bundle.patients().count() + bundle.coverages().count();
}
