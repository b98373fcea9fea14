//! The official Python SDK's Flask sample, ported to axum: `/` redirects to the authorize URL,
//! the callback exchanges the code and stores the token for the signed-in user, `/data`
//! shows their data.
//!
//! Users are identified by a random session cookie; each pending authorization is kept
//! server-side under its `state`, bound to the session that started it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use bluebutton::AuthRequest;
use bluebutton::prelude::*;
use bluebutton_auth::{CallbackQuery, CsrfToken};
use tokio::net::TcpListener;

use crate::summary;

/// The callback path, as in the official sample.
pub const CALLBACK_PATH: &str = "/api/bluebutton/callback/";
const COOKIE: &str = "bb_session";
/// Pending authorizations kept at most (older ones are dropped first).
const MAX_PENDING: usize = 10_000;

struct Pending {
    session: String,
    request: AuthRequest,
}

struct AppState {
    bb: BlueButton,
    pending: Mutex<HashMap<String, Pending>>,
}

/// The app's routes over `bb` (whose callback URL must be `http(s)://<this app>/api/bluebutton/callback/`).
pub fn router(bb: BlueButton) -> Router {
    let state = Arc::new(AppState {
        bb,
        pending: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/", get(start))
        .route(CALLBACK_PATH, get(callback))
        .route("/data", get(data))
        .with_state(state)
}

/// Serves the app on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, bb: BlueButton) -> std::io::Result<()> {
    axum::serve(listener, router(bb)).await
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `/`: remember a new authorization request for this session and redirect to Medicare.
async fn start(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let session = session_of(&headers).unwrap_or_else(|| CsrfToken::new_random().secret().clone());
    let request = app.bb.new_auth_request();
    let authorize = app.bb.authorize_url(&request);
    {
        let mut pending = app.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= MAX_PENDING {
            pending.clear();
        }
        pending.insert(
            request.state().secret().clone(),
            Pending {
                session: session.clone(),
                request,
            },
        );
    }
    let mut response = Redirect::to(authorize.as_str()).into_response();
    let cookie = format!("{COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The redirect back: check the session, exchange the code, store the token for this user.
async fn callback(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
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
    if session_of(&headers).as_deref() != Some(pending.session.as_str()) {
        return page(
            StatusCode::BAD_REQUEST,
            "Session mismatch",
            "This authorization was started in another browser session.",
        );
    }
    match app
        .bb
        .exchange_code_as(pending.session, pending.request, &query)
        .await
    {
        Ok(_) => Redirect::to("/data").into_response(),
        Err(Error::Auth(bluebutton::AuthError::AccessDenied { .. })) => page(
            StatusCode::FORBIDDEN,
            "Access denied",
            "You chose not to share your Medicare data.",
        ),
        Err(e) => page(
            StatusCode::BAD_GATEWAY,
            "Authorization failed",
            &e.to_string(),
        ),
    }
}

/// `/data`: the signed-in user's Patient, Coverage and claims.
async fn data(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let Some(session) = session_of(&headers) else {
        return Redirect::to("/").into_response();
    };
    let beneficiary = app.bb.beneficiary(session);
    match summary::fetch(&beneficiary, 50).await {
        Ok(summary) => page(StatusCode::OK, "Your Medicare data", &summary.to_string()),
        Err(Error::Auth(bluebutton::AuthError::TokenNotFound { .. })) => {
            Redirect::to("/").into_response()
        }
        Err(e) if e.requires_reauthorization() => Redirect::to("/").into_response(),
        Err(e) => page(
            StatusCode::BAD_GATEWAY,
            "Could not fetch your data",
            &e.to_string(),
        ),
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1><pre>{b}</pre><p><a href=\"/\">Connect again</a></p></body></html>",
        t = escape(title),
        b = escape(text)
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_escaping() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; bb_session=xyz; b=2"),
        );
        assert_eq!(session_of(&headers).as_deref(), Some("xyz"));
        assert_eq!(session_of(&HeaderMap::new()), None);
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
