//! `SandboxBuilder`: every setting of a sandbox, and `start()`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::SandboxError;
use crate::data::DataSet;
use crate::faults::Faults;
use crate::fhir::JsonLayout;
use crate::handle::SandboxHandle;
use crate::server;
use crate::state::AppState;

/// How `/o/authorize/` obtains the beneficiary's decision.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsentMode {
    /// Answer `302 redirect_uri?code=…&state=…` at once (tests, quickstart). The default.
    #[default]
    AutoApprove,
    /// Redirect to an HTML consent page (beneficiary picker, "share demographic data" checkbox,
    /// on v3 an unticked "share 42 CFR Part 2 records" checkbox, Allow / Deny buttons, form POST),
    /// for use from a browser.
    ConsentPage,
}

/// The application's data-access type, which decides the grant's lifetime and whether refresh works.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataAccessType {
    /// 13-month grant, reset on each authorization; `access_grant_expiration` is its end. The default.
    #[default]
    ThirteenMonth,
    /// No lasting grant: `access_grant_expiration` = now + `expires_in`, refresh gives 403 `invalid_client`.
    OneTime,
    /// A grant that never expires: `access_grant_expiration` is `""`.
    ResearchStudy,
}

/// A beneficiary's decision for one auto-approved authorization (see [`SandboxHandle::queue_approval`]).
///
/// Build one with [`Approval::approve`], [`Approval::approve_without_demographics`] or
/// [`Approval::Deny`], then adjust it with [`Approval::sharing_samhsa`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    /// Approve as this beneficiary (`None`: the default beneficiary).
    #[non_exhaustive]
    Approve {
        /// The FHIR patient id, e.g. `-19990000000001`.
        patient_id: Option<String>,
        /// Whether the demographic scopes (`patient/Patient.*`, `profile`) are shared.
        share_demographics: bool,
        /// Whether the beneficiary shares substance-use-disorder (42 CFR Part 2) claims with the
        /// application. Only a v3 authorization asks; the consent page's checkbox is unticked by
        /// default, so `false` unless set. When `false`, v3 ExplanationOfBenefit searches leave out
        /// the claims labelled `42CFRPart2`.
        share_samhsa: bool,
    },
    /// Deny: the redirect carries `error=access_denied`.
    Deny,
}

impl Approval {
    /// Approve as `patient_id`, sharing demographics, not sharing 42 CFR Part 2 claims.
    pub fn approve(patient_id: impl Into<String>) -> Self {
        Approval::Approve {
            patient_id: Some(patient_id.into()),
            share_demographics: true,
            share_samhsa: false,
        }
    }
    /// Approve as the default beneficiary without sharing demographics (nor 42 CFR Part 2 claims).
    pub fn approve_without_demographics() -> Self {
        Approval::Approve {
            patient_id: None,
            share_demographics: false,
            share_samhsa: false,
        }
    }
    /// Approve as the default beneficiary, sharing demographics, not sharing 42 CFR Part 2 claims
    /// (what pressing Allow on an untouched consent page decides).
    pub fn approve_default() -> Self {
        Approval::Approve {
            patient_id: None,
            share_demographics: true,
            share_samhsa: false,
        }
    }
    /// The same approval as another beneficiary (a denial stays a denial).
    pub(crate) fn for_patient(self, id: &str) -> Self {
        match self {
            Approval::Approve {
                share_demographics,
                share_samhsa,
                ..
            } => Approval::Approve {
                patient_id: Some(id.to_owned()),
                share_demographics,
                share_samhsa,
            },
            Approval::Deny => Approval::Deny,
        }
    }
    /// The same approval with the 42 CFR Part 2 choice set (a denial stays a denial).
    pub fn sharing_samhsa(self, share: bool) -> Self {
        match self {
            Approval::Approve {
                patient_id,
                share_demographics,
                ..
            } => Approval::Approve {
                patient_id,
                share_demographics,
                share_samhsa: share,
            },
            Approval::Deny => Approval::Deny,
        }
    }
}

/// Behaviours of the real server that are bugs; each can be turned off.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fidelity {
    /// `/o/introspect/` with an unknown token answers 500 `{"error": "Server Error (500)"}` as the
    /// real server does (default `true`); `false` answers `{"active": false}` (RFC 7662).
    pub introspect_unknown_token_500: bool,
}

impl Default for Fidelity {
    fn default() -> Self {
        Fidelity {
            introspect_unknown_token_500: true,
        }
    }
}

