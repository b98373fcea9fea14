//! `cargo xtask bench`: measures what users care about, side by side in one run, against the
//! sandbox (a separate process on loopback), and prints Markdown tables of ratios (absolute
//! times on a shared machine are noise; ratios hold). Results go to `target/bench/results.json`.
//!
//! Sections: end to end (facade, CLI, raw reqwest floor, official Python SDK), parse
//! throughput, concurrency, streaming memory, and (opt-in, `--build`) a clean debug build.
//! Nothing here is asserted: goals get a verdict in the output, never a failing exit code.

mod cli;
mod docs;
mod measure;
mod python;
mod report;
mod sandbox;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Args;
use serde_json::{Value, json};

use crate::cmd::{StepFailed, cargo, failed, run_step, target_dir, workspace_root};
use measure::median;
use sandbox::{SandboxProcess, SandboxSpec};

/// Options of `cargo xtask bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Measured runs per end-to-end client (the median counts; one warm-up run comes first).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// EOBs of the end-to-end beneficiary.
    #[arg(long, default_value_t = 1000)]
    eobs: usize,
    /// Skip the end-to-end section.
    #[arg(long)]
    skip_e2e: bool,
    /// Skip the official Python SDK (needs python3 and the package registry).
    #[arg(long)]
    skip_python: bool,
    /// Skip the CLI rows.
    #[arg(long)]
    skip_cli: bool,
    /// Skip the parse section.
    #[arg(long)]
    skip_parse: bool,
    /// Skip the concurrency section.
    #[arg(long)]
    skip_concurrency: bool,
    /// Skip the streaming-memory section.
    #[arg(long)]
    skip_memory: bool,
    /// Also time a clean debug build of the facade in target/bench/build-target (minutes).
    #[arg(long)]
    build: bool,
}

/// The release binaries and working directory of one run.
struct Bins {
    release: PathBuf,
    bench_dir: PathBuf,
    cli_ready: Result<PathBuf, String>,
}

impl Bins {
    fn bin(&self, name: &str) -> PathBuf {
        self.release.join(name)
    }
}

/// Runs the benchmark.
pub(crate) fn run(args: &BenchArgs) -> Result<(), StepFailed> {
    let bench_dir = target_dir().join("bench");
    std::fs::create_dir_all(&bench_dir)
        .map_err(|e| failed("create target/bench", e.to_string()))?;
    let mut build = cargo();
    build.args(["build", "--release", "-p", "bluebutton-bench"]);
    run_step("cargo build --release -p bluebutton-bench", build)?;
    let cli_ready = if args.skip_cli || args.skip_e2e {
        Err("skipped (--skip-cli)".to_owned())
    } else {
        let mut build = cargo();
        build.args(["build", "--release", "-p", "bluebutton-cli"]);
        match run_step("cargo build --release -p bluebutton-cli", build) {
            Ok(()) => Ok(target_dir().join("release").join("bluebutton")),
            Err(e) => Err(format!("skipped: CLI not ready ({})", e.detail)),
        }
    };
    let bins = Bins {
        release: target_dir().join("release"),
        bench_dir,
        cli_ready,
    };
    let started = Instant::now();
    let mut results = json!({
        "machine": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)},
    });
    results["e2e"] = if args.skip_e2e {
        json!({"skipped": "--skip-e2e"})
    } else {
        e2e(args, &bins).unwrap_or_else(|e| json!({"failed": e}))
    };
    results["parse"] = if args.skip_parse {
        json!({"skipped": "--skip-parse"})
    } else {
        parse(&bins).unwrap_or_else(|e| json!({"failed": e}))
    };
    results["concurrency"] = if args.skip_concurrency {
        json!({"skipped": "--skip-concurrency"})
    } else {
        concurrency(&bins).unwrap_or_else(|e| json!({"failed": e}))
    };
    results["memory"] = if args.skip_memory {
        json!({"skipped": "--skip-memory"})
    } else {
        memory(&bins).unwrap_or_else(|e| json!({"failed": e}))
    };
    results["build"] = if args.build {
        build_cost(&bins).unwrap_or_else(|e| json!({"failed": e}))
    } else {
        json!({"skipped": "not measured by default: pass --build (a clean debug build takes minutes)"})
    };
    results["goals"] = report::goals(&results);
    results["elapsed_s"] = json!(started.elapsed().as_secs_f64());
    let path = bins.bench_dir.join("results.json");
    let text = serde_json::to_string_pretty(&results).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| failed("write results.json", e.to_string()))?;
    let table = report::markdown(&results);
    println!();
    println!("{table}");
    println!("Results: {}", path.display());
    let page = docs::page(&table);
    let docs = workspace_root().join("docs").join("benchmarks.md");
    std::fs::create_dir_all(workspace_root().join("docs"))
        .and_then(|()| std::fs::write(&docs, page))
        .map_err(|e| failed("write docs/benchmarks.md", e.to_string()))?;
    println!("Written: {}", docs.display());
    Ok(())
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// One measured run of a client: wall and CPU seconds, and its own report.
struct Sample {
    wall: f64,
    cpu: f64,
    report: Value,
}

