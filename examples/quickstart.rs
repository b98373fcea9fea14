//! `cargo run --example quickstart [-- --config FILE]`: connect a beneficiary and summarise
//! their Medicare data (the embedded sandbox when there is no configuration).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bluebutton_examples::quickstart::main(std::env::args().skip(1)).await
}
