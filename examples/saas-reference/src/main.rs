//! `saas-reference [serve|worker|migrate]`.

use saas_reference::{Config, Mode};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mode = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => Mode::Serve,
        Some("worker") => Mode::Worker,
        Some("migrate") => Mode::Migrate,
        Some(other) => anyhow::bail!("unknown command {other}; use serve, worker or migrate"),
    };
    let config = Config::from_env()?;
    let telemetry = saas_reference::telemetry::init(&config)?;
    let outcome = saas_reference::run(config, mode).await;
    // Blocking is fine here: the server and the worker have stopped.
    telemetry.shutdown();
    outcome
}