/// The end-to-end clients, in the order they run in each round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Client {
    Raw,
    Facade,
    Cli,
    Python,
}

impl Client {
    fn key(self) -> &'static str {
        match self {
            Client::Raw => "raw",
            Client::Facade => "facade",
            Client::Cli => "cli",
            Client::Python => "python",
        }
    }
}

fn e2e(args: &BenchArgs, bins: &Bins) -> Result<Value, String> {
    println!(
        "==> end to end: 1 beneficiary, {} EOBs, _count=50",
        args.eobs
    );
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port()?);
    let mut sandbox = SandboxProcess::start(
        &bins.bin("bench-sandbox"),
        &SandboxSpec {
            beneficiaries: 1,
            claims: args.eobs,
            token_ttl_secs: 3600,
            redirect_uri,
        },
    )?;
    let expect = args.eobs.to_string();
    let python = if args.skip_python {
        Err("skipped (--skip-python)".to_owned())
    } else {
        python::venv_python(&bins.bench_dir).map_err(|e| format!("skipped: {e}"))
    };
    let cli = match &bins.cli_ready {
        Ok(bin) => cli::CliRunner::new(
            bin.clone(),
            bins.bin("bench-browser"),
            &bins.bench_dir.join("cli"),
            &sandbox,
        )
        .map(Some),
        Err(_) => Ok(None),
    }?;
    let once = |client: Client, sandbox: &SandboxProcess, check: bool| -> Result<Sample, String> {
        match client {
            Client::Raw | Client::Facade => {
                let name = if client == Client::Raw {
                    "bench-raw"
                } else {
                    "bench-facade"
                };
                let run = measure::run(
                    Command::new(bins.bin(name))
                        .args(sandbox.app_args())
                        .args(["--count", "50", "--expect", &expect]),
                )?
                .success()?;
                Ok(Sample {
                    wall: run.wall.as_secs_f64(),
                    cpu: run.cpu.as_secs_f64(),
                    report: run.report()?,
                })
            }
            Client::Cli => {
                let Some(cli) = &cli else {
                    return Err("CLI not built".to_owned());
                };
                let out = bins.bench_dir.join("cli").join("eob.ndjson");
                let run = cli.run(check.then_some(out.as_path()))?;
                let mut report = json!({
                    "login_cpu_s": run.login_cpu.as_secs_f64(),
                    "eob_cpu_s": run.eob_cpu.as_secs_f64(),
                });
                if check {
                    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
                    let lines = text.lines().count();
                    if lines != args.eobs {
                        return Err(format!("expected {} NDJSON lines, got {lines}", args.eobs));
                    }
                    report["eobs"] = json!(lines);
                    let _ = std::fs::remove_file(&out);
                }
                Ok(Sample {
                    wall: run.wall.as_secs_f64(),
                    cpu: run.cpu.as_secs_f64(),
                    report,
                })
            }
            Client::Python => {
                let Ok(python) = &python else {
                    return Err("no venv".to_owned());
                };
                let run = measure::run(
                    Command::new(python)
                        .arg(
                            workspace_root()
                                .join("xtask")
                                .join("suites")
                                .join("official_sdk_bench.py"),
                        )
                        .env("BB_BASE_URL", &sandbox.base_url)
                        .env("BB_CLIENT_ID", sandbox::CLIENT_ID)
                        .env("BB_CLIENT_SECRET", sandbox::CLIENT_SECRET)
                        .env("BB_REDIRECT_URI", &sandbox.redirect_uri)
                        .env("BB_COUNT", "50")
                        .env("BB_EXPECT", &expect),
                )?
                .success()?;
                Ok(Sample {
                    wall: run.wall.as_secs_f64(),
                    cpu: run.cpu.as_secs_f64(),
                    report: run.report()?,
                })
            }
        }
    };
    let mut rows = serde_json::Map::new();
    let mut active = Vec::new();
    for client in [Client::Raw, Client::Facade, Client::Cli, Client::Python] {
        let skipped = match client {
            Client::Cli => bins.cli_ready.as_ref().err().cloned(),
            Client::Python => python.as_ref().err().cloned(),
            _ => None,
        };
        if let Some(reason) = skipped {
            rows.insert(client.key().to_owned(), json!({"skipped": reason}));
            continue;
        }
        // The warm-up run checks the result and warms the sandbox's caches.
        match once(client, &sandbox, true) {
            Ok(_) => active.push(client),
            Err(e) => {
                println!("    {}: warm-up failed: {e}", client.key());
                rows.insert(client.key().to_owned(), json!({"failed": e}));
            }
        }
    }
    let mut samples: Vec<(Client, Vec<Sample>)> = active.iter().map(|c| (*c, Vec::new())).collect();
    for round in 0..args.runs {
        for (client, runs) in &mut samples {
            match once(*client, &sandbox, false) {
                Ok(sample) => {
                    println!(
                        "    round {}: {:<6} wall {:.3} s, cpu {:.3} s",
                        round + 1,
                        client.key(),
                        sample.wall,
                        sample.cpu
                    );
                    runs.push(sample);
                }
                Err(e) => println!("    round {}: {} failed: {e}", round + 1, client.key()),
            }
        }
    }
    let counters = sandbox.counters().unwrap_or(Value::Null);
    sandbox.stop();
    for (client, runs) in samples {
        let walls: Vec<f64> = runs.iter().map(|s| s.wall).collect();
        let cpus: Vec<f64> = runs.iter().map(|s| s.cpu).collect();
        let mut row = json!({
            "runs": runs.len(),
            "wall_s": median(&walls),
            "cpu_s": median(&cpus),
            "wall_all_s": walls,
            "cpu_all_s": cpus,
        });
        if let Some(last) = runs.last() {
            row["last_report"] = last.report.clone();
        }
        let reported = |key: &str| -> Vec<f64> {
            runs.iter().filter_map(|s| s.report[key].as_f64()).collect()
        };
        let fastest = |values: &[f64]| values.iter().copied().reduce(f64::min);
        let (median_key, fastest_key, key) = match client {
            Client::Python => ("pages_cpu_s", "pages_cpu_min_s", Some("pages_cpu_s")),
            Client::Cli => ("eob_cpu_s", "eob_cpu_min_s", Some("eob_cpu_s")),
            _ => ("", "", None),
        };
        if let Some(key) = key {
            let values = reported(key);
            row[median_key] = json!(median(&values));
            row[fastest_key] = json!(fastest(&values));
        }
        if client == Client::Python {
            row["flow_cpu_s"] = json!(median(&reported("flow_cpu_s")));
        }
        rows.insert(client.key().to_owned(), row);
    }
    Ok(json!({
        "eobs": args.eobs,
        "page_size": 50,
        "runs": args.runs,
        "clients": rows,
        "sandbox_counters": counters,
    }))
}

