//! `cargo run --example custom_stack`: config + transport + auth without the facade, against
//! the embedded sandbox.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match bluebutton_examples::custom_stack::run_sandbox(&mut std::io::stdout()).await {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
