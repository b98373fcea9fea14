//! The loopback listener of `login` (RFC 8252 section 7.3): receives the browser's redirect on
//! the configured `callback_url`, hands the one request that carries this login's `state` to
//! the login flow and answers with a page that says how it went. Every other request (another
//! path or method, no or another `state`, `error=` included) is answered with a page saying
//! why, logged at debug and ignored: the listener keeps waiting. It never redirects anywhere
//! (no open redirector) and serves nothing but the callback path.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bluebutton_auth::{CsrfToken, ScreenedRequest, screen_callback_request};
use tokio::sync::{mpsc, oneshot};
use url::{Host, Url};

use crate::error::CliError;

/// The addresses to listen on for a loopback callback URL, or why it is not one.
pub(crate) fn listen_addresses(url: &Url) -> Result<Vec<SocketAddr>, CliError> {
    let refuse = |reason| CliError::CallbackNotLoopback {
        url: Box::new(url.clone()),
        reason,
    };
    if url.scheme() != "http" {
        return Err(refuse(
            "a local listener can only serve http (loopback traffic never leaves the machine)",
        ));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| refuse("it has no port"))?;
    if port == 0 {
        return Err(refuse("port 0 cannot be registered as a redirect URI"));
    }
    let ips: Vec<IpAddr> = match url.host() {
        Some(Host::Ipv4(ip)) if ip.is_loopback() => vec![IpAddr::V4(ip)],
        Some(Host::Ipv6(ip)) if ip.is_loopback() => vec![IpAddr::V6(ip)],
        Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
        _ => {
            return Err(refuse(
                "its host is not loopback (127.0.0.1, [::1] or localhost)",
            ));
        }
    };
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

/// How the login went, for the browser page.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Signed in.
    SignedIn,
    /// Failed, with a one-line reason (no secrets).
    Failed(String),
}

/// One request to the callback path. `Debug` does not show the query (code and state).
pub(crate) struct Callback {
    /// The raw query string (`code=...&state=...` or `error=...`). Secret: never log it.
    query: String,
    reply: oneshot::Sender<Outcome>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("query", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Callback {
    /// The raw query string.
    pub(crate) fn query(&self) -> &str {
        &self.query
    }

    /// Answers the browser.
    pub(crate) fn finish(self, outcome: Outcome) {
        // The browser may have gone away; nothing to do then.
        let _ = self.reply.send(outcome);
    }
}

struct Shared {
    path: String,
    /// The state of the pending authorization request: only its callback is handed over.
    state: CsrfToken,
    callbacks: mpsc::Sender<Callback>,
}

/// The running listener. Dropping it stops it.
pub(crate) struct CallbackServer {
    callbacks: mpsc::Receiver<Callback>,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackServer").finish_non_exhaustive()
    }
}

impl CallbackServer {
    /// Listens on the host and port of `callback_url` (which must be loopback) for the
    /// callback carrying `state`. For `localhost`, both `127.0.0.1` and `[::1]` are tried; one
    /// is enough.
    pub(crate) async fn bind(callback_url: &Url, state: CsrfToken) -> Result<Self, CliError> {
        let addresses = listen_addresses(callback_url)?;
        let mut listeners = Vec::new();
        let mut first_error = None;
        for addr in &addresses {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => listeners.push(listener),
                Err(source) => {
                    tracing::debug!(%addr, error = %source, "cannot listen");
                    first_error.get_or_insert(CliError::Listen {
                        addr: addr.to_string(),
                        source,
                    });
                }
            }
        }
        if listeners.is_empty() {
            return Err(first_error.unwrap_or(CliError::CallbackRejected {
                reason: "no address to listen on",
            }));
        }
        let (sender, callbacks) = mpsc::channel(4);
        let shared = Arc::new(Shared {
            path: callback_url.path().to_owned(),
            state,
            callbacks: sender,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped = futures_util::FutureExt::shared(async move {
            let _ = stopped.await;
        });
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let tasks = listeners
            .into_iter()
            .map(|listener| {
                let router = router.clone();
                let stopped = stopped.clone();
                tokio::spawn(async move {
                    let served = axum::serve(listener, router)
                        .with_graceful_shutdown(stopped)
                        .await;
                    if let Err(error) = served {
                        tracing::warn!(%error, "callback listener failed");
                    }
                })
            })
            .collect();
        Ok(CallbackServer {
            callbacks,
            stop: Some(stop),
            tasks,
        })
    }

    /// The next request to the callback path.
    pub(crate) async fn next(&mut self) -> Option<Callback> {
        self.callbacks.recv().await
    }

    /// Stops listening: later callbacks are answered "already finished", replies already
    /// given are sent, then the listener closes (at most two seconds later).
    pub(crate) async fn shutdown(mut self) {
        self.callbacks.close();
        while let Ok(late) = self.callbacks.try_recv() {
            late.finish(Outcome::Failed(
                "this login has already finished".to_owned(),
            ));
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for task in self.tasks.drain(..) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |target| target.as_str());
    let query = match screen_callback_request(method.as_str(), target, &shared.path, &shared.state)
    {
        ScreenedRequest::Callback(_) => uri.query().unwrap_or_default().to_owned(),
        ScreenedRequest::Stray(why) => {
            // The reason never holds a query value; the path is the listener's own or the
            // stray's, which is not secret.
            tracing::debug!(%method, path = uri.path(), reason = %why, "ignored a request to the login listener");
            let status = StatusCode::from_u16(why.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return page(
                status,
                "Not the login callback",
                &format!(
                    "This request was ignored: {why}. The login is still waiting for the redirect from Medicare."
                ),
            );
        }
    };
    let (reply, outcome) = oneshot::channel();
    let callback = Callback { query, reply };
    if shared.callbacks.send(callback).await.is_err() {
        return page(
            StatusCode::GONE,
            "Login already finished",
            "You can close this tab.",
        );
    }
    match outcome.await {
        Ok(Outcome::SignedIn) => page(
            StatusCode::OK,
            "Signed in",
            "Blue Button login is complete. You can close this tab and return to the terminal.",
        ),
        Ok(Outcome::Failed(reason)) => page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            &format!("{reason}. You can close this tab."),
        ),
        Err(_) => page(
            StatusCode::GONE,
            "Login already finished",
            "You can close this tab.",
        ),
    }
}

/// A small HTML page; `text` is escaped. No caching, no referrer (the URL holds the code), no
/// scripts.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{}</p></body></html>\n",
        escape(text)
    );
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    response
}

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

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn loopback_urls_give_their_addresses() {
        assert_eq!(
            listen_addresses(&url("http://127.0.0.1:8765/callback")).unwrap(),
            [SocketAddr::from(([127, 0, 0, 1], 8765))]
        );
        assert_eq!(
            listen_addresses(&url("http://[::1]:9000/cb")).unwrap(),
            [SocketAddr::from((Ipv6Addr::LOCALHOST, 9000))]
        );
        assert_eq!(
            listen_addresses(&url("http://localhost/cb")).unwrap().len(),
            2
        );
    }