fn parse(bins: &Bins) -> Result<Value, String> {
    println!("==> parse throughput");
    let pages = workspace_root()
        .join("..")
        .join("shared")
        .join("fixtures")
        .join("sandbox")
        .join("v2-eob-pages");
    let run = measure::run(
        Command::new(bins.bin("bench-parse"))
            .arg("--pages-dir")
            .arg(&pages),
    )?
    .success()?;
    run.report()
}

fn concurrency(bins: &Bins) -> Result<Value, String> {
    const BENEFICIARIES: usize = 100;
    const EOBS: usize = 200;
    const TTL_SECS: u64 = 1;
    const SKEW_MS: u64 = 500;
    println!(
        "==> concurrency: {BENEFICIARIES} beneficiaries x {EOBS} EOBs, token TTL {TTL_SECS} s"
    );
    let mut sandbox = SandboxProcess::start(
        &bins.bin("bench-sandbox"),
        &SandboxSpec {
            beneficiaries: BENEFICIARIES,
            claims: EOBS,
            token_ttl_secs: TTL_SECS,
            redirect_uri: "http://127.0.0.1:8765/callback".to_owned(),
        },
    )?;
    let before = sandbox.counters()?;
    let mut command = Command::new(bins.bin("bench-concurrent"));
    command
        .args(sandbox.app_args())
        .arg(format!("--patients={}", sandbox.beneficiaries.join(",")))
        .args(["--count", "50", "--skew-ms", &SKEW_MS.to_string()])
        .args(["--expect-each", &EOBS.to_string(), "--wait-for-go"]);
    let run = measure::run_paused(&mut command, "authorized", || sandbox.counters())?;
    let (run, authorized) = (run.0.success()?, run.1?);
    let after = sandbox.counters()?;
    sandbox.stop();
    let delta = |from: &Value, key: &str| {
        after[key].as_u64().unwrap_or(0) - from[key].as_u64().unwrap_or(0)
    };
    let mut report = run.report()?;
    report["sandbox"] = json!({
        "refreshes": delta(&before, "refreshes"),
        "refresh_token_reuses": delta(&before, "refresh_token_reuses"),
        "connections": delta(&before, "connections"),
        "connections_while_fetching": delta(&authorized, "connections"),
        "fhir_requests": delta(&before, "fhir_requests"),
        "codes_exchanged": delta(&before, "codes_exchanged"),
    });
    // Page GETs beyond one per page are replays after a 401 (a token the client still thought
    // valid had expired on the server by the time its request got there).
    let pages = (BENEFICIARIES * EOBS.div_ceil(50)) as u64;
    report["sandbox"]["replays_after_401"] = json!(
        report["sandbox"]["fhir_requests"]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(pages)
    );
    report["token_ttl_s"] = json!(TTL_SECS);
    report["refresh_skew_ms"] = json!(SKEW_MS);
    report["process_cpu_s"] = json!(run.cpu.as_secs_f64());
    report["process_wall_s"] = json!(run.wall.as_secs_f64());
    Ok(report)
}

