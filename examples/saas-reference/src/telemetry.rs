//! Logging and tracing set-up. Spans carry `tenant_id` (the SDK's tenant scope opens a
//! `tenant_scope` span) and `request_id` (the `request` span of every HTTP request).
//!
//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set, every span is also exported over OTLP (HTTP with a
//! protobuf body, to `<endpoint>/v1/traces`, e.g. Jaeger's port 4318) under the service name
//! `OTEL_SERVICE_NAME`; span fields such as `tenant_id` become span attributes. Keep the
//! [`Telemetry`] guard alive for the life of the process and call [`Telemetry::shutdown`] at the
//! end so that the last batch of spans is sent.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::Config;

/// Owns the span exporter (when OTLP is configured). Dropping it flushes too, but
/// [`shutdown`](Self::shutdown) says so explicitly at the end of `main`.
#[derive(Debug, Default)]
#[must_use = "dropping the guard stops the span export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported over OTLP.
    #[must_use]
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends the spans still buffered and stops the exporter. Blocks for at most the export
    /// timeout when the collector does not answer.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "flushing spans to the OTLP endpoint failed");
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The OTLP/HTTP traces URL for an `OTEL_EXPORTER_OTLP_ENDPOINT` base URL (the specification
/// appends `/v1/traces` to the base).
fn traces_url(endpoint: &str) -> String {
    format!("{}/v1/traces", endpoint.trim_end_matches('/'))
}

fn tracer_provider(endpoint: &str, service_name: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces_url(endpoint))
        .build()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot build the OTLP exporter for {endpoint} (OTEL_EXPORTER_OTLP_ENDPOINT): {e}"
            )
        })?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .build())
}

/// Installs the global subscriber: text or JSON logs filtered by `RUST_LOG` (default `info`),
/// plus OTLP span export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. A second call (a subscriber
/// is already installed) changes nothing and returns a guard that exports nothing.
///
/// # Errors
/// The OTLP exporter cannot be built from the configured endpoint.
///
/// # Example
/// ```no_run
/// # fn main() -> anyhow::Result<()> {
/// let config = saas_reference::Config::from_env()?;
/// let telemetry = saas_reference::telemetry::init(&config)?;
/// // ... run the app ...
/// telemetry.shutdown();
/// # Ok(())
/// # }
/// ```
pub fn init(config: &Config) -> anyhow::Result<Telemetry> {
    let provider = config
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| tracer_provider(endpoint, &config.service_name))
        .transpose()?;
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("saas-reference"))
    });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
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
        return Ok(Telemetry::default());
    }
    if let Some(endpoint) = &config.otlp_endpoint {
        tracing::info!(
            endpoint = traces_url(endpoint),
            service_name = config.service_name,
            "exporting spans over OTLP/HTTP"
        );
    }
    Ok(Telemetry { provider })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_path_is_appended_to_the_base_url() {
        assert_eq!(
            traces_url("http://jaeger:4318"),
            "http://jaeger:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://jaeger:4318/"),
            "http://jaeger:4318/v1/traces"
        );
    }
}