    #[test]
    fn other_urls_are_refused_with_a_reason() {
        let messages: Vec<String> = [
            "https://127.0.0.1:8765/callback",
            "http://app.example/callback",
            "http://10.0.0.1:8765/callback",
            "http://127.0.0.1:0/callback",
        ]
        .iter()
        .map(|u| listen_addresses(&url(u)).unwrap_err().to_string())
        .collect();
        insta::assert_snapshot!(messages.join("\n"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[tokio::test]
    async fn serves_the_callback_path_only_and_answers_with_the_outcome() {
        // Below the ephemeral range, so no port-0 bind of another test takes it meanwhile.
        let port = (0..10_000u32)
            .map(|n| 20_000 + ((std::process::id() + n) % 10_000) as u16)
            .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
            .unwrap();
        let callback_url = url(&format!("http://127.0.0.1:{port}/cb"));
        let state = CsrfToken::new("s".to_owned());
        let mut server = CallbackServer::bind(&callback_url, state).await.unwrap();
        let client = bluebutton_transport::client_builder()
            .unwrap()
            .build()
            .unwrap();

        let other = client
            .get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404);
        // A stray request on the callback path is answered and ignored, not handed over.
        let stray = client
            .get(format!("http://127.0.0.1:{port}/cb?error=access_denied"))
            .send()
            .await
            .unwrap();
        assert_eq!(stray.status(), 400);
        assert!(stray.text().await.unwrap().contains("still waiting"));

        let request = tokio::spawn({
            let client = client.clone();
            async move {
                let response = client
                    .get(format!("http://127.0.0.1:{port}/cb?code=c&state=s"))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let referrer = response.headers()["referrer-policy"].clone();
                (status, referrer, response.text().await.unwrap())
            }
        });
        let callback = server.next().await.unwrap();
        assert_eq!(callback.query(), "code=c&state=s");
        assert!(!format!("{callback:?}").contains("code=c"));
        callback.finish(Outcome::SignedIn);
        let (status, referrer, body) = request.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(referrer, "no-referrer");
        assert!(body.contains("You can close this tab"), "{body}");
        server.shutdown().await;
    }
}
