//! The results as Markdown tables, and each benchmark goal with its figure and verdict.

use serde_json::{Value, json};

fn num(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
}

fn fmt_x(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}x"))
}

fn mib(bytes: Option<f64>) -> String {
    bytes.map_or_else(|| "–".to_owned(), |b| format!("{:.1} MiB", b / 1_048_576.0))
}

/// Why a section or row has no figures (`skipped`/`failed`), if so.
fn absent(value: &Value) -> Option<String> {
    value["skipped"]
        .as_str()
        .map(|s| format!("skipped: {}", s.trim_start_matches("skipped: ")))
        .or_else(|| value["failed"].as_str().map(|s| format!("failed: {s}")))
}

/// One goal: a figure compared with a bound.
fn goal(
    name: &str,
    figure: Option<f64>,
    unit: &str,
    bound: f64,
    at_least: bool,
    why_absent: Option<String>,
) -> Value {
    let verdict = match figure {
        Some(f) if (at_least && f >= bound) || (!at_least && f <= bound) => "met".to_owned(),
        Some(_) => "missed".to_owned(),
        None => why_absent.unwrap_or_else(|| "not measured".to_owned()),
    };
    json!({
        "goal": name,
        "figure": figure,
        "unit": unit,
        "bound": bound,
        "at_least": at_least,
        "verdict": verdict,
    })
}

