//! The axum extractors and `Rejection` as an axum response.

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use tenancy_axum::resolver::HeaderResolver;
use tenancy_axum::{OptionalTenant, Rejection, Tenant, TenantLayer};
use tower::ServiceExt;

async fn call(app: Router, tenant: Option<&str>) -> (u16, String, Option<String>) {
    let mut request = http::Request::get("/");
    if let Some(tenant) = tenant {
        request = request.header("x-tenant", tenant);
    }
    let response = app
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .expect("body");
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        content_type,
    )
}

#[tokio::test]
async fn tenant_extractor_sees_the_resolved_tenant() {
    let app =
        Router::new()
            .route(
                "/",
                get(|Tenant(t): Tenant| async move {
                    format!("{t}:{:?}", tenancy_core::current().ok())
                }),
            )
            .layer(TenantLayer::new(HeaderResolver::default()));
    let (status, body, _) = call(app, Some("42")).await;
    assert_eq!((status, body.as_str()), (200, "42:Some(Int(42))"));
}

#[tokio::test]
async fn tenant_extractor_without_a_layer_is_a_500_problem() {
    let app = Router::new().route("/", get(|Tenant(t): Tenant| async move { t.to_string() }));
    let (status, body, content_type) = call(app, Some("42")).await;
    assert_eq!(status, 500);
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(doc["type"], "urn:tenancy:problem:tenant-layer-missing");
}

#[tokio::test]
async fn optional_tenant_on_public_routes() {
    let app = Router::new()
        .route(
            "/",
            get(
                |OptionalTenant(t): OptionalTenant, maybe: Option<Tenant>| async move {
                    assert_eq!(t, maybe.map(|Tenant(t)| t));
                    t.map_or_else(|| "public".to_owned(), |t| t.to_string())
                },
            ),
        )
        .layer(TenantLayer::new(HeaderResolver::default()).optional());
    assert_eq!(call(app.clone(), None).await.1, "public");
    assert_eq!(call(app.clone(), Some("acme")).await.1, "acme");
    assert_eq!(call(app, Some("a b")).await.0, 400);
}

#[tokio::test]
async fn rejections_are_axum_responses() {
    let app = Router::new().route("/", get(|| async { Err::<(), _>(Rejection::Disagreement) }));
    let (status, body, content_type) = call(app, None).await;
    assert_eq!(status, 403);
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert!(
        body.contains("urn:tenancy:problem:tenant-mismatch"),
        "{body}"
    );
}
