//! Authorization security checks (RFC 7636, RFC 6749 section 10.12, RFC 9207, RFC 9700): everything up to the code exchange (PKCE, state, the
//! callback, the redirect URI, mix-up, `aud`). One named test per check, each printing what it
//! checked; OAuth traffic goes to wiremock (to see every byte sent) or the sandbox (which
//! validates like the real server).

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bluebutton::Error as SdkError;
use bluebutton_auth::{AuthError, AuthRequest, CallbackQuery, PkceCodeVerifier, Scope};
use bluebutton_config::{ApiVersion, Config};
use bluebutton_reliability::sandbox::{self as sb, authorize, authorize_url_for};
use bluebutton_sandbox::Sandbox;
use bluebutton_transport::Request;
use sha2::{Digest, Sha256};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{
    CLIENT_ID, CLIENT_SECRET, auth_client, count, facade, field, forms, mock_config, mount_token,
    pairs, token_body,
};

const TOKEN_PATH: &str = "/v2/o/token/";

/// Which error a rejected callback must give.
type ErrorCheck = fn(&AuthError) -> bool;

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn all_of<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Share of one bits over a set of random byte strings (0.5 for a fair source).
fn ones_ratio(samples: &[Vec<u8>]) -> (f64, u64) {
    let bits: u64 = samples.iter().map(|s| s.len() as u64 * 8).sum();
    let ones: u64 = samples
        .iter()
        .flat_map(|s| s.iter())
        .map(|b| u64::from(b.count_ones()))
        .sum();
    (ones as f64 / bits as f64, bits)
}

/// Compiles only when `T` is not `Clone` (the `static_assertions::assert_not_impl_any` trick):
/// with a `Clone` type both impls apply and the call is ambiguous.
trait AmbiguousIfClone<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfClone<()> for T {}
struct IsClone;
impl<T: Clone> AmbiguousIfClone<IsClone> for T {}

#[tokio::test]
async fn pkce_always_s256() {
    let sandbox = Sandbox::builder().start().await.expect("sandbox");
    let mut checked = 0;
    let mut accepted = 0;
    for version in [ApiVersion::V1, ApiVersion::V2, ApiVersion::V3] {
        let config = sb::config(&sandbox)
            .version(version)
            .build()
            .expect("config");
        let (transport, client) = auth_client(&config);
        let scope_sets = [vec![], Scope::all_v2(), vec![Scope::OpenId]];
        for scopes in scope_sets {
            let request = AuthRequest::new().with_scopes(scopes);
            let url = client.authorize_url(&request);
            let pairs = pairs(&url);
            assert_eq!(all_of(&pairs, "code_challenge_method"), ["S256"], "{url}");
            let challenge = all_of(&pairs, "code_challenge");
            assert_eq!(challenge.len(), 1, "one code_challenge");
            assert_eq!(challenge[0], s256(request.code_verifier().secret()));
            assert!(
                pairs.iter().all(|(_, v)| !v.eq_ignore_ascii_case("plain")),
                "nothing says plain: {url}"
            );
            checked += 1;
            // The sandbox validates like the real server (PKCE and state mandatory, S256 only;
            // v3 also requires a scope, so an empty scope set is not sent there).
            if version != ApiVersion::V3 || !request.scopes().is_empty() {
                let query = authorize(&transport, url).await;
                assert!(query.contains("code="), "approved: {query}");
                accepted += 1;
            }
        }
    }
    // The facade builds the same URL.
    let config = sb::config(&sandbox).build().expect("config");
    let (bb, _) = facade(&config);
    let request = bb.new_auth_request();
    let url = bb.authorize_url(&request);
    assert_eq!(all_of(&pairs(&url), "code_challenge_method"), ["S256"]);
    checked += 1;
    println!(
        "{checked} authorize URLs (v1, v2, v3, facade; 3 scope sets) all carry one \
         code_challenge = BASE64URL-NOPAD(SHA256(verifier)) with method S256; {accepted} accepted \
         by the sandbox; the API has no way to ask for `plain`"
    );
}

