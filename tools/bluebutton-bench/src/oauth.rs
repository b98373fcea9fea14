//! The browser's part of the OAuth flow against the sandbox's auto-approve mode, and a raw
//! authorization-code exchange for the reqwest floor.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::app::AppArgs;
use crate::error::BenchError;

/// Plays the browser: GETs `authorize_url` (with `sandbox_patient=<id>` added to pick the
/// beneficiary, when given), expects the sandbox's `302` to the redirect URI and returns that
/// redirect's query (`code=…&state=…`).
pub async fn approve(
    http: &reqwest::Client,
    authorize_url: &Url,
    patient: Option<&str>,
) -> Result<String, BenchError> {
    let mut url = authorize_url.clone();
    if let Some(patient) = patient {
        url.query_pairs_mut()
            .append_pair("sandbox_patient", patient);
    }
    let response = http
        .get(url)
        .send()
        .await
        .map_err(BenchError::http("authorize"))?;
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| BenchError::Unexpected {
            what: "authorize",
            detail: format!("status {} without a Location", response.status()),
        })?;
    let redirect = authorize_url
        .join(location)
        .map_err(|e| BenchError::Unexpected {
            what: "authorize",
            detail: format!("bad Location: {e}"),
        })?;
    Ok(redirect.query().unwrap_or_default().to_owned())
}

/// A fresh PKCE pair `(verifier, S256 challenge)`; the verifier is fixed-format but unique per
/// call (the sandbox only checks that the pair matches).
pub fn pkce_pair(nonce: u64) -> (String, String) {
    let verifier = format!("bench-verifier-{nonce:020}-0123456789abcdefghij");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The raw flow: authorize (browser step), then `POST /v2/o/token/` with the code, with a
/// bare client. Returns the access token.
pub async fn exchange_raw(
    http: &reqwest::Client,
    app: &AppArgs,
    patient: Option<&str>,
) -> Result<String, BenchError> {
    let (verifier, challenge) = pkce_pair(std::process::id().into());
    let state = "bench-state-0123456789";
    let mut authorize = Url::parse(&format!("{}/v2/o/authorize/", app.base())).map_err(|e| {
        BenchError::Unexpected {
            what: "authorize URL",
            detail: e.to_string(),
        }
    })?;
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", app.redirect_uri.as_str())
        .append_pair("response_type", "code")
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("code_challenge", &challenge);
    let query = approve(http, &authorize, patient).await?;
    let code = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| BenchError::Unexpected {
            what: "authorize",
            detail: "no code in the redirect".to_owned(),
        })?;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("code_verifier", &verifier)
        .append_pair("redirect_uri", app.redirect_uri.as_str())
        .finish();
    let body = http
        .post(format!("{}/v2/o/token/", app.base()))
        .basic_auth(&app.client_id, Some(&app.client_secret))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(BenchError::http("token"))?
        .bytes()
        .await
        .map_err(BenchError::http("token body"))?;
    let token: serde_json::Value =
        serde_json::from_slice(&body).map_err(BenchError::json("token"))?;
    token["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| BenchError::Unexpected {
            what: "token",
            detail: "no access_token".to_owned(),
        })
}
