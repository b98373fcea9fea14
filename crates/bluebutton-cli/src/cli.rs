//! The command-line interface: every command, option and its help text (a contract: scripts
//! depend on these names).

use std::path::PathBuf;
use std::time::Duration;

use bluebutton::{ClaimType, Scope};
use clap::{Args, Parser, Subcommand, ValueEnum};
use time::{Date, OffsetDateTime};

use crate::exit::EXIT_CODES_HELP;

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// Command-line client for the CMS Blue Button 2.0 API.
#[derive(Debug, Parser)]
#[command(name = "bluebutton", version, about, after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    /// Configuration file (.json, .yaml or .yml). Default: ./.bluebutton-config.json (then
    /// .yaml, .yml) if present; BLUEBUTTON_* environment variables apply on top.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "BLUEBUTTON_CONFIG",
        help_heading = GLOBAL
    )]
    pub(crate) config: Option<PathBuf>,

    /// Token store: a JSON file (mode 0600, each token encrypted), or a SQLite database when the
    /// name ends in .sqlite, .sqlite3 or .db (for many processes at once). Logins are kept per
    /// profile and server (origin, client id, API version). Default: tokens.json in the user's
    /// config directory (e.g. ~/.config/bluebutton/tokens.json).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "BLUEBUTTON_TOKEN_STORE",
        help_heading = GLOBAL
    )]
    pub(crate) token_store: Option<PathBuf>,

    /// The key that encrypts the token file (base64, mode 0600; created on first use).
    /// Default: tokens.key next to --token-store when given, else in the user's data
    /// directory (e.g. ~/.local/share/bluebutton/tokens.key), apart from the token file.
    /// BLUEBUTTON_TOKEN_KEY (the key itself, base64) takes precedence over any key file.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "BLUEBUTTON_TOKEN_KEY_FILE",
        help_heading = GLOBAL
    )]
    pub(crate) token_key_file: Option<PathBuf>,

    /// Name of the stored login to use; one token file can hold several.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "default",
        help_heading = GLOBAL
    )]
    pub(crate) profile: String,

    /// Log to stderr (-v debug, -vv trace); secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub(crate) verbose: u8,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Sign in through the browser (RFC 8252 loopback flow) and store the token.
    Login(LoginArgs),
    /// Show, refresh or revoke the stored token.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The beneficiary's Patient resource (a search Bundle), as JSON.
    Patient,
    /// The beneficiary's Coverage resources (a search Bundle), as JSON.
    Coverage,
    /// The beneficiary's profile (connect/userinfo), as JSON.
    Userinfo,
    /// The server's CapabilityStatement (fhir/metadata), as JSON; needs no login.
    Metadata,
    /// The digital insurance card (API v3: a Bundle of CARIN Digital Insurance Card Patient,
    /// Coverage and Organization), as JSON.
    InsuranceCard,
    /// ExplanationOfBenefit (claims) search, as JSON, NDJSON or CSV line items.
    Eob(EobArgs),
    /// Write Patient, Coverage and every ExplanationOfBenefit into files.
    Export(ExportArgs),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// FHIR tools.
    #[command(subcommand)]
    Fhir(FhirCommand),
    /// The local emulator of the API.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// A completion script for SHELL on standard output, e.g.
    /// `bluebutton completions bash > ~/.local/share/bash-completion/completions/bluebutton`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on standard output; `cargo xtask man` writes it to a file.
    #[command(hide = true)]
    Man,
}

/// `login`.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// Do not open a browser; only print the URL.
    #[arg(long)]
    pub(crate) no_browser: bool,

    /// A scope to ask for (repeatable), e.g. `patient/Coverage.rs`. Default: the app's scopes.
    #[arg(long = "scope", value_name = "S", value_parser = parse_scope)]
    pub(crate) scopes: Vec<Scope>,

    /// Seconds to wait for the browser to come back.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_seconds)]
    pub(crate) timeout: Duration,

    /// Print the summary as one JSON object (patient, profile, scopes).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `token ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// The stored token as JSON (secrets redacted unless --reveal).
    Show {
        /// Print the access and refresh tokens in clear.
        #[arg(long)]
        reveal: bool,
    },
    /// Refresh the access token now and store the new one.
    Refresh,
    /// Revoke the token and the data-access grant on the server, and delete it locally.
    Revoke,
}

