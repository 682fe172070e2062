//! Operational endpoints: liveness, readiness, metrics, the OpenAPI document, and the fallback.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::problem;
use crate::state::AppState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers (503 otherwise).
pub async fn readyz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.raw)
        .await
    {
        Ok(_) => Json(json!({ "status": "ready" })).into_response(),
        Err(error) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the database does not answer: {error}"),
            None,
        ),
    }
}

/// `GET /metrics`: Prometheus text format. Pool and queue gauges are sampled on scrape.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let metrics = &state.metrics;
    metrics.db_connections.set(i64::from(state.raw.size()));
    metrics
        .db_idle
        .set(i64::try_from(state.raw.num_idle()).unwrap_or(i64::MAX));
    match state.jobs.depth().await {
        Ok(depth) => metrics
            .queue_depth
            .set(i64::try_from(depth).unwrap_or(i64::MAX)),
        Err(error) => tracing::warn!(error = format!("{error:#}"), "queue depth unavailable"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
        .into_response()
}

/// `GET /openapi.json`.
pub async fn openapi() -> Json<serde_json::Value> {
    Json(super::openapi::document())
}

/// Any unknown path: 404 problem.
pub async fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "no such route", None)
}

/// A known path with the wrong method: 405 problem.
pub async fn method_not_allowed() -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not take that method",
        None,
    )
}
