//! A one-shot loopback HTTP listener that receives the OAuth redirect for command-line apps.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::{Host, Url};

/// Longest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Binds the callback URL's address, which must be a loopback host (`localhost`,
/// `127.0.0.1`, `[::1]`) with an explicit or default port.
pub async fn bind(callback: &Url) -> io::Result<TcpListener> {
    let loopback = match callback.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the callback URL {callback} is not on localhost, so this program cannot receive the redirect"
            ),
        ));
    }
    let port = callback.port_or_known_default().unwrap_or(80);
    let host = match callback.host() {
        Some(Host::Ipv6(ip)) => ip.to_string(),
        Some(Host::Ipv4(ip)) => ip.to_string(),
        _ => "127.0.0.1".to_owned(),
    };
    TcpListener::bind((host.as_str(), port)).await
}

/// Answers requests on `listener` until one arrives for `path`; returns its query string.
/// Other paths (a browser's `/favicon.ico`) get a 404.
pub async fn wait(listener: &TcpListener, path: &str) -> io::Result<String> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut head = Vec::new();
        let mut buf = [0u8; 2048];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&head);
        let target = text
            .lines()
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .unwrap_or("");
        let (request_path, query) = target.split_once('?').unwrap_or((target, ""));
        if request_path == path {
            let body = "<!doctype html><title>Blue Button</title><p>Connected. You can close this window and return to the terminal.</p>";
            respond(&mut stream, "200 OK", body).await?;
            return Ok(query.to_owned());
        }
        respond(&mut stream, "404 Not Found", "not found").await?;
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, body: &str) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