/// Output format of `eob`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EobFormat {
    /// One Bundle (the first page, or with --all every entry).
    Json,
    /// One ExplanationOfBenefit per line.
    Ndjson,
    /// One row per claim line item.
    Csv,
}

/// `eob`.
#[derive(Debug, Args)]
pub(crate) struct EobArgs {
    /// Claim types, comma-separated: carrier, dme, hha, hospice, inpatient, outpatient, pde, snf.
    #[arg(long = "type", value_name = "TYPES", value_delimiter = ',', value_parser = parse_claim_type)]
    pub(crate) types: Vec<ClaimType>,

    /// Claims with service dates on or after DATE (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub(crate) since: Option<Date>,

    /// Claims with service dates on or before DATE (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub(crate) until: Option<Date>,

    /// Claims updated at or after DATETIME (RFC 3339, e.g. 2024-01-31T00:00:00Z, or a date).
    #[arg(long, value_name = "DATETIME", value_parser = parse_datetime)]
    pub(crate) updated_since: Option<OffsetDateTime>,

    /// Claims per page, 1 to 50 (default: the server's 10 for one page, 50 with --all or
    /// --max-pages).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub(crate) count: Option<u32>,

    /// Follow every next link (default: the first page only).
    #[arg(long, conflicts_with = "max_pages")]
    pub(crate) all: bool,

    /// Follow next links up to N pages in all.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_pages: Option<u64>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = EobFormat::Json)]
    pub(crate) format: EobFormat,
}

/// Output format of `export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// Patient.ndjson, Coverage.ndjson, ExplanationOfBenefit.ndjson.
    Ndjson,
    /// Patient.ndjson, Coverage.ndjson and ExplanationOfBenefit.csv (line items).
    Csv,
}

/// `export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// Directory to write into (created if missing). One that already holds an export is
    /// refused unless --force.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,

    /// Replace the export already in --out (every file of it, once the new one is complete).
    #[arg(long)]
    pub(crate) force: bool,

    /// Print the summary as one JSON object (counts and files).
    #[arg(long)]
    pub(crate) json: bool,

    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Ndjson)]
    pub(crate) format: ExportFormat,

    /// Claims per page (1 to 50).
    #[arg(long, value_name = "N", default_value = "50", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub(crate) count: u32,
}

/// `config ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// The resolved configuration with the source of each value (secret redacted); with a
    /// broken configuration, what resolved and then every error (exit 2).
    Show {
        /// Print one JSON object (settings with value and source, unknown keys, errors).
        #[arg(long)]
        json: bool,
    },
}

/// `fhir ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum FhirCommand {
    /// Parse each FHIR JSON file with the typed R4 models and check that it round-trips losslessly.
    Check {
        /// Also fail files with spec issues (members outside FHIR R4, missing required
        /// elements, malformed primitives), which are otherwise only reported.
        #[arg(long)]
        strict: bool,
        /// FHIR JSON files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// `sandbox ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Run the emulator until interrupted; prints its URL, credentials and a config file path.
    Serve(ServeArgs),
}

