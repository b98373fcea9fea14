//! Property tests: the twins of the cargo-fuzz targets (same property functions,
//! `bluebutton_reliability::properties`), with structured generators so that short runs in CI
//! reach deep into the parsers, plus a facade-level property for `next` links.

use std::sync::{Arc, Mutex, PoisonError};

use bluebutton_reliability::{fixtures, properties, tokens};
use futures_util::StreamExt as _;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{ALL_SCOPES, PATIENT, mock_config};

/// A JSON leaf: the kinds of values config files and FHIR documents hold, with edge cases.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("http://localhost:3000/callback"),
            Just("https://sandbox.bluebutton.cms.gov"),
            Just("http://evil.example"),
            Just("https://[::1]:8000/"),
            Just("SANDBOX"),
            Just("production"),
            Just("v2"),
            Just("3"),
            Just("2027-12-28T14:40:19Z"),
            Just("1950-02"),
            Just("next"),
            Just("carrier"),
            Just("-1"),
            Just(""),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

/// JSON documents whose keys come from `keys`, nested a few levels.
fn document(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(keys), inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

const CONFIG_KEYS: &[&str] = &[
    "client_id",
    "clientId",
    "client_secret",
    "clientSecret",
    "callback_url",
    "callbackUrl",
    "environment",
    "version",
    "base_url",
    "baseUrl",
    "token_refresh_on_expire",
    "retry_settings",
    "retrySettings",
    "total",
    "backoff_factor",
    "backoffFactor",
    "status_forcelist",
    "jitter",
    "max_backoff",
    "timeouts",
    "connect",
    "request",
    "unknown",
];

const FHIR_KEYS: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "lastUpdated",
    "type",
    "total",
    "link",
    "relation",
    "url",
    "entry",
    "resource",
    "status",
    "identifier",
    "system",
    "value",
    "extension",
    "valueMoney",
    "valueCoding",
    "code",
    "coding",
    "display",
    "item",
    "adjudication",
    "amount",
    "billablePeriod",
    "start",
    "end",
    "diagnosis",
    "contained",
    "name",
    "birthDate",
    "_birthDate",
    "period",
    "class",
    "patient",
    "reference",
];

const RESOURCE_TYPES: &[&str] = &[
    "Bundle",
    "ExplanationOfBenefit",
    "Patient",
    "Coverage",
    "OperationOutcome",
    "CapabilityStatement",
    "Organization",
    "Practitioner",
    "Observation",
    "SomethingElse",
];

/// A FHIR-looking document with a `resourceType` first (sometimes last).
fn fhir_document() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(RESOURCE_TYPES),
        prop::collection::vec((prop::sample::select(FHIR_KEYS), document(FHIR_KEYS)), 0..8),
        any::<bool>(),
    )
        .prop_map(|(resource_type, members, type_first)| {
            let mut map = Map::new();
            if type_first {
                map.insert("resourceType".into(), json!(resource_type));
            }
            for (k, v) in members {
                map.insert(k.to_owned(), v);
            }
            if !type_first {
                map.insert("resourceType".into(), json!(resource_type));
            }
            Value::Object(map)
        })
}

