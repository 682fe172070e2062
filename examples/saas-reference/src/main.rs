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
    saas_reference::telemetry::init(&config);
    saas_reference::run(config, mode).await
}
