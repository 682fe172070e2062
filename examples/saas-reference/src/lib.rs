//! The reference multi-tenant SaaS built on the tenancy SDK (see the README).
//!
//! Start it with [`run`] (what `cargo run -p saas-reference` does), or build the pieces for
//! tests: [`state::AppState::connect`] then [`http::router`].

pub mod auth;
pub mod billing;
pub mod cache;
pub mod config;
pub mod db;
pub mod domain;
pub mod embedded_db;
pub mod error;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod state;
pub mod telemetry;

use tokio::sync::watch;

pub use config::Config;
pub use state::AppState;

/// What the binary was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Serve HTTP (and, with `IN_PROCESS_WORKER`, run jobs).
    Serve,
    /// Run jobs only.
    Worker,
    /// Apply migrations and exit.
    Migrate,
}

/// Resolves when SIGINT or SIGTERM arrives.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests and jobs");
}

/// Runs the app in `mode` until a shutdown signal.
///
/// # Errors
/// Start-up failures (configuration, database, broker, port in use).
pub async fn run(config: Config, mode: Mode) -> anyhow::Result<()> {
    let bind_addr = config.bind_addr;
    let in_process_worker = config.in_process_worker;
    let state = AppState::connect(config).await?;
    let (stop, stopped) = watch::channel(false);
    match mode {
        Mode::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Mode::Worker => {
            let worker = tokio::spawn(jobs::worker::work(state, stopped));
            shutdown_signal().await;
            stop.send_replace(true);
            worker.await?
        }
        Mode::Serve => {
            let worker =
                in_process_worker.then(|| tokio::spawn(jobs::worker::work(state.clone(), stopped)));
            let listener = tokio::net::TcpListener::bind(bind_addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {bind_addr} (BIND_ADDR): {e}"))?;
            tracing::info!("listening on http://{}", listener.local_addr()?);
            axum::serve(listener, http::router(state))
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            stop.send_replace(true);
            if let Some(worker) = worker {
                worker.await??;
            }
            Ok(())
        }
    }
}
