//! `refresh-worker`: one of the processes of the cross-process refresh check. It shares a SQLite
//! token store with another worker, refreshes the same beneficiary's token again and again, and
//! uses each token, then (once the parent says `go` on stdin, when both workers are done) proves
//! it ends with a valid token. It starts refreshing when the parent writes `start` on stdin.
//!
//! Usage: `refresh-worker BASE_URL CLIENT_ID CLIENT_SECRET REDIRECT_URI DB_PATH KEY ROUNDS`.
//! Prints `ready refreshes=N gets=N replays=N raced=N`, then `final status=200`; exits 1 on any
//! failure and 2 after 120 s.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bluebutton_auth::{AuthClient, SqliteStore, TokenManager, TokenStore};
use bluebutton_config::Config;
use bluebutton_transport::{Request, Transport, TransportError};
use url::Url;

struct Args {
    base_url: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    db: String,
    key: String,
    rounds: u32,
}

fn parse_args() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    Some(Args {
        base_url: args.next()?,
        client_id: args.next()?,
        client_secret: args.next()?,
        redirect_uri: args.next()?,
        db: args.next()?,
        key: args.next()?,
        rounds: args.next()?.parse().ok()?,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(args) = parse_args() else {
        eprintln!(
            "usage: refresh-worker BASE_URL CLIENT_ID CLIENT_SECRET REDIRECT_URI DB_PATH KEY ROUNDS"
        );
        return ExitCode::FAILURE;
    };
    match tokio::time::timeout(Duration::from_secs(120), run(args)).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(message)) => {
            eprintln!("refresh-worker: {message}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("refresh-worker: timed out");
            ExitCode::from(2)
        }
    }
}

/// GETs one EOB with `access`; `Ok(true)` on 200, `Ok(false)` on 401 invalid_token.
async fn use_token(transport: &Transport, url: &Url, access: &str) -> Result<bool, String> {
    match transport
        .send(Request::get(url.clone()).bearer(access))
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if e.is_invalid_token() => Ok(false),
        Err(e) => Err(describe(&e)),
    }
}

/// Waits for the next line from the parent on stdin.
async fn read_line() -> Result<String, String> {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())
}

fn describe(e: &TransportError) -> String {
    format!("request failed: {e}")
}

async fn run(args: Args) -> Result<(), String> {
    let config = Config::builder()
        .client_id(args.client_id)
        .client_secret(args.client_secret)
        .callback_url(args.redirect_uri)
        .base_url(args.base_url)
        .retry_backoff_factor(Duration::from_millis(10))
        .build()
        .map_err(|e| e.to_string())?;
    let transport = Transport::new(&config).map_err(|e| e.to_string())?;
    let client = AuthClient::new(&config, transport.clone());
    let store = SqliteStore::open(&args.db)
        .await
        .map_err(|e| e.to_string())?;
    let store: Arc<dyn TokenStore> = Arc::new(store);
    let manager = TokenManager::new(client, store);
    let url = config
        .endpoints()
        .fhir_base
        .join("ExplanationOfBenefit/?_count=1")
        .map_err(|e| e.to_string())?;
    let key = args.key.as_str();
    // Both workers start together: the parent writes `start` once both are up.
    read_line().await?;

    let (mut refreshes, mut gets, mut replays, mut raced) = (0u32, 0u32, 0u32, 0u32);
    for _ in 0..args.rounds {
        manager
            .force_refresh(key)
            .await
            .map_err(|e| format!("refresh {refreshes} failed: {e}"))?;
        refreshes += 1;
        // Use the current token; the other process may rotate it meanwhile (then 401, one
        // refresh_rejected, one replay; a second 401 only means it rotated again).
        let access = manager.access_token(key).await.map_err(|e| e.to_string())?;
        gets += 1;
        if !use_token(&transport, &url, access.secret()).await? {
            let current = manager
                .refresh_rejected(key, &access)
                .await
                .map_err(|e| format!("refresh after 401 failed: {e}"))?;
            replays += 1;
            gets += 1;
            if !use_token(&transport, &url, current.access_token().secret()).await? {
                raced += 1;
            }
        }
    }
    println!("ready refreshes={refreshes} gets={gets} replays={replays} raced={raced}");

    read_line().await?;
    let access = manager.access_token(key).await.map_err(|e| e.to_string())?;
    if use_token(&transport, &url, access.secret()).await? {
        println!("final status=200");
        Ok(())
    } else {
        Err("the final token was refused".to_owned())
    }
}
