//! `sandbox serve --consent-page`: the child process serves the HTML consent page, with the v3
//! 42 CFR Part 2 checkbox, to a browser-like client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// Kills the child on drop, so a failing test leaves no server behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP/1.1 GET: (status, `Location` header, body).
fn http_get(host: &str, path: &str) -> (u16, Option<String>, String) {
    let mut stream = TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let location = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.trim().to_owned());
    (status, location, body.to_owned())
}

/// The running child, its `key=value` lines, and the directory of its config file.
type Served = (
    Child,
    std::collections::BTreeMap<String, String>,
    tempfile::TempDir,
);

/// Starts `sandbox serve` with `extra` flags.
fn serve(extra: &[&str]) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "sandbox",
        "serve",
        "--claims",
        "4",
        "--beneficiaries",
        "2",
        "--config-dir",
        dir.path().to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_bluebutton"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    let stdout = BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut values = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        let line = line.expect("line");
        if line == "ready" {
            break;
        }
        if let Some((key, value)) = line.split_once('=')
            && key != "beneficiary"
        {
            values.insert(key.to_owned(), value.to_owned());
        }
    }
    (child, values, dir)
}

fn authorize_path(values: &std::collections::BTreeMap<String, String>, version: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &values["client_id"])
        .append_pair("redirect_uri", &values["callback_url"])
        .append_pair("response_type", "code")
        .append_pair("state", "state-0123456789abcdef")
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256")
        .append_pair("scope", "openid patient/ExplanationOfBenefit.rs")
        .finish();
    format!("/{version}/o/authorize/?{query}")
}

fn host_of(values: &std::collections::BTreeMap<String, String>) -> String {
    let base = url::Url::parse(&values["base_url"]).expect("base_url");
    format!(
        "{}:{}",
        base.host_str().expect("host"),
        base.port().expect("port")
    )
}

#[test]
fn sandbox_serve_consent_page_shows_the_form_with_the_v3_checkbox() {
    let (_child, values, _dir) = serve(&["--consent-page"]);
    let host = host_of(&values);
    let (status, location, _) = http_get(&host, &authorize_path(&values, "v3"));
    assert_eq!(status, 302);
    let page_path = location.expect("a redirect to the consent page");
    assert!(page_path.starts_with("/v3/o/authorize/"), "{page_path}");
    let (status, _, page) = http_get(&host, &page_path);
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert!(page.contains("name=\"share_demographic_scopes\""));
    let samhsa = page
        .lines()
        .find(|l| l.contains("name=\"share_42cfr_part2\""))
        .expect("the 42 CFR Part 2 checkbox");
    assert!(!samhsa.contains("checked"), "{samhsa}");
    assert!(page.contains("name=\"allow\"") && page.contains("name=\"deny\""));
    assert_eq!(page.matches("<option ").count(), 2, "one per beneficiary");
}

#[test]
fn sandbox_serve_without_the_flag_approves_at_once() {
    let (_child, values, _dir) = serve(&[]);
    let (status, location, _) = http_get(&host_of(&values), &authorize_path(&values, "v3"));
    assert_eq!(status, 302);
    let location = location.expect("location");
    assert!(
        location.starts_with(&values["callback_url"]) && location.contains("code="),
        "{location}"
    );
}
