//! PKCE verifier, challenge and state: format, entropy and distinctness over many draws
//! (property tests), and the RFC 7636 appendix B vector.

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bluebutton_auth::{AuthRequest, CallbackQuery, Scope};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn unreserved(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn request_with(verifier: &str) -> AuthRequest {
    serde_json::from_value(serde_json::json!({
        "state": "state-state-state-state",
        "code_verifier": verifier,
    }))
    .unwrap()
}

#[test]
fn rfc7636_appendix_b_vector() {
    let request = request_with("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(
        request.code_challenge(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every fresh request: verifier and state are 43 unreserved characters decoding to 32
    /// random bytes (256 bits), and the challenge is BASE64URL-NOPAD(SHA256(verifier)).
    #[test]
    fn fresh_requests_are_well_formed(_draw in any::<u8>()) {
        let request = AuthRequest::new();
        let verifier = request.code_verifier().secret();
        let state = request.state().secret();
        prop_assert!((43..=128).contains(&verifier.len()));
        prop_assert!(unreserved(verifier));
        prop_assert!(state.len() >= 16 && unreserved(state));
        prop_assert_eq!(URL_SAFE_NO_PAD.decode(verifier).unwrap().len(), 32);
        prop_assert_eq!(URL_SAFE_NO_PAD.decode(state).unwrap().len(), 32);
        let challenge = request.code_challenge();
        prop_assert_eq!(&challenge, &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())));
        prop_assert!(!challenge.contains('='));
        prop_assert_ne!(verifier, state);
    }

    /// For any valid verifier the challenge is the S256 transform.
    #[test]
    fn challenge_is_s256_of_any_verifier(verifier in "[A-Za-z0-9._~-]{43,128}") {
        let request = request_with(&verifier);
        prop_assert_eq!(
            request.code_challenge(),
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        );
    }

    /// Verifiers outside RFC 7636 are refused when loading a stored request.
    #[test]
    fn bad_verifiers_are_refused(verifier in "[A-Za-z0-9]{0,42}|[A-Za-z0-9]{129,140}|[A-Za-z0-9]{20}[ +/=][A-Za-z0-9]{30}") {
        let parsed = serde_json::from_value::<AuthRequest>(serde_json::json!({
            "state": "state-state-state-state", "code_verifier": verifier }));
        prop_assert!(parsed.is_err());
    }

    /// Scopes survive Display/FromStr.
    #[test]
    fn scope_round_trip(s in "[a-zA-Z/._]{1,30}") {
        let scope: Scope = s.parse().unwrap();
        prop_assert_eq!(scope.to_string(), s);
    }

    /// The callback parser never panics and never accepts a repeated `state`.
    #[test]
    fn callback_parser_total(q in ".{0,300}") {
        let _ = CallbackQuery::parse(&q);
        let doubled = format!("state=a&{q}&state=b");
        prop_assert!(CallbackQuery::parse(&doubled).is_err());
    }
}

#[test]
fn distinct_and_unbiased_over_many_draws() {
    const N: usize = 4000;
    let mut seen = HashSet::new();
    let mut ones = [0usize; 256];
    for _ in 0..N {
        let request = AuthRequest::new();
        assert!(seen.insert(request.code_verifier().secret().clone()));
        assert!(seen.insert(request.state().secret().clone()));
        let bytes = URL_SAFE_NO_PAD
            .decode(request.code_verifier().secret())
            .unwrap();
        for (i, byte) in bytes.iter().enumerate() {
            for bit in 0..8 {
                ones[i * 8 + bit] += usize::from(byte >> bit & 1 == 1);
            }
        }
    }
    // Each bit is set in about half the draws: mean 2000, sd ~32; allow 7 sd.
    for count in ones {
        assert!(
            (N / 2 - 224..=N / 2 + 224).contains(&count),
            "biased bit: {count}/{N}"
        );
    }
}