#[test]
fn pkce_verifier_well_formed() {
    const N: usize = 2000;
    let mut seen = BTreeSet::new();
    let mut raw = Vec::with_capacity(N);
    let (mut min_len, mut max_len) = (usize::MAX, 0);
    for _ in 0..N {
        let request = AuthRequest::new();
        let verifier = request.code_verifier().secret().clone();
        min_len = min_len.min(verifier.len());
        max_len = max_len.max(verifier.len());
        assert!((43..=128).contains(&verifier.len()), "{}", verifier.len());
        assert!(verifier.bytes().all(unreserved), "RFC 7636 charset");
        assert_eq!(request.code_challenge(), s256(&verifier));
        assert!(!request.code_challenge().contains('='), "no padding");
        let bytes = URL_SAFE_NO_PAD
            .decode(&verifier)
            .expect("base64url of random bytes");
        assert!(bytes.len() * 8 >= 256, "at least 256 bits");
        raw.push(bytes);
        assert!(seen.insert(verifier), "verifiers never repeat");
    }
    let (ratio, bits) = ones_ratio(&raw);
    // 512,000 fair bits: standard deviation 0.0007; allow 6 of them.
    assert!((ratio - 0.5).abs() < 0.0042, "bit balance {ratio}");
    println!(
        "{N} verifiers, length {min_len}..={max_len}, all [A-Za-z0-9-._~], all distinct, \
         {} random bits each, ones ratio {ratio:.4} over {bits} bits, challenge = S256 unpadded",
        raw[0].len() * 8
    );
}

#[tokio::test]
async fn verifier_single_use() {
    // Compile-time: the verifier cannot be cloned (oauth2's PkceCodeVerifier is not Clone), and
    // `exchange_code` takes the AuthRequest by value, so one request backs one exchange.
    <PkceCodeVerifier as AmbiguousIfClone<_>>::check();
    <AuthRequest as AmbiguousIfClone<_>>::check();

    let sandbox = Sandbox::builder().start().await.expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let (transport, client) = auth_client(&config);
    let request = AuthRequest::new().with_scopes(Scope::all_v2());
    let session = serde_json::to_string(&request).expect("session copy");
    let patient = sandbox.beneficiaries()[0].patient_id.clone();
    let query = authorize(&transport, authorize_url_for(&client, &request, &patient)).await;
    let callback = CallbackQuery::parse(&query).expect("callback");
    client
        .exchange_code(request, &callback)
        .await
        .expect("first exchange");
    // A replay from a copy of the session (the app forgot to delete it): the code and verifier
    // are spent, and the server says so with a typed error.
    let replayed: AuthRequest = serde_json::from_str(&session).expect("restored");
    let err = client
        .exchange_code(replayed, &callback)
        .await
        .expect_err("a replayed exchange fails");
    assert!(
        matches!(&err, AuthError::OAuth { error, .. } if error == "invalid_grant"),
        "{err:?}"
    );
    let counters = sandbox.counters();
    assert_eq!(counters.codes_exchanged, 1);
    println!(
        "PkceCodeVerifier and AuthRequest are not Clone (compile-time check); exchange \
         consumes the request; a replay from a copied session is refused by the server \
         ({err}); codes exchanged: {}",
        counters.codes_exchanged
    );
}

#[tokio::test]
async fn state_strong_and_checked() {
    const N: usize = 2000;
    let mut seen = BTreeSet::new();
    let mut raw = Vec::with_capacity(N);
    for _ in 0..N {
        let request = AuthRequest::new();
        let state = request.state().secret().clone();
        assert!(state.len() >= 22, "at least 128 bits of base64url");
        assert!(state.bytes().all(unreserved));
        raw.push(URL_SAFE_NO_PAD.decode(&state).expect("base64url state"));
        assert!(seen.insert(state), "states never repeat");
    }
    let (ratio, bits) = ones_ratio(&raw);
    assert!((ratio - 0.5).abs() < 0.0042, "bit balance {ratio}");
    let state_bits = raw[0].len() * 8;
    assert!(state_bits >= 128);

    // Rejections happen before any request: the token endpoint must see nothing.
    let server = MockServer::start().await;
    mount_token(&server, 200, token_body("a", "r")).await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let victim = AuthRequest::new();
    let good = victim.state().secret().clone();
    let cases: Vec<(String, ErrorCheck)> = vec![
        ("code=abc".into(), |e| matches!(e, AuthError::MissingState)),
        (format!("code=abc&state={good}x"), |e| {
            matches!(e, AuthError::StateMismatch)
        }),
        (format!("code=abc&state={}", &good[1..]), |e| {
            matches!(e, AuthError::StateMismatch)
        }),
        ("code=abc&state=".into(), |e| {
            matches!(e, AuthError::StateMismatch)
        }),
        (format!("code=abc&state={good}&state={good}"), |e| {
            matches!(e, AuthError::DuplicateParameter { .. })
        }),
    ];
    let mut rejected = 0;
    for (query, expected) in &cases {
        let result = match CallbackQuery::parse(query) {
            Ok(callback) => {
                let request: AuthRequest =
                    serde_json::from_str(&serde_json::to_string(&victim).unwrap()).unwrap();
                client.exchange_code(request, &callback).await.map(drop)
            }
            Err(e) => Err(e),
        };
        let err = result.expect_err(query);
        assert!(expected(&err), "{query}: {err:?}");
        rejected += 1;
    }
    // Replay: the callback of one login presented to another login's session.
    let other = AuthRequest::new();
    let replay = format!("code=stolen-code&state={}", other.state().secret());
    let err = client
        .exchange_code(
            serde_json::from_str(&serde_json::to_string(&victim).unwrap()).unwrap(),
            &CallbackQuery::parse(&replay).unwrap(),
        )
        .await
        .expect_err("a replayed callback fails");
    assert!(matches!(err, AuthError::StateMismatch), "{err:?}");
    rejected += 1;
    assert_eq!(count(&server, "POST", TOKEN_PATH).await, 0, "no token POST");
    println!(
        "{N} states, {state_bits} random bits each, all distinct, ones ratio \
         {ratio:.4} over {bits} bits; {rejected} bad callbacks (missing, mismatched, truncated, \
         empty, repeated state; a replay into another session) rejected with 0 token POSTs; \
         compared in constant time (subtle::ConstantTimeEq, not timed here)"
    );
}

