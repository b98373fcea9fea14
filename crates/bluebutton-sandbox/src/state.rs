//! The state shared by all request handlers of one sandbox: settings, data, OAuth store, counters.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use time::OffsetDateTime;
use url::Url;

use crate::builder::{Approval, Settings};
use crate::clock::Clock;
use crate::data::DataSet;
use crate::faults::{Fault, FaultDice};
use crate::handle::{Counters, FaultCounts};
use crate::oauth::store::Store;
use crate::rng::Rng;

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the state stays consistent:
/// every critical section is a handful of map operations).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Atomic counters behind [`Counters`].
#[derive(Debug, Default)]
pub(crate) struct CounterCells {
    pub(crate) token_posts: AtomicU64,
    pub(crate) codes_exchanged: AtomicU64,
    pub(crate) refreshes: AtomicU64,
    pub(crate) refresh_token_reuses: AtomicU64,
    pub(crate) expired_token_requests: AtomicU64,
    pub(crate) invalid_token_requests: AtomicU64,
    pub(crate) refresh_failures_after_rotation: AtomicU64,
    /// Refreshes still to fail with a 500 after rotating (see `SandboxHandle`).
    pub(crate) fail_refreshes_after_rotation: AtomicU64,
    pub(crate) authorizations: AtomicU64,
    pub(crate) denials: AtomicU64,
    pub(crate) server_errors: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) delayed: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) per_path: Mutex<BTreeMap<String, u64>>,
}

impl CounterCells {
    pub(crate) fn bump(cell: &AtomicU64) {
        cell.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_path(&self, path: &str) {
        *lock(&self.per_path).entry(path.to_owned()).or_default() += 1;
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let faults = FaultCounts {
            server_errors: get(&self.server_errors),
            throttled: get(&self.throttled),
            dropped_connections: get(&self.dropped),
            delayed: get(&self.delayed),
            denials: get(&self.denials),
        };
        Counters {
            token_posts: get(&self.token_posts),
            codes_exchanged: get(&self.codes_exchanged),
            refreshes: get(&self.refreshes),
            refresh_token_reuses: get(&self.refresh_token_reuses),
            expired_token_requests: get(&self.expired_token_requests),
            invalid_token_requests: get(&self.invalid_token_requests),
            refresh_failures_after_rotation: get(&self.refresh_failures_after_rotation),
            authorizations: get(&self.authorizations),
            connections_accepted: get(&self.connections),
            faults_injected: faults.server_errors
                + faults.throttled
                + faults.dropped_connections
                + faults.denials,
            faults,
            requests_per_path: lock(&self.per_path).clone(),
        }
    }
}

/// Everything a handler can reach.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) settings: Settings,
    pub(crate) data: DataSet,
    pub(crate) clock: Clock,
    pub(crate) base_url: Url,
    pub(crate) store: Mutex<Store>,
    pub(crate) counters: CounterCells,
    pub(crate) approvals: Mutex<VecDeque<Approval>>,
    pub(crate) injected: Mutex<VecDeque<Fault>>,
    pub(crate) dice: FaultDice,
    token_sequence: AtomicU64,
    throttle_windows: Mutex<HashMap<String, (OffsetDateTime, u64)>>,
}

/// The outcome of the per-token throttle for one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateLimit {
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    /// Seconds until the window resets.
    pub(crate) reset: f64,
    pub(crate) allowed: bool,
}

impl AppState {
    pub(crate) fn new(settings: Settings, data: DataSet, base_url: Url) -> Self {
        let seed = settings.seed;
        AppState {
            settings,
            data,
            clock: Clock::default(),
            base_url,
            store: Mutex::new(Store::default()),
            counters: CounterCells::default(),
            approvals: Mutex::new(VecDeque::new()),
            injected: Mutex::new(VecDeque::new()),
            dice: FaultDice::new(seed),
            token_sequence: AtomicU64::new(0),
            throttle_windows: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh 30-character alphanumeric token (the real server's length and alphabet).
    pub(crate) fn new_token(&self) -> String {
        let n = self.token_sequence.fetch_add(1, Ordering::Relaxed);
        let mut rng = Rng::keyed(self.settings.seed, &[0x70CE, n]);
        rng.string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            30,
        )
    }

    /// A UUID-shaped id (consent pages, Bundle ids).
    pub(crate) fn new_uuid(&self) -> String {
        let n = self.token_sequence.fetch_add(1, Ordering::Relaxed);
        let mut rng = Rng::keyed(self.settings.seed, &[0x0071D, n]);
        let (a, b) = (rng.next_u64(), rng.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// Counts one FHIR request against the token's throttle window.
    pub(crate) fn throttle(&self, token: &str) -> RateLimit {
        let (limit, period) = self
            .settings
            .throttle
            .unwrap_or((100_000, std::time::Duration::from_secs(1)));
        let now = self.clock.now();
        let period_t = time::Duration::try_from(period).unwrap_or(time::Duration::SECOND);
        let mut windows = lock(&self.throttle_windows);
        let window = windows.entry(token.to_owned()).or_insert((now, 0));
        if now - window.0 >= period_t {
            *window = (now, 0);
        }
        let reset = (window.0 + period_t - now).as_seconds_f64().max(0.0);
        if window.1 >= limit {
            return RateLimit {
                limit,
                remaining: 0,
                reset,
                allowed: false,
            };
        }
        window.1 += 1;
        RateLimit {
            limit,
            remaining: limit - window.1,
            reset,
            allowed: true,
        }
    }
}