/// The benchmark goals, evaluated on `results`.
pub(crate) fn goals(results: &Value) -> Value {
    let clients = &results["e2e"]["clients"];
    let cpu = |c: &str| num(&clients[c]["cpu_s"]);
    let wall = |c: &str| num(&clients[c]["wall_s"]);
    let why = |c: &str| absent(&clients[c]).or_else(|| absent(&results["e2e"]));
    let python_why = why("python");
    let corpora = results["parse"]["corpora"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let real = corpora
        .iter()
        .find(|c| c["corpus"] == "six real sandbox pages");
    let typed_vs_value = real.and_then(|c| ratio(num(&c["typed_mb_s"]), num(&c["value_mb_s"])));
    let parse_why = absent(&results["parse"]).or_else(|| {
        real.is_none()
            .then(|| "skipped: the real sandbox pages are absent".to_owned())
    });
    let memory = &results["memory"];
    let parsed_page = num(&memory["probe"]["parsed_page_bytes"]);
    let streaming_share = match (
        num(&memory["peak_rss_bytes"]),
        num(&memory["rss_before_stream_bytes"]),
    ) {
        (Some(peak), Some(before)) => Some(peak - before),
        _ => None,
    };
    let concurrency = &results["concurrency"];
    let refreshes_match = match (
        concurrency["client_refreshes"].as_u64(),
        concurrency["sandbox"]["refreshes"].as_u64(),
        concurrency["expiries"].as_u64(),
        concurrency["sandbox"]["refresh_token_reuses"].as_u64(),
    ) {
        (Some(client), Some(server), Some(expiries), Some(reuses)) => {
            Some(if client == server && server == expiries && reuses == 0 {
                1.0
            } else {
                0.0
            })
        }
        _ => None,
    };
    json!([
        goal(
            "Pass-through: official SDK CPU of the page fetches ÷ CLI `eob --all --format ndjson` process CPU >= 10x",
            ratio(
                num(&clients["python"]["pages_cpu_s"]),
                num(&clients["cli"]["eob_cpu_s"])
            ),
            "x",
            10.0,
            true,
            why("cli").or(python_why.clone()),
        ),
        goal(
            "Typed (facade resources()): official SDK CPU ÷ facade CPU >= 2x",
            ratio(cpu("python"), cpu("facade")),
            "x",
            2.0,
            true,
            why("facade").or(python_why),
        ),
        goal(
            "Typed parse ÷ serde_json::Value (six real pages) >= 1.0x",
            typed_vs_value,
            "x",
            1.0,
            true,
            parse_why.clone(),
        ),
        goal(
            "Stretch: typed parse ÷ serde_json::Value >= 1.5x",
            typed_vs_value,
            "x",
            1.5,
            true,
            parse_why,
        ),
        goal(
            "Facade wall ÷ raw floor wall <= 1.15x",
            ratio(wall("facade"), wall("raw")),
            "x",
            1.15,
            false,
            why("facade").or(why("raw")),
        ),
        goal(
            "Streaming: peak RSS above the pre-stream RSS ÷ one parsed page <= 3x",
            ratio(streaming_share, parsed_page),
            "x",
            3.0,
            false,
            absent(memory),
        ),
        goal(
            "Streaming: absolute peak RSS (incl. mapped code, see memory table) ÷ one parsed page <= 3x",
            ratio(num(&memory["peak_rss_bytes"]), parsed_page),
            "x",
            3.0,
            false,
            absent(memory),
        ),
        goal(
            "Clean debug build of the facade <= 90 s",
            num(&results["build"]["clean_debug_build_s"]),
            "s",
            90.0,
            false,
            absent(&results["build"]),
        ),
        goal(
            "Concurrency: refreshes (client = sandbox) = expiries, no refresh-token reuse (1 = yes)",
            refreshes_match,
            "",
            1.0,
            true,
            absent(concurrency),
        ),
    ])
}

fn e2e_table(out: &mut Vec<String>, e2e: &Value) {
    out.push(format!(
        "### End to end: authorize + exchange + {} EOBs of one beneficiary at _count=50 (median of {} runs)",
        e2e["eobs"].as_u64().unwrap_or(0),
        e2e["runs"].as_u64().unwrap_or(0)
    ));
    out.push(String::new());
    if let Some(reason) = absent(e2e) {
        out.push(reason);
        return;
    }
    let clients = &e2e["clients"];
    let raw_wall = num(&clients["raw"]["wall_s"]);
    let raw_cpu = num(&clients["raw"]["cpu_s"]);
    let py_cpu = num(&clients["python"]["cpu_s"]);
    out.push(
        "| client | wall (s) | client CPU (s) | wall ÷ raw | CPU ÷ raw | official SDK CPU ÷ this |"
            .to_owned(),
    );
    out.push("|---|---:|---:|---:|---:|---:|".to_owned());
    for (key, label) in [
        ("raw", "raw floor (reqwest + serde_json::Value)"),
        ("facade", "facade, typed (`resources()`)"),
        ("cli", "CLI (`login` + `eob --all --format ndjson`)"),
        ("python", "official Python SDK 1.1.0 (`get_pages`)"),
    ] {
        let row = &clients[key];
        if let Some(reason) = absent(row) {
            out.push(format!("| {label} | {reason} | | | | |"));
            continue;
        }
        let (wall, cpu) = (num(&row["wall_s"]), num(&row["cpu_s"]));
        out.push(format!(
            "| {label} | {} | {} | {} | {} | {} |",
            fmt(wall, 3),
            fmt(cpu, 3),
            fmt_x(ratio(wall, raw_wall)),
            fmt_x(ratio(cpu, raw_cpu)),
            fmt_x(ratio(py_cpu, cpu)),
        ));
    }
    out.push(String::new());
    out.push("Client CPU is user + system time of the client process(es), from getrusage(RUSAGE_CHILDREN); the sandbox runs in its own process.".to_owned());
    if let Some(flow) = num(&clients["python"]["flow_cpu_s"]) {
        out.push(format!(
            "Official SDK without interpreter start-up and imports (time.process_time around the flow): {flow:.3} s CPU; ÷ facade {}, ÷ CLI {}.",
            fmt_x(ratio(Some(flow), num(&clients["facade"]["cpu_s"]))),
            fmt_x(ratio(Some(flow), num(&clients["cli"]["cpu_s"]))),
        ));
    }
    if let (Some(pages), Some(eob)) = (
        num(&clients["python"]["pages_cpu_s"]),
        num(&clients["cli"]["eob_cpu_s"]),
    ) {
        out.push(format!(
            "Pass-through: the official SDK's page fetches alone (EOB search + `get_pages`, time.process_time, no start-up or login) {pages:.3} s CPU; the whole `bluebutton eob --all --format ndjson` process {eob:.3} s CPU (medians): {}. Fastest run of each (the least disturbed by other load on the machine): {}.",
            fmt_x(ratio(Some(pages), Some(eob))),
            fmt_x(ratio(
                num(&clients["python"]["pages_cpu_min_s"]),
                num(&clients["cli"]["eob_cpu_min_s"])
            )),
        ));
    }
}

fn parse_table(out: &mut Vec<String>, parse: &Value) {
    out.push("### Parse throughput (MB/s, median of 5 rounds)".to_owned());
    out.push(String::new());
    if let Some(reason) = absent(parse) {
        out.push(reason);
        return;
    }
    out.push("| corpus | size | typed Bundle | serde_json::Value | IgnoredAny (scan floor) | typed ÷ Value | typed ÷ floor |".to_owned());
    out.push("|---|---:|---:|---:|---:|---:|---:|".to_owned());
    for corpus in parse["corpora"].as_array().into_iter().flatten() {
        let (typed, value, floor) = (
            num(&corpus["typed_mb_s"]),
            num(&corpus["value_mb_s"]),
            num(&corpus["ignored_any_mb_s"]),
        );
        out.push(format!(
            "| {} ({} docs) | {} | {} | {} | {} | {} | {} |",
            corpus["corpus"].as_str().unwrap_or("?"),
            corpus["documents"],
            mib(num(&corpus["bytes"])),
            fmt(typed, 0),
            fmt(value, 0),
            fmt(floor, 0),
            fmt_x(ratio(typed, value)),
            fmt_x(ratio(typed, floor)),
        ));
    }
    for skipped in parse["skipped"].as_array().into_iter().flatten() {
        out.push(skipped.as_str().unwrap_or_default().to_owned());
    }
    out.push(String::new());
    out.push("The generated Bundle is one ~10 MB document: each pass builds a tree in fresh memory (page faults), so every parser but the scan is slower on it than on the 0.1-0.7 MB pages.".to_owned());
}

fn concurrency_table(out: &mut Vec<String>, c: &Value) {
    out.push("### Concurrency: 100 beneficiaries x 200 EOBs through one client".to_owned());
    out.push(String::new());
    if let Some(reason) = absent(c) {
        out.push(reason);
        return;
    }
    out.push("| EOBs | fetch (s) | EOBs/s | client CPU (s) | refreshes (client / sandbox) | expiries met | replays after 401 | refresh-token reuses | connections while fetching (all) | token TTL / skew |".to_owned());
    out.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|".to_owned());
    out.push(format!(
        "| {} | {} | {} | {} | {} / {} | {} | {} | {} | {} ({}) | {} s / {} ms |",
        c["eobs"],
        fmt(num(&c["fetch_s"]), 2),
        fmt(num(&c["eobs_per_s"]), 0),
        fmt(num(&c["process_cpu_s"]), 2),
        c["client_refreshes"],
        c["sandbox"]["refreshes"],
        c["expiries"],
        c["sandbox"]["replays_after_401"],
        c["sandbox"]["refresh_token_reuses"],
        c["sandbox"]["connections_while_fetching"],
        c["sandbox"]["connections"],
        c["token_ttl_s"],
        c["refresh_skew_ms"],
    ));
}

fn concurrency_note(out: &mut Vec<String>) {
    out.push(String::new());
    out.push("Expiries met: tokens whose lifetime less the refresh skew had run out when a newer token replaced them (or, for a beneficiary's last token, by its last request); with single-flight refresh and no premature or duplicate refresh, refreshes = expiries. Replays after 401: page GETs sent again after the server rejected a token the client still held valid (the request waited past the skew under load); each cost one refresh, counted above. Connections while fetching: accepted by the sandbox after every beneficiary was authorized (all: including the browser step's). Client CPU covers the whole process (authorization included).".to_owned());
}

fn memory_table(out: &mut Vec<String>, m: &Value) {
    out.push("### Memory: streaming 10,000 EOBs with `resources()`".to_owned());
    out.push(String::new());
    if let Some(reason) = absent(m) {
        out.push(reason);
        return;
    }
    let peak = num(&m["peak_rss_bytes"]);
    let before = num(&m["rss_before_stream_bytes"]);
    let share = match (peak, before) {
        (Some(peak), Some(before)) => Some(peak - before),
        _ => None,
    };
    let page = num(&m["probe"]["page_bytes"]);
    let parsed = num(&m["probe"]["parsed_page_bytes"]);
    out.push("| EOBs | peak RSS (VmHWM) | RSS before the stream (of it anonymous) | peak − before | one page (50 EOBs) on the wire | one page parsed (typed) | (peak − before) ÷ parsed page | peak ÷ parsed page | peak ÷ page bytes |".to_owned());
    out.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|".to_owned());
    out.push(format!(
        "| {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} |",
        m["eobs"],
        mib(peak),
        mib(before),
        mib(num(&m["rss_anon_before_stream_bytes"])),
        mib(share),
        mib(page),
        mib(parsed),
        fmt_x(ratio(share, parsed)),
        fmt_x(ratio(peak, parsed)),
        fmt_x(ratio(peak, page)),
    ));
    out.push(String::new());
    let runs: Vec<String> = m["peak_rss_bytes_of_runs"]
        .as_array()
        .map(|runs| runs.iter().map(|r| mib(num(r))).collect())
        .unwrap_or_default();
    out.push(format!("The run with the median peak of {} counts (peaks: {}). Most of the RSS before the stream is file-backed (the binary's code and shared libraries); the anonymous part (heap, stacks) is in parentheses. \"One page parsed\" is the RSS a fresh process gains parsing one 50-EOB page into a typed Bundle.", runs.len(), runs.join(", ")));
}

/// Every section as Markdown.
pub(crate) fn markdown(results: &Value) -> String {
    let mut out = vec!["## cargo xtask bench".to_owned(), String::new()];
    e2e_table(&mut out, &results["e2e"]);
    out.push(String::new());
    parse_table(&mut out, &results["parse"]);
    out.push(String::new());
    concurrency_table(&mut out, &results["concurrency"]);
    if absent(&results["concurrency"]).is_none() {
        concurrency_note(&mut out);
    }
    out.push(String::new());
    memory_table(&mut out, &results["memory"]);
    out.push(String::new());
    out.push("### Build".to_owned());
    out.push(String::new());
    match absent(&results["build"]) {
        Some(reason) => out.push(format!("Clean debug build of the facade: {reason}")),
        None => out.push(format!(
            "Clean debug build of the facade (`cargo build -p bluebutton`, empty target dir): {} s",
            fmt(num(&results["build"]["clean_debug_build_s"]), 1)
        )),
    }
    out.push(String::new());
    out.push("### Goals".to_owned());
    out.push(String::new());
    out.push("| goal | figure | verdict |".to_owned());
    out.push("|---|---:|---|".to_owned());
    for g in results["goals"].as_array().into_iter().flatten() {
        let figure = num(&g["figure"]).map_or_else(
            || "–".to_owned(),
            |f| format!("{f:.2}{}", g["unit"].as_str().unwrap_or_default()),
        );
        out.push(format!(
            "| {} | {figure} | {} |",
            g["goal"].as_str().unwrap_or_default(),
            g["verdict"].as_str().unwrap_or_default()
        ));
    }
    out.join("\n")
}
