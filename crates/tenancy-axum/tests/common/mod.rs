//! Helpers shared by the integration tests: a plain tower echo service and response checks.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::{Service, ServiceExt, service_fn};

/// The body type of the non-axum tests.
pub type Body = Full<Bytes>;

/// A plain tower service (no axum) answering `tenant=<current tenant> path=<path and query>`.
pub fn echo() -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone
{
    service_fn(|request: Request<Body>| async move {
        let tenant =
            tenancy_core::try_current().map_or_else(|| "none".to_owned(), |t| t.to_string());
        let text = format!(
            "tenant={tenant} path={}",
            request.uri().path_and_query().map_or("", |p| p.as_str())
        );
        Ok(Response::new(Full::from(text)))
    })
}

/// A GET request for `uri` with `headers`.
pub fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::default()).expect("valid test request")
}

/// Sends one request through `service` and collects the response.
pub async fn send<S>(service: S, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes)
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    let response = service
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .unwrap_or_else(|e| match e {})
        .to_bytes();
    (parts.status, parts.headers, bytes)
}

/// Asserts an `application/problem+json` answer with `status` and problem `type`, and returns
/// the document.
pub fn assert_problem(
    (status, headers, body): &(StatusCode, HeaderMap, Bytes),
    expected: u16,
    problem_type: &str,
) -> serde_json::Value {
    assert_eq!(status.as_u16(), expected, "status; body: {body:?}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let doc: serde_json::Value = serde_json::from_slice(body).expect("problem body is JSON");
    assert_eq!(doc["status"], expected);
    assert_eq!(doc["type"], problem_type);
    assert!(
        doc["title"].is_string() && doc["detail"].is_string(),
        "{doc}"
    );
    doc
}

/// Asserts a 200 whose echo names `tenant` and `path`.
pub fn assert_ok((status, _, body): &(StatusCode, HeaderMap, Bytes), tenant: &str, path: &str) {
    assert_eq!(*status, StatusCode::OK, "body: {body:?}");
    assert_eq!(body, &format!("tenant={tenant} path={path}"));
}
