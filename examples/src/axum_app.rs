//! The official Python SDK's Flask sample, ported to axum, plus an HTML view:
//!
//! - `GET /`: the authorize URL, as text (as the sample). A login started here ends with the
//!   callback answering JSON: `eob_data` (the first ExplanationOfBenefit page), `eob_pages`
//!   (every page), `patient_data`, `coverage_data` and `profile_data` (userinfo).
//! - `GET /app`: an HTML page: the signed-in user's summary and a Disconnect button, or a
//!   Connect link (`GET /app/connect`, which redirects to Medicare; the callback then comes
//!   back to `/app`).
//! - `GET /api/bluebutton/callback/`: the redirect back from Medicare.
//! - `POST /app/disconnect`: revokes the token and the data-access grant, forgets the token.
//!
//! Users are identified by a random session cookie (`HttpOnly`, `SameSite=Lax`, and `Secure`
//! when the app's URL is https); each pending authorization is kept server-side under its
//! `state`, bound to the session that started it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bluebutton::prelude::*;
use bluebutton::{AuthError, AuthRequest, CallbackQuery, Config, ConfigError, CsrfToken};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::summary;

/// The callback path, as in the official sample.
pub const CALLBACK_PATH: &str = "/api/bluebutton/callback/";
/// The port of the official sample (`http://localhost:3001/`), used when no config names one.
pub const DEFAULT_PORT: u16 = 3001;
/// The session cookie's name.
pub const COOKIE: &str = "bb_session";
/// Pending authorizations kept at most (older ones are dropped first).
const MAX_PENDING: usize = 10_000;
/// Claims per page for the JSON answer and the summary.
const PAGE_SIZE: u32 = 50;

/// How the callback answers the login it completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// The official sample's JSON document.
    Json,
    /// A redirect to the HTML view.
    Html,
}

struct Pending {
    session: String,
    request: AuthRequest,
    answer: Answer,
}

struct AppState {
    bb: BlueButton,
    secure_cookies: bool,
    pending: Mutex<HashMap<String, Pending>>,
}

/// The configuration the app runs with: `.bluebutton-config.json` (`.yaml`, `.yml`) in `dir`
/// with the `BLUEBUTTON_*` variables of `env` on top. `Ok(None)` when there is neither a
/// config file nor any `BLUEBUTTON_*` variable (the caller may start the embedded sandbox);
/// an invalid file or variable is an error, never a silent fallback.
pub fn find_config(
    dir: &Path,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Option<Config>, ConfigError> {
    let vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(name, _)| name.starts_with("BLUEBUTTON_"))
        .collect();
    let has_file = ["json", "yaml", "yml"]
        .iter()
        .any(|ext| dir.join(format!(".bluebutton-config.{ext}")).exists());
    if !has_file && vars.is_empty() {
        return Ok(None);
    }
    bluebutton::ConfigLoader::new()
        .discover_in(dir)
        .env_vars(vars)
        .load()
        .map(Some)
}

