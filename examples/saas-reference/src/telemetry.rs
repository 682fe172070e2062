//! Logging and tracing set-up. Spans carry `tenant_id` (the SDK's tenant scope opens a
//! `tenant_scope` span) and `request_id`.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::Config;

/// Installs the global subscriber: text or JSON logs filtered by `RUST_LOG` (default `info`).
/// With `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans would also be exported: see the README.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let installed = if config.log_json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true),
            )
            .try_init()
    } else {
        registry.with(tracing_subscriber::fmt::layer()).try_init()
    };
    if installed.is_err() {
        return;
    }
    if let Some(endpoint) = &config.otlp_endpoint {
        tracing::warn!(%endpoint, "OTLP export is not built into this binary yet; logs only");
    }
}