impl Fidelity {
    /// Sets [`Fidelity::introspect_unknown_token_500`].
    pub fn introspect_unknown_token_500(mut self, on: bool) -> Self {
        self.introspect_unknown_token_500 = on;
        self
    }
}

/// The settings of a sandbox (immutable once started). `Debug` redacts the client secret.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) json_layout: JsonLayout,
    pub(crate) seed: u64,
    pub(crate) beneficiaries: usize,
    pub(crate) claims_per_beneficiary: usize,
    pub(crate) access_token_ttl: Duration,
    pub(crate) grant_lifetime_months: u32,
    pub(crate) data_access_type: DataAccessType,
    pub(crate) consent: ConsentMode,
    pub(crate) default_beneficiary: Option<String>,
    pub(crate) faults: Faults,
    pub(crate) fidelity: Fidelity,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) addr: SocketAddr,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) app_name: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) throttle: Option<(u64, Duration)>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("seed", &self.seed)
            .field("json_layout", &self.json_layout)
            .field("beneficiaries", &self.beneficiaries)
            .field("claims_per_beneficiary", &self.claims_per_beneficiary)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("grant_lifetime_months", &self.grant_lifetime_months)
            .field("data_access_type", &self.data_access_type)
            .field("consent", &self.consent)
            .field("default_beneficiary", &self.default_beneficiary)
            .field("faults", &self.faults)
            .field("fidelity", &self.fidelity)
            .field("data_dir", &self.data_dir)
            .field("addr", &self.addr)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("app_name", &self.app_name)
            .field("redirect_uris", &self.redirect_uris)
            .field("throttle", &self.throttle)
            .finish()
    }
}

/// Builds and starts a [`SandboxHandle`]. Every setting has a working default.
#[derive(Clone, Debug)]
#[must_use]
pub struct SandboxBuilder {
    settings: Settings,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            settings: Settings {
                json_layout: JsonLayout::Compact,
                seed: 1999,
                beneficiaries: 3,
                claims_per_beneficiary: 52,
                access_token_ttl: Duration::from_secs(3600),
                grant_lifetime_months: 13,
                data_access_type: DataAccessType::ThirteenMonth,
                consent: ConsentMode::AutoApprove,
                default_beneficiary: None,
                faults: Faults::none(),
                fidelity: Fidelity::default(),
                data_dir: None,
                addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                client_id: "sandbox-client-id".to_owned(),
                client_secret: "sandbox-client-secret".to_owned(),
                app_name: "Sandbox Test App".to_owned(),
                redirect_uris: vec!["http://localhost:3000/callback".to_owned()],
                throttle: None,
            },
        }
    }
}

