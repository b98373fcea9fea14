//! The CLI as a benchmark client: `bluebutton login --no-browser` (with `bench-browser` playing
//! the browser) then `bluebutton eob --all --format ndjson`, each a separate process, with a
//! config file and a token file under `target/bench/cli/`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::measure::{self, children_cpu};
use super::sandbox::{CLIENT_ID, CLIENT_SECRET, SandboxProcess};

/// One login + download, measured.
#[derive(Debug)]
pub(crate) struct CliRun {
    pub(crate) wall: Duration,
    pub(crate) cpu: Duration,
    pub(crate) login_cpu: Duration,
    pub(crate) eob_cpu: Duration,
}

/// The CLI binary, the browser helper and the files of the runs.
#[derive(Debug)]
pub(crate) struct CliRunner {
    bluebutton: PathBuf,
    browser: PathBuf,
    config: PathBuf,
    tokens: PathBuf,
}

impl CliRunner {
    /// Writes the config file for `sandbox` under `dir`.
    pub(crate) fn new(
        bluebutton: PathBuf,
        browser: PathBuf,
        dir: &Path,
        sandbox: &SandboxProcess,
    ) -> Result<CliRunner, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = dir.join("config.json");
        let body = serde_json::json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "callback_url": sandbox.redirect_uri,
            "base_url": sandbox.base_url,
            "version": 2,
        });
        std::fs::write(&config, body.to_string())
            .map_err(|e| format!("{}: {e}", config.display()))?;
        Ok(CliRunner {
            bluebutton,
            browser,
            config,
            tokens: dir.join("tokens.json"),
        })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.bluebutton);
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--token-store")
            .arg(&self.tokens);
        command
    }

    /// Logs in from scratch, then downloads every EOB as NDJSON into `out` (`/dev/null` when
    /// `None`).
    pub(crate) fn run(&self, out: Option<&Path>) -> Result<CliRun, String> {
        let _ = std::fs::remove_file(&self.tokens);
        let cpu_before = children_cpu();
        let started = Instant::now();
        let mut login = self
            .command()
            .args(["login", "--no-browser", "--timeout", "60"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start bluebutton login: {e}"))?;
        let mut stdout = BufReader::new(login.stdout.take().ok_or("no stdout")?);
        let mut url = String::new();
        let read = stdout.read_line(&mut url);
        let browser_cpu_before = children_cpu();
        let browser = match read {
            Ok(n) if n > 0 => measure::run(Command::new(&self.browser).arg(url.trim())),
            _ => Err("bluebutton login printed no URL".to_owned()),
        };
        let browser_cpu = children_cpu().saturating_sub(browser_cpu_before);
        if let Err(e) = browser.and_then(measure::Run::success) {
            let _ = login.kill();
            let _ = login.wait();
            return Err(format!("browser step: {e}"));
        }
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let mut stderr = String::new();
        if let Some(mut pipe) = login.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        let status = login.wait().map_err(|e| format!("bluebutton login: {e}"))?;
        let login_wall = started.elapsed();
        let login_cpu = children_cpu()
            .saturating_sub(cpu_before)
            .saturating_sub(browser_cpu);
        if !status.success() {
            return Err(format!(
                "bluebutton login exited with {status}: {}",
                measure::tail(&stderr)
            ));
        }
        let sink = File::create(out.unwrap_or(Path::new("/dev/null")))
            .map_err(|e| format!("output file: {e}"))?;
        let eob = measure::run(
            self.command()
                .args(["eob", "--all", "--format", "ndjson"])
                .stdout(sink),
        )
        .and_then(measure::Run::success)
        .map_err(|e| format!("bluebutton eob: {e}"))?;
        Ok(CliRun {
            wall: login_wall + eob.wall,
            cpu: login_cpu + eob.cpu,
            login_cpu,
            eob_cpu: eob.cpu,
        })
    }
}