/// `sandbox serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) port: u16,

    /// Number of synthetic beneficiaries.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub(crate) beneficiaries: usize,

    /// Claims per beneficiary.
    #[arg(long, value_name = "N", default_value_t = 52)]
    pub(crate) claims: usize,

    /// Access token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value = "3600", value_parser = parse_seconds)]
    pub(crate) token_ttl: Duration,

    /// Share of FHIR requests answered 502 (0 to 1).
    #[arg(long = "fault-5xx", value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub(crate) fault_5xx: f64,

    /// Share of FHIR requests answered 429 (0 to 1).
    #[arg(long = "fault-429", value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub(crate) fault_429: f64,

    /// Seed of the data generator, tokens and faults.
    #[arg(long, value_name = "N", default_value_t = 1999)]
    pub(crate) seed: u64,

    /// The registered redirect URI, written as `callback_url` into the config file.
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8765/callback"
    )]
    pub(crate) callback_url: url::Url,

    /// Directory for the config file (default: a new temporary directory, kept).
    #[arg(long, value_name = "DIR")]
    pub(crate) config_dir: Option<PathBuf>,

    /// Ask in a browser page (beneficiary, demographics, v3 42 CFR Part 2 sharing, Allow/Deny)
    /// instead of approving every authorization at once.
    #[arg(long)]
    pub(crate) consent_page: bool,
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err("one scope per --scope, without spaces".to_owned());
    }
    text.parse::<Scope>().map_err(|never| match never {})
}

fn parse_claim_type(text: &str) -> Result<ClaimType, String> {
    text.trim().parse::<ClaimType>().map_err(|_| {
        "expected carrier, dme, hha, hospice, inpatient, outpatient, pde or snf".to_owned()
    })
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: u64 = text
        .parse()
        .map_err(|_| "expected a whole number of seconds".to_owned())?;
    if seconds == 0 {
        return Err("must be at least 1 second".to_owned());
    }
    Ok(Duration::from_secs(seconds))
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| "expected a number from 0 to 1".to_owned())?;
    if !(0.0..=1.0).contains(&rate) {
        return Err("expected a number from 0 to 1".to_owned());
    }
    Ok(rate)
}

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text, DATE_FORMAT).map_err(|_| "expected a date as YYYY-MM-DD".to_owned())
}

pub(crate) fn parse_datetime(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(instant) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    {
        return Ok(instant);
    }
    parse_date(text)
        .map(|date| date.midnight().assume_utc())
        .map_err(|_| "expected an RFC 3339 date-time (2024-01-31T00:00:00Z) or a date".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_interface_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_documented_eob_invocation() {
        let cli = Cli::try_parse_from([
            "bluebutton",
            "eob",
            "--type",
            "carrier,PDE",
            "--since",
            "2020-01-01",
            "--until",
            "2020-12-31",
            "--updated-since",
            "2024-01-31T10:00:00+02:00",
            "--count",
            "50",
            "--all",
            "--format",
            "ndjson",
        ])
        .unwrap();
        let Command::Eob(args) = cli.command else {
            panic!("not eob")
        };
        assert_eq!(args.types, [ClaimType::Carrier, ClaimType::Pde]);
        assert_eq!(args.since, Some(time::macros::date!(2020 - 01 - 01)));
        assert_eq!(
            args.updated_since,
            Some(time::macros::datetime!(2024-01-31 08:00:00 UTC))
        );
        assert!(args.all && args.format == EobFormat::Ndjson && args.count == Some(50));
    }

    #[test]
    fn rejects_bad_values_as_usage_errors() {
        for argv in [
            &["bluebutton", "eob", "--type", "medical"][..],
            &["bluebutton", "eob", "--count", "51"],
            &["bluebutton", "eob", "--since", "2020-13-01"],
            &["bluebutton", "eob", "--all", "--max-pages", "2"],
            &["bluebutton", "login", "--timeout", "0"],
            &["bluebutton", "sandbox", "serve", "--fault-5xx", "1.5"],
            &["bluebutton", "fhir", "check"],
        ] {
            let error = Cli::try_parse_from(argv).expect_err("usage error");
            assert_eq!(error.exit_code(), 2, "{argv:?}");
        }
    }

    #[test]
    fn dates_and_datetimes() {
        assert!(parse_date("2020-02-30").is_err());
        assert_eq!(
            parse_datetime("2024-01-31").unwrap(),
            time::macros::datetime!(2024-01-31 00:00:00 UTC)
        );
    }
}