impl SandboxBuilder {
    /// The seed of the data generator, tokens and faults (default 1999).
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }
    /// How many synthetic beneficiaries (default 3; ids `-19990000000001`, `-19990000000002`, …).
    pub fn beneficiaries(mut self, count: usize) -> Self {
        self.settings.beneficiaries = count;
        self
    }
    /// How many ExplanationOfBenefit resources each synthetic beneficiary has (default 52, as the
    /// real sandbox's `-19990000000001`). Generated lazily: 100,000 is fine.
    pub fn claims_per_beneficiary(mut self, count: usize) -> Self {
        self.settings.claims_per_beneficiary = count;
        self
    }
    /// Lifetime of access tokens (`expires_in`, default 3600 s as the real server).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.settings.access_token_ttl = ttl;
        self
    }
    /// Lifetime of a 13-month data-access grant in months (default 13).
    pub fn grant_lifetime_months(mut self, months: u32) -> Self {
        self.settings.grant_lifetime_months = months;
        self
    }
    /// The application's data-access type (default [`DataAccessType::ThirteenMonth`]).
    pub fn data_access_type(mut self, kind: DataAccessType) -> Self {
        self.settings.data_access_type = kind;
        self
    }
    /// How consent is obtained (default [`ConsentMode::AutoApprove`]).
    pub fn consent(mut self, mode: ConsentMode) -> Self {
        self.settings.consent = mode;
        self
    }
    /// Shorthand: `true` for [`ConsentMode::AutoApprove`], `false` for [`ConsentMode::ConsentPage`].
    pub fn auto_approve(self, on: bool) -> Self {
        self.consent(if on {
            ConsentMode::AutoApprove
        } else {
            ConsentMode::ConsentPage
        })
    }
    /// The beneficiary that auto-approval logs in as when nothing else chooses (default: the first).
    pub fn default_beneficiary(mut self, patient_id: impl Into<String>) -> Self {
        self.settings.default_beneficiary = Some(patient_id.into());
        self
    }
    /// Fault injection (default none).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.settings.faults = faults;
        self
    }
    /// The whitespace of FHIR response bodies (default [`JsonLayout::Compact`], as the real
    /// server); the data and its order are the same in every layout.
    pub fn json_layout(mut self, layout: JsonLayout) -> Self {
        self.settings.json_layout = layout;
        self
    }
    /// Emulation of the real server's bugs (default: all emulated).
    pub fn fidelity(mut self, fidelity: Fidelity) -> Self {
        self.settings.fidelity = fidelity;
        self
    }
    /// Serve FHIR JSON files from a directory instead of synthetic data: every `*.json` file holds a
    /// Patient, Coverage or ExplanationOfBenefit, or a Bundle of them; each Patient becomes a
    /// beneficiary, and Coverage/EOB resources go to the patient they reference
    /// (`beneficiary`/`patient.reference` = `Patient/<id>`). Duplicates (same type and id) are kept once.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.data_dir = Some(dir.into());
        self
    }
    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.settings.addr = addr;
        self
    }
    /// The registered application's client id (default `sandbox-client-id`).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.settings.client_id = id.into();
        self
    }
    /// The registered application's client secret (default `sandbox-client-secret`).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.settings.client_secret = secret.into();
        self
    }
    /// The application's name (shown on the consent page).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.settings.app_name = name.into();
        self
    }
    /// Replaces the registered redirect URIs with this one (default `http://localhost:3000/callback`).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.settings.redirect_uris = vec![uri.into()];
        self
    }
    /// Registers one more redirect URI.
    pub fn add_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.settings.redirect_uris.push(uri.into());
        self
    }
    /// A real per-token throttle on FHIR requests: at most `limit` requests per `period`
    /// (default: 100000 per second, as the real server's default `TOKEN_THROTTLE_RATE`).
    pub fn throttle(mut self, limit: u64, period: Duration) -> Self {
        self.settings.throttle = Some((limit, period));
        self
    }

    /// Starts the server and returns its handle. The server stops when the handle is dropped.
    pub async fn start(self) -> Result<SandboxHandle, SandboxError> {
        let settings = self.settings;
        settings.faults.validate()?;
        let mut redirect_uris = Vec::with_capacity(settings.redirect_uris.len());
        for uri in &settings.redirect_uris {
            let parsed = Url::parse(uri).map_err(|source| SandboxError::RedirectUri {
                uri: uri.clone(),
                source,
            })?;
            redirect_uris.push(parsed);
        }
        if settings.data_dir.is_none() && settings.beneficiaries == 0 {
            return Err(SandboxError::InvalidSetting {
                setting: "beneficiaries",
                reason: "at least one beneficiary is needed".to_owned(),
            });
        }
        if settings.claims_per_beneficiary > crate::data::MAX_CLAIMS_PER_BENEFICIARY {
            return Err(SandboxError::InvalidSetting {
                setting: "claims_per_beneficiary",
                reason: format!(
                    "at most {} claims per beneficiary",
                    crate::data::MAX_CLAIMS_PER_BENEFICIARY
                ),
            });
        }
        if let Some((limit, period)) = settings.throttle
            && (limit == 0 || period.is_zero())
        {
            return Err(SandboxError::InvalidSetting {
                setting: "throttle",
                reason: "limit and period must be positive".to_owned(),
            });
        }
        let data = match &settings.data_dir {
            Some(dir) => DataSet::from_dir(dir, settings.seed)?,
            None => DataSet::synthetic(
                settings.seed,
                settings.beneficiaries,
                settings.claims_per_beneficiary,
            ),
        };
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: settings.addr,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: settings.addr,
            source,
        })?;
        let base_url = base_url_for(local);
        let state = Arc::new(AppState::new(settings, data, base_url.clone()));
        let server = server::spawn(listener, Arc::clone(&state));
        Ok(SandboxHandle::new(state, base_url, redirect_uris, server))
    }
}

fn base_url_for(addr: SocketAddr) -> Url {
    // A socket address always forms a valid `http://` URL (IPv6 addresses are bracketed by Display).
    Url::parse(&format!("http://{addr}")).expect("a socket address is a valid URL host and port")
}
