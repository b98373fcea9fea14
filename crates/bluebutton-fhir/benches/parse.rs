//! Parse throughput on the six real sandbox EOB pages: typed `Bundle` vs `serde_json::Value` vs `IgnoredAny`.
//!
//! Run with `cargo bench -p bluebutton-fhir`. A plain timed loop (no criterion): each parser runs for
//! about two seconds after a warm-up and the best of five rounds is reported in MB/s.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bluebutton_fhir::Bundle;

fn pages() -> Option<Vec<String>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/sandbox/v2-eob-pages");
    let mut pages = Vec::new();
    for index in 0..6 {
        let path = dir.join(format!("eob_p{index}.json"));
        pages.push(std::fs::read_to_string(&path).ok()?);
    }
    Some(pages)
}

/// Best MB/s over five rounds of about 0.4 s each (`None` when a command-line filter excludes `name`).
fn measure(name: &str, pages: &[String], parse: &dyn Fn(&str)) -> Option<f64> {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
        return None;
    }
    let bytes: usize = pages.iter().map(String::len).sum();
    for page in pages {
        parse(page);
    }
    let mut best = 0.0f64;
    for _ in 0..5 {
        let started = Instant::now();
        let mut rounds = 0u32;
        while started.elapsed() < Duration::from_millis(400) {
            for page in pages {
                parse(page);
            }
            rounds += 1;
        }
        let secs = started.elapsed().as_secs_f64();
        let mbps = (bytes as f64 * f64::from(rounds)) / secs / 1e6;
        best = best.max(mbps);
    }
    println!("{name:<24} {best:8.1} MB/s");
    Some(best)
}

fn main() {
    let Some(pages) = pages() else {
        println!("skipped: ../shared/fixtures/sandbox/v2-eob-pages not found");
        return;
    };
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "parsing {} pages, {:.1} KiB in all",
        pages.len(),
        bytes as f64 / 1024.0
    );
    let typed = measure("typed Bundle", &pages, &|page| {
        let bundle: Bundle = bluebutton_fhir::from_json_str(page).expect("page parses");
        black_box(bundle);
    });
    let value = measure("serde_json::Value", &pages, &|page| {
        let value: serde_json::Value = serde_json::from_str(page).expect("page parses");
        black_box(value);
    });
    let floor = measure("IgnoredAny (floor)", &pages, &|page| {
        let value: serde::de::IgnoredAny = serde_json::from_str(page).expect("page parses");
        black_box(value);
    });
    if let (Some(typed), Some(value), Some(floor)) = (typed, value, floor) {
        println!("typed / Value ratio: {:.2}x", typed / value);
        println!("typed / IgnoredAny ratio: {:.2}x", typed / floor);
    }
}