/// A callback query string built from known and unknown names and awkward values.
fn callback_query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("code"),
        Just("state"),
        Just("error"),
        Just("error_description"),
        Just("iss"),
        Just("x"),
        Just(""),
    ];
    let value = prop_oneof![
        "[A-Za-z0-9_.~-]{0,48}",
        "[%0-9A-Fa-f+=&]{0,12}",
        Just("access_denied".to_owned()),
        Just("%FF%FE".to_owned()),
        Just("a".repeat(2100)),
    ];
    (
        any::<bool>(),
        prop::collection::vec(
            (name, value, prop_oneof![Just("&"), Just(";"), Just("&&")]),
            0..6,
        ),
    )
        .prop_map(|(question, parts)| {
            let mut out = if question {
                "?".to_owned()
            } else {
                String::new()
            };
            for (i, (name, value, sep)) in parts.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                out.push_str(name);
                out.push('=');
                out.push_str(&value);
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn prop_config_parsing_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        properties::config_parsing(&data);
    }

    #[test]
    fn prop_config_parsing_structured(doc in document(CONFIG_KEYS)) {
        properties::config_parsing(&serde_json::to_vec(&doc).unwrap());
        properties::config_parsing(serde_yaml::to_string(&doc).unwrap_or_default().as_bytes());
        properties::check_config(bluebutton_config::Config::from_value(doc));
    }

    #[test]
    fn prop_config_parsing_env_lines(lines in prop::collection::vec(
        (prop::sample::select(&[
            "BLUEBUTTON_CLIENT_ID", "BLUEBUTTON_CLIENT_SECRET", "BLUEBUTTON_CALLBACK_URL",
            "BLUEBUTTON_ENVIRONMENT", "BLUEBUTTON_VERSION", "BLUEBUTTON_BASE_URL",
            "BLUEBUTTON_RETRY_TOTAL", "BLUEBUTTON_RETRY_BACKOFF_FACTOR", "OTHER",
        ][..]), leaf()), 0..8)) {
        let text: String = lines
            .into_iter()
            .map(|(k, v)| format!("{k}={}\n", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        properties::config_parsing(text.as_bytes());
    }

    #[test]
    fn prop_callback_parsing_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        properties::callback_parsing(&data);
    }

    #[test]
    fn prop_callback_parsing_structured(query in callback_query()) {
        properties::callback_parsing(query.as_bytes());
    }

    #[test]
    fn prop_callback_request_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        properties::callback_request(&data);
    }

    #[test]
    fn prop_callback_request_structured(
        method in 0u8..4,
        path in prop::sample::select(&["/callback", "/callback/", "/cb", "/favicon.ico", ""][..]),
        query in callback_query(),
        with_state in any::<bool>(),
    ) {
        let state = if with_state { "&state=STATE" } else { "" };
        let target = format!("{path}?{query}{state}");
        let mut data = vec![method];
        data.extend_from_slice(target.as_bytes());
        properties::callback_request(&data);
    }

    #[test]
    fn prop_config_file_loading_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        properties::config_file_loading(&data);
    }

    #[test]
    fn prop_config_file_loading_nesting(depth in 0usize..200, flow in any::<bool>(), doc in document(CONFIG_KEYS)) {
        let mut text = serde_yaml::to_string(&doc).unwrap_or_default();
        text.push_str("extra: ");
        if flow {
            text.push_str(&"[".repeat(depth));
            text.push_str(&"]".repeat(depth));
        } else {
            text.push('\n');
            text.push_str(&"- ".repeat(depth));
            text.push_str("x\n");
        }
        properties::config_file_loading(text.as_bytes());
        let dir = std::env::temp_dir().join(format!("bluebutton-nesting-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nested.yaml");
        std::fs::write(&path, &text).unwrap();
        let loaded = bluebutton_config::ConfigLoader::new().file(&path).load();
        let _ = std::fs::remove_file(&path);
        let too_deep = matches!(loaded, Err(bluebutton_config::ConfigError::TooDeep { .. }));
        // The document itself nests 3 levels at most; the extra list adds `depth` levels.
        if depth + 1 > bluebutton_config::MAX_CONFIG_DEPTH {
            prop_assert!(too_deep, "depth {} accepted", depth);
        } else if depth + 4 < bluebutton_config::MAX_CONFIG_DEPTH {
            prop_assert!(!too_deep, "depth {} refused", depth);
        }
    }

    #[test]
    fn prop_fhir_deserialization_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        properties::fhir_deserialization(&data);
        properties::bundle_links(&data);
    }

    #[test]
    fn prop_fhir_deserialization_structured(doc in fhir_document()) {
        let bytes = serde_json::to_vec(&doc).unwrap();
        properties::fhir_deserialization(&bytes);
        properties::bundle_links(&bytes);
    }

    #[test]
    fn prop_bundle_links_structured(links in prop::collection::vec(
        (prop_oneof![Just("next"), Just("self"), Just("previous"), Just("NEXT"), Just("")],
         prop_oneof![
            "[ -~]{0,40}",
            Just("https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit?startIndex=10".to_owned()),
            Just("//evil.example/steal".to_owned()),
            Just("javascript:alert(1)".to_owned()),
            Just("?startIndex=20".to_owned()),
         ]), 0..5)) {
        let bundle = json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "link": links.iter().map(|(r, u)| json!({"relation": r, "url": u})).collect::<Vec<_>>(),
        });
        properties::bundle_links(&serde_json::to_vec(&bundle).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Real fixtures, truncated and with one byte changed.
    #[test]
    fn prop_fhir_fixture_mutations(pick in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>(),
                                   at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let files = fixtures::json_files();
        if files.is_empty() {
            return Ok(());
        }
        let data = std::fs::read(pick.get(&files)).unwrap();
        let mut mutated = data[..cut.index(data.len() + 1)].to_vec();
        if !mutated.is_empty() {
            let i = at.index(mutated.len());
            mutated[i] = byte;
        }
        properties::fhir_deserialization(&mutated);
        properties::bundle_links(&mutated);
    }
}

