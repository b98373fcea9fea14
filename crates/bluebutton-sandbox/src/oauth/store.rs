//! The OAuth records: pending consents, authorization codes, access and refresh tokens, grants.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::router::Version;

/// What an authorization decided besides its scopes; every token issued from it carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Terms {
    /// The API version the authorization was made on (a token belongs to it).
    pub(crate) version: Version,
    /// Whether the beneficiary shares 42 CFR Part 2 claims (asked on v3 only).
    pub(crate) shares_samhsa: bool,
}

/// A validated `/authorize` request waiting for the beneficiary's decision.
#[derive(Clone, Debug)]
pub(crate) struct AuthRequest {
    pub(crate) version: Version,
    pub(crate) redirect_uri: String,
    /// Whether `redirect_uri` is registered (an unregistered one is refused at the approval step).
    pub(crate) redirect_registered: bool,
    pub(crate) state: String,
    /// The S256 challenge with `=` padding stripped (as the real server stores it).
    pub(crate) challenge: String,
    /// The scopes asked for (`None`: all of the application's).
    pub(crate) scope: Option<String>,
}

/// An authorization code (single use, 60 s).
#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub(crate) redirect_uri: String,
    pub(crate) challenge: String,
    pub(crate) patient: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) terms: Terms,
    pub(crate) expires: OffsetDateTime,
}

/// A live access token.
#[derive(Clone, Debug)]
pub(crate) struct Access {
    pub(crate) patient: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) terms: Terms,
    pub(crate) expires: OffsetDateTime,
    pub(crate) refresh: String,
}

/// Why a refresh token no longer works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefreshStatus {
    Live,
    /// Replaced by a newer one during rotation (using it again is a reuse).
    Rotated,
    /// Revoked by `/revoke_token/`, `/revoke/` or an expired grant.
    Revoked,
}

/// A refresh token.
#[derive(Clone, Debug)]
pub(crate) struct Refresh {
    pub(crate) patient: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) terms: Terms,
    pub(crate) access: Option<String>,
    pub(crate) status: RefreshStatus,
}

/// A data-access grant of the (single) application by one beneficiary.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    /// `None`: never expires.
    pub(crate) expires: Option<OffsetDateTime>,
}

/// All OAuth records of a sandbox. `Debug` shows only how many of each there are (never a token).
#[derive(Default)]
pub(crate) struct Store {
    pub(crate) pending: HashMap<String, AuthRequest>,
    pub(crate) codes: HashMap<String, Code>,
    pub(crate) access: HashMap<String, Access>,
    pub(crate) refresh: HashMap<String, Refresh>,
    pub(crate) grants: HashMap<String, Grant>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("pending", &self.pending.len())
            .field("codes", &self.codes.len())
            .field("access", &self.access.len())
            .field("refresh", &self.refresh.len())
            .field("grants", &self.grants.len())
            .finish()
    }
}

impl Store {
    /// Deletes every token of a beneficiary (re-authorization).
    pub(crate) fn delete_tokens_of(&mut self, patient: &str) {
        self.access.retain(|_, a| a.patient != patient);
        self.refresh.retain(|_, r| r.patient != patient);
    }

    /// Revokes every token of a beneficiary (access tokens disappear, refresh tokens are marked).
    pub(crate) fn revoke_tokens_of(&mut self, patient: &str) {
        self.access.retain(|_, a| a.patient != patient);
        for refresh in self.refresh.values_mut() {
            if refresh.patient == patient && refresh.status == RefreshStatus::Live {
                refresh.status = RefreshStatus::Revoked;
                refresh.access = None;
            }
        }
    }

    /// Revokes one token (access or refresh) and its pair; returns the patient if it was known.
    pub(crate) fn revoke_token(&mut self, token: &str) -> Option<String> {
        if let Some(access) = self.access.remove(token) {
            if let Some(refresh) = self.refresh.get_mut(&access.refresh)
                && refresh.status == RefreshStatus::Live
            {
                refresh.status = RefreshStatus::Revoked;
                refresh.access = None;
            }
            return Some(access.patient);
        }
        let refresh = self.refresh.get_mut(token)?;
        if refresh.status == RefreshStatus::Live {
            refresh.status = RefreshStatus::Revoked;
        }
        if let Some(access) = refresh.access.take() {
            self.access.remove(&access);
        }
        Some(refresh.patient.clone())
    }
}
