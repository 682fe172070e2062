//! Prometheus metrics. Labels are bounded: route templates (`/v1/projects/{id}`), methods,
//! statuses and job kinds, never tenant ids (a million tenants would be a million series).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::state::AppState;

/// The app's metrics and their registry.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
    /// `saas_http_requests_total{method, route, status}`.
    pub requests: IntCounterVec,
    /// `saas_http_request_duration_seconds{method, route}`.
    pub latency: HistogramVec,
    /// `saas_jobs_total{kind, outcome}`: attempts run, `ok` or `error`.
    pub jobs: IntCounterVec,
    /// `saas_jobs_retried_total{kind}`: failed attempts scheduled to run again.
    pub jobs_retried: IntCounterVec,
    /// `saas_jobs_dead_lettered_total{kind}`: jobs given up on (dead-letter queue).
    pub jobs_dead: IntCounterVec,
    /// `saas_db_pool_connections` (open) and `saas_db_pool_idle_connections`.
    pub db_connections: IntGauge,
    /// Idle pool connections.
    pub db_idle: IntGauge,
    /// `saas_job_queue_depth`: jobs waiting.
    pub queue_depth: IntGauge,
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    ///
    /// # Errors
    /// Only on duplicate registration (a bug).
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "saas_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("saas_http_request_duration_seconds", "HTTP request latency")
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ]),
            &["method", "route"],
        )?;
        let jobs = IntCounterVec::new(
            Opts::new("saas_jobs_total", "Jobs run by kind and outcome"),
            &["kind", "outcome"],
        )?;
        let jobs_retried = IntCounterVec::new(
            Opts::new(
                "saas_jobs_retried_total",
                "Failed job attempts scheduled again",
            ),
            &["kind"],
        )?;
        let jobs_dead = IntCounterVec::new(
            Opts::new("saas_jobs_dead_lettered_total", "Jobs dead-lettered"),
            &["kind"],
        )?;
        let db_connections =
            IntGauge::new("saas_db_pool_connections", "Open database connections")?;
        let db_idle = IntGauge::new("saas_db_pool_idle_connections", "Idle database connections")?;
        let queue_depth = IntGauge::new("saas_job_queue_depth", "Jobs waiting to run")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(jobs_retried.clone()))?;
        registry.register(Box::new(jobs_dead.clone()))?;
        registry.register(Box::new(db_connections.clone()))?;
        registry.register(Box::new(db_idle.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            jobs,
            jobs_retried,
            jobs_dead,
            db_connections,
            db_idle,
            queue_depth,
        })
    }

    /// Counts how a failed or finished job was settled by its queue.
    pub fn job_settled(&self, kind: &str, settled: crate::jobs::Settled) {
        match settled {
            crate::jobs::Settled::Done => {}
            crate::jobs::Settled::Retrying => self.jobs_retried.with_label_values(&[kind]).inc(),
            crate::jobs::Settled::Dead => self.jobs_dead.with_label_values(&[kind]).inc(),
        }
    }

    /// The text exposition of every metric.
    #[must_use]
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::warn!(%error, "encoding metrics failed");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// Counts and times every request by its route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    state
        .metrics
        .requests
        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
        .inc();
    state
        .metrics
        .latency
        .with_label_values(&[method.as_str(), route.as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}