#[test]
fn fixtures_satisfy_the_fhir_properties() {
    let files = fixtures::json_files();
    if files.is_empty() {
        println!("fixtures: skipped (../shared/fixtures not found)");
        return;
    }
    for file in &files {
        let data = std::fs::read(file).unwrap();
        properties::fhir_deserialization(&data);
        properties::bundle_links(&data);
    }
    println!(
        "fixtures: {} JSON files satisfy the FHIR properties",
        files.len()
    );
}

/// What the mock API answers next: a one-entry Bundle with this `next` link.
#[derive(Clone, Default)]
struct NextLink(Arc<Mutex<String>>);

impl wiremock::Respond for NextLink {
    fn respond(&self, _request: &wiremock::Request) -> ResponseTemplate {
        let link = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        ResponseTemplate::new(200).set_body_json(json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "link": [{"relation": "next", "url": link}],
            "entry": [{"resource": {"resourceType": "ExplanationOfBenefit", "id": "e"}}],
        }))
    }
}

/// Facade level: whatever `next` link the server sends, paging ends (a repeated link stops it,
/// a chain of new relative links stops at the page cap), and nothing reaches another server.
#[test]
fn prop_facade_follows_next_links_only_on_the_api_origin() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (api, foreign, next, beneficiary) = runtime.block_on(async {
        let api = MockServer::start().await;
        let foreign = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&foreign)
            .await;
        let next = NextLink::default();
        Mock::given(method("GET"))
            .respond_with(next.clone())
            .mount(&api)
            .await;
        let config = mock_config(&api);
        let bb = bluebutton::BlueButton::builder(config)
            .page_limits(bluebutton::PageLimits::default().max_pages(5))
            .build()
            .unwrap();
        let token = tokens::stored(
            "a",
            "r",
            PATIENT,
            ALL_SCOPES,
            OffsetDateTime::now_utc() + time::Duration::HOUR,
        );
        let beneficiary = bb.insert_token(PATIENT, &token).await.unwrap();
        (api, foreign, next, beneficiary)
    });
    let api_uri = api.uri();
    let foreign_uri = foreign.uri();
    let link = prop_oneof![
        "[ -~]{0,30}",
        Just(format!("{foreign_uri}/v2/fhir/ExplanationOfBenefit/")),
        Just(format!(
            "{}/v2/fhir/ExplanationOfBenefit/",
            foreign_uri.replace("127.0.0.1", "localhost")
        )),
        Just(format!("{api_uri}/v2/fhir/ExplanationOfBenefit/")),
        Just(format!(
            "{api_uri}/v2/fhir/ExplanationOfBenefit/?startIndex=10"
        )),
        Just(format!(
            "{api_uri}/v2/fhir/ExplanationOfBenefit/?access_token=leak"
        )),
        Just(format!("//{}/x", foreign.address())),
        Just("?startIndex=10".to_owned()),
        Just("ftp://127.0.0.1/x".to_owned()),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let outcomes = Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    runner
        .run(&link, |link| {
            *next.0.lock().unwrap() = link.clone();
            let pages: Vec<_> = runtime.block_on(async {
                tokio::time::timeout(
                    std::time::Duration::from_secs(30),
                    beneficiary
                        .explanation_of_benefit()
                        .pages::<bluebutton::Bundle>()
                        .collect(),
                )
                .await
                .expect("paging ends")
            });
            // At most the 5-page cap, then a typed error.
            prop_assert!(pages.len() <= 6, "{link:?}: {} pages", pages.len());
            let kind = match pages.last() {
                Some(Ok(_)) => "ended".to_owned(),
                Some(Err(e)) => format!("{e:?}")
                    .split([' ', '{', '('])
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                None => "empty".to_owned(),
            };
            *outcomes.lock().unwrap().entry(kind).or_default() += 1;
            Ok(())
        })
        .unwrap();
    let foreign_hits = runtime.block_on(foreign.received_requests()).unwrap().len();
    assert_eq!(foreign_hits, 0, "a next link reached another origin");
    let requests = runtime.block_on(api.received_requests()).unwrap();
    for r in &requests {
        assert!(!r.url.as_str().contains("access_token"), "{}", r.url);
    }
    println!(
        "facade next-link property: 32 generated links, outcomes {:?}, {} API requests, \
         0 requests to the foreign origin",
        outcomes.lock().unwrap(),
        requests.len()
    );
}
