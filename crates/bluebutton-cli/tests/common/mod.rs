//! Shared support of the end-to-end tests: a sandbox in this process, a config file pointing at
//! it, a private token file, and the `bluebutton` binary driven like a user would.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bluebutton_sandbox::{Sandbox, SandboxBuilder, SandboxHandle};
use tempfile::TempDir;

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_bluebutton")
}

/// A free loopback port for a listener the binary opens later. Taken below Linux's ephemeral
/// range (32768 and up), so no port-0 bind (the sandbox's) can take it meanwhile, and distinct
/// within this test process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = std::process::id().wrapping_mul(7919);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (base.wrapping_add(n) % 10_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A running sandbox with a matching config file and an empty token file location.
pub struct Env {
    pub runtime: tokio::runtime::Runtime,
    pub sandbox: SandboxHandle,
    pub dir: TempDir,
    pub config: PathBuf,
    pub store: PathBuf,
    pub callback_url: String,
}

impl Env {
    /// A sandbox with 3 beneficiaries of 23 claims each.
    pub fn start() -> Env {
        Env::with(|b| b)
    }

    /// A sandbox with extra builder settings.
    pub fn with(tweak: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Env {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let callback_url = format!("http://127.0.0.1:{}/callback", free_port());
        let builder = Sandbox::builder()
            .claims_per_beneficiary(23)
            .redirect_uri(callback_url.clone());
        let sandbox = runtime
            .block_on(tweak(builder).start())
            .expect("sandbox starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config.json");
        let document = serde_json::json!({
            "client_id": sandbox.client_id(),
            "client_secret": sandbox.client_secret(),
            "callback_url": callback_url,
            "environment": "LOCAL",
            "base_url": sandbox.base_url().as_str(),
            "retry_settings": {"total": 0},
        });
        std::fs::write(&config, document.to_string()).expect("write config");
        let store = dir.path().join("private").join("tokens.json");
        Env {
            runtime,
            sandbox,
            dir,
            config,
            store,
            callback_url,
        }
    }

    /// `bluebutton --config .. --token-store .. <args>`, run in the temp dir, without any
    /// `BLUEBUTTON_*` variable of the test's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_with_config(&self.config, args)
    }