#[tokio::test]
async fn error_callbacks_never_exchange() {
    let server = MockServer::start().await;
    mount_token(&server, 200, token_body("a", "r")).await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let mut typed = 0;
    let cases = [
        "error=access_denied&state={S}",
        "error=access_denied",
        "error=not_found",
        "error=not_found&state={S}",
        "error=access_denied&state=another-session",
        "error=server_error&error_description=oops&state={S}",
        "code=abc&state={S}&error=access_denied",
        "error=invalid_scope&code=abc&state={S}",
    ];
    for case in cases {
        let request = AuthRequest::new();
        let query = case.replace("{S}", request.state().secret());
        let callback = CallbackQuery::parse(&query).expect("parses");
        let err = client
            .exchange_code(request, &callback)
            .await
            .expect_err(case);
        // The state is checked first (RFC 6749 section 10.12): an error callback without this
        // request's state is not believed, only refused.
        if case.contains("{S}") {
            assert!(
                matches!(
                    err,
                    AuthError::AccessDenied { .. }
                        | AuthError::BeneficiaryNotFound { .. }
                        | AuthError::AuthorizationFailed { .. }
                ),
                "{case}: {err:?}"
            );
        } else {
            assert!(
                matches!(err, AuthError::MissingState | AuthError::StateMismatch),
                "{case}: {err:?}"
            );
        }
        typed += 1;
    }
    // The facade too.
    let (bb, _) = facade(&config);
    let request = bb.new_auth_request();
    let query = format!("error=access_denied&state={}", request.state().secret());
    let err = bb.exchange_code(request, &query).await.expect_err("denied");
    assert!(matches!(
        err,
        SdkError::Auth(AuthError::AccessDenied { .. })
    ));
    typed += 1;
    let posts = count(&server, "POST", TOKEN_PATH).await;
    assert_eq!(posts, 0);
    println!(
        "{typed} error callbacks (access_denied, not_found, server_error, error with a \
         code; without this request's state: refused as state errors) gave typed errors; token \
         POSTs: {posts}"
    );
}

#[tokio::test]
async fn redirect_uri_exact() {
    let server = MockServer::start().await;
    mount_token(&server, 200, token_body("a", "r")).await;
    let callbacks = [
        "http://localhost:3000/callback",
        "http://127.0.0.1:49152/cb/",
        "https://app.example/oauth/callback?tenant=a%20b",
        "https://app.example/p%C3%A9/ca%2Fllback",
        "https://APP.example:443/Callback",
    ];
    let mut compared = 0;
    for callback_url in callbacks {
        let config = Config::builder()
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .callback_url(callback_url)
            .base_url(server.uri())
            .build()
            .expect("config");
        let (_, client) = auth_client(&config);
        let request = AuthRequest::new();
        let url = client.authorize_url(&request);
        let sent = field(&pairs(&url), "redirect_uri")
            .expect("redirect_uri")
            .to_owned();
        let query = format!("code=c0de&state={}", request.state().secret());
        client
            .exchange_code(request, &CallbackQuery::parse(&query).unwrap())
            .await
            .expect("exchange");
        let forms = forms(&server, TOKEN_PATH).await;
        let posted = field(forms.last().expect("a POST"), "redirect_uri")
            .expect("redirect_uri in the token POST")
            .to_owned();
        assert_eq!(sent.as_bytes(), posted.as_bytes(), "byte-identical");
        assert_eq!(sent, config.callback_url().as_str());
        compared += 1;
    }
    // Redirects are never followed: a 302 to another host is an error, and that host sees nothing.
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let (transport, _) = auth_client(&config);
    let url = config.endpoints().fhir_base.join("Patient/").unwrap();
    let err = transport
        .send(Request::get(url).bearer("BEARER-not-forwarded"))
        .await
        .expect_err("a redirect is not followed");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    println!(
        "{compared} callback URLs: redirect_uri byte-identical in authorize URL and token \
         POST; redirects never followed (302 to another host: error, 0 requests there). Loopback \
         listener on 127.0.0.1:<ephemeral> is the CLI's job (bluebutton-cli), not checked here"
    );
}

