//! Memory of this process from `/proc/self/status` (Linux): resident set size now and at peak.

/// A `kB` field of `/proc/self/status` in bytes (`None` off Linux or if absent).
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix(':')?;
        let kib: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kib * 1024)
    })
}

/// Peak resident set size (`VmHWM`) in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    status_field("VmHWM")
}

/// Current resident anonymous memory (`RssAnon`: heap and stacks, not code) in bytes.
pub fn rss_anon_bytes() -> Option<u64> {
    status_field("RssAnon")
}

/// Current resident set size (`VmRSS`) in bytes.
pub fn rss_bytes() -> Option<u64> {
    status_field("VmRSS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_memory_on_linux() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let now = rss_bytes().expect("VmRSS");
        let anon = rss_anon_bytes().expect("RssAnon");
        let peak = peak_rss_bytes().expect("VmHWM");
        assert!(
            peak >= now && now >= anon && anon > 0,
            "peak {peak} now {now} anon {anon}"
        );
    }
}
