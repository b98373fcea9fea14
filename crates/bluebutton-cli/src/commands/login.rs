//! `login`: the RFC 8252 loopback flow. Listen on the callback URL, print (and open) the
//! authorize URL, wait for the redirect carrying this login's `state` (ignoring stray
//! requests), exchange the code, store the token.

use std::io::Write;

use bluebutton_auth::join_scopes;

use crate::cli::{Cli, LoginArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
use crate::loopback::{CallbackServer, Outcome};

/// Runs the login.
pub(crate) async fn run(cli: &Cli, args: &LoginArgs) -> Result<Exit, CliError> {
    let context = Context::new(cli).await?;
    let client = &context.client;
    let callback_url = client.config().callback_url().clone();
    let mut request = client.new_auth_request();
    if !args.scopes.is_empty() {
        request = request.with_scopes(args.scopes.iter().cloned());
    }
    // Listen before showing the URL, so a fast browser cannot arrive before the listener. The
    // listener hands over only the callback carrying this request's state; stray requests
    // are answered and ignored until then or the timeout.
    let mut server = CallbackServer::bind(&callback_url, request.state().clone()).await?;
    let authorize_url = client.authorize_url(&request);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{authorize_url}")?;
        out.flush()?;
    }
    if args.no_browser {
        eprintln!("Open the URL above in a browser; waiting for the redirect to {callback_url}");
    } else {
        eprintln!("Opening the browser; waiting for the redirect to {callback_url}");
        // Some launchers block until the browser exits: never let that hold up the login.
        let url = authorize_url.to_string();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = webbrowser::open(&url) {
                eprintln!("Could not open a browser ({error}); open the URL above instead");
            }
        });
    }

    let callback = match tokio::time::timeout(args.timeout, server.next()).await {
        Ok(Some(callback)) => callback,
        Ok(None) => {
            return Err(CliError::CallbackRejected {
                reason: "the listener stopped before the browser came back",
            });
        }
        Err(_) => {
            return Err(CliError::LoginTimeout {
                waited: args.timeout,
            });
        }
    };
    // State check, error= callbacks and the code exchange all happen in the client library.
    let exchanged = client
        .exchange_code_as(context.key.clone(), request, callback.query())
        .await;
    let beneficiary = match exchanged {
        Ok(beneficiary) => beneficiary,
        Err(error) => {
            callback.finish(Outcome::Failed(error.to_string()));
            server.shutdown().await;
            return Err(error.into());
        }
    };
    callback.finish(Outcome::SignedIn);
    server.shutdown().await;

    let token = beneficiary.stored_token().await?.ok_or_else(|| {
        CliError::Auth(bluebutton::AuthError::TokenNotFound {
            key: context.key.clone(),
        })
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let scopes: Vec<String> = token.scopes().iter().map(ToString::to_string).collect();
        let summary = serde_json::json!({
            "patient": token.patient(),
            "profile": context.profile,
            "scopes": scopes,
        });
        writeln!(out, "{summary}")?;
    } else {
        writeln!(
            out,
            "Logged in as patient {} (profile {}); granted scopes: {}",
            token.patient().unwrap_or("(unknown)"),
            context.profile,
            join_scopes(token.scopes())
        )?;
    }
    out.flush()?;
    Ok(Exit::Success)
}
