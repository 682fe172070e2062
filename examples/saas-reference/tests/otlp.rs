//! OTLP export: spans of an HTTP request reach a collector (a local OTLP/HTTP server this test
//! starts, decoding the protobuf bodies) with the service name and the request's `tenant_id`.
//!
//! Its own test binary: the global tracing subscriber can be installed once per process.

mod common;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use common::{app, slug};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use saas_reference::Config;
use serde_json::json;
use tokio::sync::mpsc;

/// Starts a collector on 127.0.0.1:0 that forwards every decoded export request.
async fn collector() -> anyhow::Result<(String, mpsc::UnboundedReceiver<ExportTraceServiceRequest>)>
{
    let (sender, receiver) = mpsc::unbounded_channel();
    let router = Router::new().route(
        "/v1/traces",
        post(move |headers: HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                let protobuf = headers
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|v| v == "application/x-protobuf");
                match ExportTraceServiceRequest::decode(body) {
                    Ok(request) if protobuf => {
                        let _ = sender.send(request);
                        (
                            StatusCode::OK,
                            [(header::CONTENT_TYPE, "application/x-protobuf")],
                        )
                    }
                    _ => (
                        StatusCode::BAD_REQUEST,
                        [(header::CONTENT_TYPE, "text/plain")],
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, receiver))
}

fn text(value: Option<&AnyValue>) -> Option<&str> {
    match value?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| text(kv.value.as_ref()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_are_exported_with_the_tenant() -> anyhow::Result<()> {
    let (endpoint, mut exports) = collector().await?;
    let config = Config::from_lookup(|name| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint.clone()),
        "OTEL_SERVICE_NAME" => Some("saas-otlp-test".to_owned()),
        _ => None,
    })?;
    let telemetry = saas_reference::telemetry::init(&config)?;
    assert!(telemetry.exporting());

    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let created = app
        .post("/v1/projects", &acme.access, json!({"name": "Traced"}))
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // Flushes the batch: every span ended so far is sent before this returns.
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;

    let mut spans: Vec<Span> = Vec::new();
    while let Ok(Some(export)) =
        tokio::time::timeout(Duration::from_millis(500), exports.recv()).await
    {
        for resource_spans in export.resource_spans {
            let resource = resource_spans.resource.unwrap_or_default();
            assert_eq!(
                attribute(&resource.attributes, "service.name"),
                Some("saas-otlp-test")
            );
            spans.extend(
                resource_spans
                    .scope_spans
                    .into_iter()
                    .flat_map(|scope| scope.spans),
            );
        }
    }
    let request = spans
        .iter()
        .find(|s| {
            s.name == "request"
                && attribute(&s.attributes, "path") == Some("/v1/projects")
                && attribute(&s.attributes, "method") == Some("POST")
        })
        .ok_or_else(|| anyhow::anyhow!("no request span among {} spans", spans.len()))?;
    let tenant = acme.id.to_string();
    let scoped = spans
        .iter()
        .find(|s| s.name == "tenant_scope" && s.parent_span_id == request.span_id)
        .ok_or_else(|| anyhow::anyhow!("the request span has no tenant_scope child"))?;
    assert_eq!(scoped.trace_id, request.trace_id);
    assert_eq!(
        attribute(&scoped.attributes, "tenant_id"),
        Some(tenant.as_str())
    );
    Ok(())
}