fn memory(bins: &Bins) -> Result<Value, String> {
    const EOBS: usize = 10_000;
    const RUNS: usize = 3;
    println!("==> memory: stream {EOBS} EOBs with resources() ({RUNS} runs)");
    let mut sandbox = SandboxProcess::start(
        &bins.bin("bench-sandbox"),
        &SandboxSpec {
            beneficiaries: 1,
            claims: EOBS,
            token_ttl_secs: 3600,
            redirect_uri: "http://127.0.0.1:8765/callback".to_owned(),
        },
    )?;
    let probe = measure::run(
        Command::new(bins.bin("bench-stream"))
            .args(sandbox.app_args())
            .args(["--count", "50", "--probe"]),
    )?
    .success()?
    .report()?;
    // Peak RSS varies a little with allocator timing: the run with the median peak counts.
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let stream = measure::run(
            Command::new(bins.bin("bench-stream"))
                .args(sandbox.app_args())
                .args(["--count", "50", "--expect", &EOBS.to_string()]),
        )?
        .success()?;
        let mut report = stream.report()?;
        report["process_cpu_s"] = json!(stream.cpu.as_secs_f64());
        runs.push(report);
    }
    sandbox.stop();
    let peak = |r: &Value| r["peak_rss_bytes"].as_f64().unwrap_or(f64::NAN);
    let middle = median(&runs.iter().map(peak).collect::<Vec<_>>());
    let mut report = runs
        .iter()
        .find(|r| Some(peak(r)) == middle)
        .cloned()
        .ok_or("no streaming run reported its peak RSS")?;
    report["peak_rss_bytes_of_runs"] = runs.iter().map(|r| r["peak_rss_bytes"].clone()).collect();
    report["probe"] = probe;
    Ok(report)
}

fn build_cost(bins: &Bins) -> Result<Value, String> {
    let dir: &Path = &bins.bench_dir.join("build-target");
    println!(
        "==> clean debug build of the facade (cargo build -p bluebutton) in {}",
        dir.display()
    );
    let _ = std::fs::remove_dir_all(dir);
    let mut build = cargo();
    build
        .args(["build", "-p", "bluebutton", "--target-dir"])
        .arg(dir);
    let started = Instant::now();
    run_step("cargo build -p bluebutton (clean, debug)", build).map_err(|e| e.to_string())?;
    Ok(json!({"clean_debug_build_s": started.elapsed().as_secs_f64(), "target_dir": dir}))
}