#[tokio::test]
async fn mix_up_defence() {
    // BB2 does not implement RFC 9207: its callbacks carry no `iss`.
    let sandbox = Sandbox::builder().start().await.expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let (transport, client) = auth_client(&config);
    let request = AuthRequest::new().with_scopes(Scope::all_v2());
    let query = authorize(&transport, client.authorize_url(&request)).await;
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert!(field(&params, "iss").is_none(), "BB2 sends no iss: {query}");
    let names: BTreeSet<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["code", "state"]));
    // The defence that applies: state is bound to one session of one server, so a response
    // from another authorization server's session is refused.
    let other_server_session = AuthRequest::new();
    let err = client
        .exchange_code(other_server_session, &CallbackQuery::parse(&query).unwrap())
        .await
        .expect_err("mixed-up response");
    assert!(matches!(err, AuthError::StateMismatch));
    // What we do with an `iss` (RFC 9207): checked against the configured base URL; see
    // mix_up_iss_must_match_when_present.
    let with_iss = format!("{query}&iss=https%3A%2F%2Fevil.example");
    let parsed = CallbackQuery::parse(&with_iss).expect("iss parses");
    assert!(matches!(
        parsed.verify(request.state()),
        Err(AuthError::IssuerMismatch { .. })
    ));
    println!(
        "BB2 callbacks carry only code+state (no RFC 9207 iss); a response from another \
         session/server fails on state; one redirect URI per config (= per server). An `iss` \
         parameter must equal the configured base URL (see \
         mix_up_iss_must_match_when_present)"
    );
}

#[test]
fn mix_up_iss_must_match_when_present() {
    let request = AuthRequest::new();
    let query = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fevil.example",
        request.state().secret()
    );
    let callback = CallbackQuery::parse(&query).expect("parses");
    assert!(
        callback.verify(request.state()).is_err(),
        "a foreign issuer must be refused"
    );
}

#[tokio::test]
async fn smart_aud() {
    let sandbox = Sandbox::builder().start().await.expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let (transport, client) = auth_client(&config);
    let allowed = BTreeSet::from([
        "client_id",
        "redirect_uri",
        "state",
        "response_type",
        "code_challenge_method",
        "code_challenge",
        "scope",
        "lang",
    ]);
    let request = AuthRequest::new()
        .with_scopes(Scope::all_v2())
        .with_lang(bluebutton_auth::Lang::Es);
    let url = client.authorize_url(&request);
    let sent: BTreeSet<String> = pairs(&url).into_iter().map(|(k, _)| k).collect();
    assert!(
        sent.iter().all(|k| allowed.contains(k.as_str())),
        "{sent:?}"
    );
    assert!(!sent.contains("aud"));
    // The server accepts it as is.
    let query = authorize(&transport, url).await;
    assert!(query.starts_with("code="));
    let smart = transport
        .send(
            // The discovery documents serve only JSON (406 to FHIR JSON).
            Request::get(config.endpoints().smart_configuration.clone()).header(
                http::header::ACCEPT,
                http::HeaderValue::from_static(bluebutton_transport::JSON_ACCEPT),
            ),
        )
        .await
        .expect("smart-configuration");
    let doc: serde_json::Value = smart.json().expect("JSON");
    println!(
        "authorize parameters sent: {sent:?}; no `aud` (BB2 ignores it and its \
         smart-configuration lists capabilities {}); the bearer token is protected by origin \
         pinning instead (bearer_pinned_to_origin)",
        doc["capabilities"]
    );
}
