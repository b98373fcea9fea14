//! `token show`, `token refresh`, `token revoke`: the stored login.

use std::io::Write;

use bluebutton::{AuthError, AuthorizationToken};
use bluebutton_auth::join_scopes;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{Cli, TokenCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;

const REDACTED: &str = "[redacted]";

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// The token as a JSON object; secrets are `[redacted]` unless `reveal`.
pub(crate) fn describe(
    profile: &str,
    token: &AuthorizationToken,
    reveal: bool,
) -> serde_json::Value {
    let secret = |value: &str| {
        if reveal {
            value.to_owned()
        } else {
            REDACTED.to_owned()
        }
    };
    json!({
        "profile": profile,
        "patient": token.patient(),
        "token_type": token.token_type(),
        "scope": join_scopes(token.scopes()),
        "expires_at": rfc3339(token.expires_at()),
        "expired": token.is_expired(),
        "access_grant_expiration": token.access_grant_expiration().map(rfc3339),
        "access_token": secret(token.access_token().secret()),
        "refresh_token": token.refresh_token().map(|t| secret(t.secret())),
        "issuer": token.issuer().map(ToString::to_string),
    })
}

/// Every login in the store: key, issuer, patient and expiry (no secret), marking the one
/// this configuration uses.
async fn logins(context: &Context) -> Result<Vec<serde_json::Value>, CliError> {
    let store = context.client.token_manager().store();
    let mut listed = Vec::new();
    for key in store.keys().await? {
        let entry = match store.load(&key).await {
            Ok(Some(token)) => json!({
                "key": key,
                "issuer": token.issuer().map(ToString::to_string),
                "patient": token.patient(),
                "expires_at": rfc3339(token.expires_at()),
                "in_use": key == context.key,
            }),
            Ok(None) => continue,
            // Listed anyway, so nothing in the store is hidden.
            Err(error) => {
                json!({"key": key, "error": error.to_string(), "in_use": key == context.key})
            }
        };
        listed.push(entry);
    }
    Ok(listed)
}

fn summary(token: &AuthorizationToken) -> String {
    format!(
        "patient {}, expires at {}, scopes: {}",
        token.patient().unwrap_or("(unknown)"),
        rfc3339(token.expires_at()),
        join_scopes(token.scopes())
    )
}

/// Runs a `token` command.
pub(crate) async fn run(cli: &Cli, command: &TokenCommand) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let beneficiary = context.beneficiary();
    let mut out = std::io::stdout().lock();
    match command {
        TokenCommand::Show { reveal } => {
            let token = beneficiary.stored_token().await?.ok_or_else(|| {
                CliError::Auth(AuthError::TokenNotFound {
                    key: context.key.clone(),
                })
            })?;
            let mut shown = describe(&context.profile, &token, *reveal);
            shown["logins"] = serde_json::Value::Array(logins(&context).await?);
            serde_json::to_writer_pretty(&mut out, &shown).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        TokenCommand::Refresh => {
            let token = beneficiary.refresh().await?;
            writeln!(out, "Refreshed: {}", summary(&token))?;
        }
        TokenCommand::Revoke => {
            let Some(token) = beneficiary.stored_token().await? else {
                return Err(CliError::Auth(AuthError::TokenNotFound {
                    key: context.key.clone(),
                }));
            };
            // Local tokens are deleted even if the server cannot be told (RFC 9700 logout).
            beneficiary.revoke().await?;
            writeln!(
                out,
                "Revoked the token and data-access grant of patient {}; the local token is deleted",
                token.patient().unwrap_or("(unknown)")
            )?;
        }
    }
    out.flush()?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> AuthorizationToken {
        AuthorizationToken::from_response_json(
            br#"{"access_token":"ACCESS-SECRET-123","refresh_token":"REFRESH-SECRET-456","expires_in":3600,
                "token_type":"Bearer","scope":"openid patient/Coverage.rs","patient":"-1999",
                "access_grant_expiration":"2027-12-28T14:40:19Z"}"#,
            time::macros::datetime!(2026-01-01 00:00:00 UTC),
        )
        .unwrap()
    }

    #[test]
    fn show_redacts_unless_revealed() {
        let shown = describe("default", &token(), false).to_string();
        assert!(!shown.contains("SECRET"), "{shown}");
        insta::assert_snapshot!(
            serde_json::to_string_pretty(&describe("default", &token(), false)).unwrap()
        );
        let revealed = describe("default", &token(), true);
        assert_eq!(revealed["access_token"], "ACCESS-SECRET-123");
        assert_eq!(revealed["refresh_token"], "REFRESH-SECRET-456");
    }
}
