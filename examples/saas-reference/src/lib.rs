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

/// Runs the app in `mode` until SIGINT or SIGTERM.
///
/// # Errors
/// Start-up failures (configuration, database, broker, port in use).
pub async fn run(config: Config, mode: Mode) -> anyhow::Result<()> {
    run_until(config, mode, shutdown_signal()).await
}

/// Runs the app in `mode` until `shutdown` resolves (tests pass their own trigger).
///
/// `migrate` needs only PostgreSQL: it applies the migrations whatever `RUN_MIGRATIONS` says and
/// exits without touching Redis or RabbitMQ. `serve` and `worker` apply them at start-up only
/// when `RUN_MIGRATIONS` is on (the default, so the embedded default needs no set-up step).
///
/// # Errors
/// Start-up failures (configuration, database, broker, port in use).
pub async fn run_until(
    config: Config,
    mode: Mode,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if mode == Mode::Migrate {
        let url = db::database_url(&config).await?;
        db::connect(&url, 2, true).await?;
        tracing::info!("migrations applied");
        return Ok(());
    }
    let bind_addr = config.bind_addr;
    let metrics_addr = config.metrics_addr;
    let in_process_worker = config.in_process_worker;
    let state = AppState::connect(config).await?;
    let (stop, stopped) = watch::channel(false);
    if mode == Mode::Worker {
        let listener = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {metrics_addr} (METRICS_ADDR): {e}"))?;
        tracing::info!(
            "worker metrics on http://{}/metrics",
            listener.local_addr()?
        );
        let metrics = tokio::spawn(http::serve_worker_metrics(
            state.clone(),
            listener,
            stopped.clone(),
        ));
        let worker = tokio::spawn(jobs::worker::work(state, stopped));
        shutdown.await;
        stop.send_replace(true);
        worker.await??;
        return metrics.await?;
    }
    let worker =
        in_process_worker.then(|| tokio::spawn(jobs::worker::work(state.clone(), stopped)));
    let listener = tokio::net::TcpListener::bind(bind_addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind_addr} (BIND_ADDR): {e}"))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    stop.send_replace(true);
    if let Some(worker) = worker {
        worker.await??;
    }
    Ok(())
}
