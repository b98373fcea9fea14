//! `bluebutton`: the command-line client of the CMS Blue Button 2.0 API (see the
//! `bluebutton_cli` library for everything).

fn main() -> std::process::ExitCode {
    bluebutton_cli::main()
}