/// The app's routes over `bb` (whose callback URL must be `http(s)://<this app>/api/bluebutton/callback/`).
/// Cookies are `Secure` when that URL is https.
pub fn router(bb: BlueButton) -> Router {
    let secure_cookies = bb.config().callback_url().scheme() == "https";
    let state = Arc::new(AppState {
        bb,
        secure_cookies,
        pending: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/", get(authorize_url))
        .route("/app", get(view))
        .route("/app/connect", get(connect))
        .route("/app/disconnect", post(disconnect))
        .route(CALLBACK_PATH, get(callback))
        .with_state(state)
}

/// Serves the app on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, bb: BlueButton) -> std::io::Result<()> {
    axum::serve(listener, router(bb)).await
}

impl AppState {
    /// The session of this browser, creating one (and its cookie) if it has none.
    fn session(&self, jar: CookieJar) -> (String, CookieJar) {
        if let Some(cookie) = jar.get(COOKIE) {
            return (cookie.value().to_owned(), jar);
        }
        let session = CsrfToken::new_random().secret().clone();
        let cookie = Cookie::build((COOKIE, session.clone()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies)
            .build();
        (session, jar.add(cookie))
    }

    /// A new authorization request remembered for `session`; returns the authorize URL.
    fn begin(&self, session: String, answer: Answer) -> String {
        let request = self.bb.new_auth_request();
        let url = self.bb.authorize_url(&request).to_string();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= MAX_PENDING {
            pending.clear();
        }
        pending.insert(
            request.state().secret().clone(),
            Pending {
                session,
                request,
                answer,
            },
        );
        url
    }
}

/// `GET /`: the authorize URL as text, as the official sample.
async fn authorize_url(State(app): State<Arc<AppState>>, jar: CookieJar) -> Response {
    let (session, jar) = app.session(jar);
    let url = app.begin(session, Answer::Json);
    (jar, url).into_response()
}

/// `GET /app/connect`: straight to Medicare; the callback comes back to `/app`.
async fn connect(State(app): State<Arc<AppState>>, jar: CookieJar) -> Response {
    let (session, jar) = app.session(jar);
    let url = app.begin(session, Answer::Html);
    (jar, Redirect::to(&url)).into_response()
}

/// The redirect back: check the session, exchange the code, store the token for this user.
async fn callback(
    State(app): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let state = match CallbackQuery::parse(&query) {
        Ok(callback) => callback.state().map(|s| s.secret().clone()),
        Err(e) => return page(StatusCode::BAD_REQUEST, "Invalid callback", &e.to_string()),
    };
    let pending = state.and_then(|s| {
        app.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&s)
    });
    let Some(pending) = pending else {
        return page(
            StatusCode::BAD_REQUEST,
            "Unknown authorization",
            "Start again from the home page.",
        );
    };
    if jar.get(COOKIE).map(Cookie::value) != Some(pending.session.as_str()) {
        return page(
            StatusCode::BAD_REQUEST,
            "Session mismatch",
            "This authorization was started in another browser session.",
        );
    }
    let beneficiary = match app
        .bb
        .exchange_code_as(pending.session, pending.request, &query)
        .await
    {
        Ok(beneficiary) => beneficiary,
        Err(Error::Auth(AuthError::AccessDenied { .. })) => {
            return page(
                StatusCode::FORBIDDEN,
                "Access denied",
                "You chose not to share your Medicare data.",
            );
        }
        Err(e) => {
            return page(
                StatusCode::BAD_GATEWAY,
                "Authorization failed",
                &e.to_string(),
            );
        }
    };
    match pending.answer {
        Answer::Html => Redirect::to("/app").into_response(),
        Answer::Json => match sample_data(&beneficiary).await {
            Ok(data) => Json(data).into_response(),
            Err(e) => (
                StatusCode::BAD_GATEWAY,
                Json(json!({"error": e.to_string()})),
            )
                .into_response(),
        },
    }
}

/// The official sample's answer: the first EOB page, every EOB page, Patient, Coverage and
/// the userinfo profile, as the server sent them.
pub async fn sample_data(beneficiary: &Beneficiary) -> Result<Value, Error> {
    let eob = beneficiary.explanation_of_benefit().page_size(PAGE_SIZE);
    let eob_data: Value = eob.first().await?;
    let eob_pages: Vec<Value> = beneficiary
        .explanation_of_benefit()
        .page_size(PAGE_SIZE)
        .pages::<Value>()
        .try_collect()
        .await?;
    let patient_data: Value = beneficiary.patient().first().await?;
    let coverage_data: Value = beneficiary.coverage().first().await?;
    let profile_data: Value = beneficiary.userinfo().await?;
    Ok(json!({
        "eob_data": eob_data,
        "eob_pages": eob_pages,
        "patient_data": patient_data,
        "coverage_data": coverage_data,
        "profile_data": profile_data,
    }))
}

/// `GET /app`: the signed-in user's summary and a Disconnect button, or a Connect link.
async fn view(State(app): State<Arc<AppState>>, jar: CookieJar) -> Response {
    let Some(session) = jar.get(COOKIE).map(|c| c.value().to_owned()) else {
        return connect_page();
    };
    let beneficiary = app.bb.beneficiary(session);
    match summary::fetch(&beneficiary, PAGE_SIZE).await {
        Ok(summary) => {
            let body = format!(
                "<pre>{}</pre>\
                 <form method=\"post\" action=\"/app/disconnect\">\
                 <button id=\"disconnect\" type=\"submit\">Disconnect</button></form>",
                escape(&summary.to_string())
            );
            html(StatusCode::OK, "Your Medicare data", &body)
        }
        Err(Error::Auth(AuthError::TokenNotFound { .. })) => connect_page(),
        Err(e) if e.requires_reauthorization() => connect_page(),
        Err(e) => page(
            StatusCode::BAD_GATEWAY,
            "Could not fetch your data",
            &e.to_string(),
        ),
    }
}

/// `POST /app/disconnect`: revoke at the server and forget the token (also when the server
/// cannot be reached: the error is shown after the token is gone).
async fn disconnect(State(app): State<Arc<AppState>>, jar: CookieJar) -> Response {
    let Some(session) = jar.get(COOKIE).map(|c| c.value().to_owned()) else {
        return connect_page();
    };
    match app.bb.beneficiary(session).revoke().await {
        Ok(()) | Err(Error::Auth(AuthError::TokenNotFound { .. })) => html(
            StatusCode::OK,
            "Disconnected",
            "<p>This app no longer has access to your Medicare data.</p>\
             <p><a id=\"connect\" href=\"/app/connect\">Connect again</a></p>",
        ),
        Err(e) => page(
            StatusCode::BAD_GATEWAY,
            "Disconnected, but the revocation failed",
            &e.to_string(),
        ),
    }
}

fn connect_page() -> Response {
    html(
        StatusCode::OK,
        "Blue Button sample",
        "<p><a id=\"connect\" href=\"/app/connect\">Connect your Medicare data</a></p>",
    )
}

/// A page with `title` and `text` (both escaped).
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<pre>{}</pre><p><a id=\"connect\" href=\"/app/connect\">Connect again</a></p>",
        escape(text)
    );
    html(status, title, &body)
}

/// A page with `title` (escaped) over `body` (HTML built by this module).
fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = escape(title),
    );
    (status, Html(html)).into_response()
}

/// The one HTML escape of this app, for text placed in element content or quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_both_quotes() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
