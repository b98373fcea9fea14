//! `docs/benchmarks.md`: the latest `cargo xtask bench` run as a page of the repository, with
//! the date, the command and the machine, so nobody rewrites figures by hand.

use time::OffsetDateTime;
use time::macros::format_description;

/// The page for a run whose Markdown report is `table`.
pub(crate) fn page(table: &str) -> String {
    let now = OffsetDateTime::now_utc();
    let date = now
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("cargo xtask {}", args.join(" "));
    format!(
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` after each run (do not edit by hand). Absolute times \
         depend on the machine and its load; the ratios are what the goals are about.\n\n\
         - Date: {date}\n\
         - Command: `{command}`\n\
         - Machine: {}\n\n\
         {table}\n",
        machine()
    )
}

/// CPU count and model, and memory, as far as the OS tells.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let kib: u64 = info
                .lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(format!(
                ", {:.0} GiB of memory",
                kib as f64 / 1024.0 / 1024.0
            ))
        })
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}){memory}, {}", std::env::consts::OS)
}
