//! `bluebutton`: the command-line client of the CMS Blue Button 2.0 API (see the
//! `bluebutton_cli` library for everything).

/// mimalloc rather than the system allocator: glibc returns each freed page body to the
/// kernel and faults the next one in afresh (2,600 page faults and a fifth of the CPU of a
/// 1,000-claim download); mimalloc reuses them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    bluebutton_cli::main()
}