    /// Like [`Env::command`] with another config file.
    pub fn command_with_config(&self, config: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .current_dir(self.dir.path())
            .arg("--config")
            .arg(config)
            .arg("--token-store")
            .arg(&self.store)
            .args(args);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("BLUEBUTTON_") {
                command.env_remove(name);
            }
        }
        command.env_remove("RUST_LOG");
        command
    }

    /// Runs a command to completion.
    pub fn run(&self, args: &[&str]) -> Outcome {
        let output = self.command(args).output().expect("run the binary");
        Outcome::from(output)
    }

    /// Runs a command with another config file.
    pub fn run_with_config(&self, config: &Path, args: &[&str]) -> Outcome {
        Outcome::from(
            self.command_with_config(config, args)
                .output()
                .expect("run"),
        )
    }

    /// `login --no-browser`, with an HTTP client playing the browser: follows the printed URL
    /// (auto-approve answers 302 to the callback) and delivers the callback. Returns the
    /// outcome and the callback page's status and body.
    pub fn login(&self, extra: &[&str]) -> (Outcome, u16, String) {
        let (outcome, status, page, _) = self.login_with_callback(extra);
        (outcome, status, page)
    }

    /// Like [`Env::login`], also returning the callback URL the browser was sent to.
    pub fn login_with_callback(&self, extra: &[&str]) -> (Outcome, u16, String, String) {
        let mut args = vec!["--no-browser"];
        args.extend_from_slice(extra);
        self.login_as_browser(&args, &[])
    }

    /// `login --timeout 60 <args>` with extra environment variables, the test playing the
    /// browser. Returns the outcome, the callback page's status and body, and the callback URL.
    pub fn login_as_browser(
        &self,
        extra: &[&str],
        env: &[(&str, &Path)],
    ) -> (Outcome, u16, String, String) {
        let (outcome, status, page, callback, _) = self.login_after_strays(extra, env, &[]);
        (outcome, status, page, callback)
    }

    /// Like [`Env::login_as_browser`], first sending a GET to each of `strays` (paths with
    /// queries, on the callback URL's origin) once the login is listening, as any web page
    /// could. Also returns each stray's status and page.
    pub fn login_after_strays(
        &self,
        extra: &[&str],
        env: &[(&str, &Path)],
        strays: &[String],
    ) -> (Outcome, u16, String, String, Vec<(u16, String)>) {
        self.login_choosing(extra, env, strays, "")
    }

    /// `login --no-browser`, the browser adding `choice` to the authorize URL's query (the
    /// sandbox's auto-approve knobs, e.g. `&sandbox_samhsa=share`).
    pub fn login_with_choice(&self, choice: &str) -> Outcome {
        let (outcome, status, page, _, _) =
            self.login_choosing(&["--no-browser"], &[], &[], choice);
        assert_eq!(status, 200, "{page}");
        outcome
    }

    fn login_choosing(
        &self,
        extra: &[&str],
        env: &[(&str, &Path)],
        strays: &[String],
        choice: &str,
    ) -> (Outcome, u16, String, String, Vec<(u16, String)>) {
        let mut args = vec!["login", "--timeout", "60"];
        args.extend_from_slice(extra);
        let mut command = self.command(&args);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn login");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("first line");
        let authorize = first.trim().to_owned();
        assert!(
            authorize.starts_with(self.sandbox.base_url().as_str()),
            "the first line is the authorize URL: {first:?}"
        );
        let origin = self.callback_url.trim_end_matches("/callback").to_owned();
        let (page_status, page, callback, stray_pages) = self.runtime.block_on(async {
            let client = bluebutton_transport::client_builder()
                .expect("builder")
                .build()
                .expect("client");
            let mut stray_pages = Vec::new();
            for stray in strays {
                let answer = client
                    .get(format!("{origin}{stray}"))
                    .send()
                    .await
                    .expect("stray request");
                let status = answer.status().as_u16();
                stray_pages.push((status, answer.text().await.expect("stray page")));
            }
            let redirect = client
                .get(format!("{authorize}{choice}"))
                .send()
                .await
                .expect("authorize");
            assert_eq!(
                redirect.status(),
                302,
                "the sandbox redirects to the callback"
            );
            let location = redirect.headers()["location"]
                .to_str()
                .expect("ascii")
                .to_owned();
            assert!(location.starts_with(&self.callback_url), "{location}");
            let page = client.get(&location).send().await.expect("callback");
            let status = page.status().as_u16();
            (
                status,
                page.text().await.expect("page"),
                location,
                stray_pages,
            )
        });
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).expect("rest of stdout");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("stderr");
        let exit = child.wait().expect("wait");
        let outcome = Outcome::from(std::process::Output {
            status: exit,
            stdout: (first + &rest).into_bytes(),
            stderr: stderr.into_bytes(),
        });
        (outcome, page_status, page, callback, stray_pages)
    }

    /// Points the config at API `version` (1, 2 or 3).
    pub fn on_version(self, version: u8) -> Env {
        let text = std::fs::read_to_string(&self.config).expect("read config");
        let mut document: serde_json::Value = serde_json::from_str(&text).expect("config JSON");
        document["version"] = version.into();
        std::fs::write(&self.config, document.to_string()).expect("write config");
        self
    }

    /// Logs in and checks it worked.
    pub fn logged_in(self) -> Env {
        let (outcome, status, page) = self.login(&[]);
        assert_eq!(outcome.code, Some(0), "{outcome:?}");
        assert_eq!(status, 200, "{page}");
        self
    }

    /// The first beneficiary (the one auto-approve signs in).
    pub fn first_claim_count(&self) -> usize {
        self.sandbox.beneficiaries()[0].claim_count
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// What a finished command printed and returned.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    output: std::process::Output,
}

impl From<std::process::Output> for Outcome {
    fn from(output: std::process::Output) -> Self {
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout.clone()).expect("utf-8 stdout"),
            stderr: String::from_utf8(output.stderr.clone()).expect("utf-8 stderr"),
            output,
        }
    }
}

impl Outcome {
    /// Asserts the exit code (assert_cmd prints the command's output on failure) and
    /// returns self.
    pub fn expect_code(self, code: i32) -> Outcome {
        use assert_cmd::assert::OutputAssertExt;
        self.output.clone().assert().code(code);
        self
    }
}

/// The shared fixtures folder, when present beside the workspace.
pub fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    dir.is_dir().then_some(dir)
}
