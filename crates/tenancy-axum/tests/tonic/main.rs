//! `TenantLayer` in a real tonic server (`Server::builder().layer(..)`), called over TCP on
//! 127.0.0.1 by a real tonic client: calls run in the tenant named by their metadata, and every
//! rejection reaches the client as a `tonic::Status` with the matching code.

mod whoami;

use std::net::SocketAddr;

use http_body_util::BodyExt;
use rand::RngExt;
use tenancy_axum::TenantLayer;
use tenancy_axum::lookup::{CachedLookup, LookupError};
use tenancy_axum::rate_limit::{Quota, TenantRateLimitLayer};
use tenancy_axum::resolver::{Chain, HeaderResolver, JwtClaimResolver, VerifiedClaims};
use tenancy_core::TenantId;
use tokio::net::TcpListener;
use tonic::Code;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Server};
use tower::{Layer, ServiceBuilder, ServiceExt};
use whoami::{WhoamiServer, call};

const CALLS: usize = 2_000;
const TENANTS: u64 = 300;

/// A listener on a free port of 127.0.0.1, and a client channel that connects to it on first use.
async fn listen() -> (TcpIncoming, Channel) {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind 127.0.0.1:0");
    let address = listener.local_addr().expect("local address");
    let channel = Channel::from_shared(format!("http://{address}"))
        .expect("valid URI")
        .connect_lazy();
    (TcpIncoming::from(listener), channel)
}

/// A server with the plain header-resolving layer, and a channel to it.
async fn header_server() -> Channel {
    let (incoming, channel) = listen().await;
    let server = Server::builder()
        .layer(TenantLayer::new(HeaderResolver::default()))
        .add_service(WhoamiServer)
        .serve_with_incoming(incoming);
    tokio::spawn(server);
    channel
}

/// Asserts that the call failed with `code` and a message that names the reason.
fn assert_status(
    result: Result<String, tonic::Status>,
    code: Code,
    message: &str,
) -> tonic::Status {
    let status = result.expect_err("the call must be rejected");
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(status.message(), message, "{status:?}");
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_each_run_in_the_tenant_of_their_metadata() {
    let channel = header_server().await;

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..CALLS {
        let tenant = rand::rng().random_range(1..=TENANTS);
        let channel = channel.clone();
        // Plain `tokio::spawn`: the client task itself has no tenant.
        calls.spawn(async move {
            let reply = call(channel, &[("x-tenant", &tenant.to_string())]).await;
            (tenant, reply)
        });
    }
    let mut bled = 0;
    let mut answered = 0;
    while let Some(joined) = calls.join_next().await {
        let (tenant, reply) = joined.expect("client task");
        let reply = reply.expect("a call with a tenant succeeds");
        answered += 1;
        if reply != format!("{tenant}|{tenant}|{tenant}") {
            bled += 1;
            eprintln!("tenant {tenant} saw {reply}");
        }
    }
    assert_eq!((answered, bled), (CALLS, 0));
}

#[tokio::test]
async fn a_call_without_a_well_formed_tenant_is_invalid_argument() {
    let channel = header_server().await;

    assert_status(
        call(channel.clone(), &[]).await,
        Code::InvalidArgument,
        "the request names no tenant: header x-tenant is missing",
    );
    let status = assert_status(
        call(channel.clone(), &[("x-tenant", "not a key!")]).await,
        Code::InvalidArgument,
        "malformed tenant key in header x-tenant: \
         a tenant key has only ASCII letters, digits, '-', '_' and '.'",
    );
    // The key from the request is never echoed back.
    assert!(!status.message().contains("not a key"));
    // The same server still serves a call that names its tenant.
    assert_eq!(
        call(channel, &[("x-tenant", "7")]).await.expect("call"),
        "7|7|7"
    );
}

#[tokio::test]
async fn an_unknown_slug_is_not_found_when_routes_are_wrapped_directly() {
    let slugs = CachedLookup::new(|slug: String| async move {
        Ok::<_, LookupError>((slug == "acme").then_some(TenantId::Int(1)))
    });
    let (incoming, channel) = listen().await;
    // The layer wraps tonic's `Routes` as they are: no axum router in between.
    let server = Server::builder()
        .layer(TenantLayer::new(HeaderResolver::default().keys(slugs)))
        .serve_with_incoming(Routes::new(WhoamiServer), incoming);
    tokio::spawn(server);

    assert_eq!(
        call(channel.clone(), &[("x-tenant", "acme")])
            .await
            .expect("call"),
        "1|1|1"
    );
    assert_status(
        call(channel, &[("x-tenant", "globex")]).await,
        Code::NotFound,
        "no tenant matches this request",
    );
}

#[tokio::test]
async fn a_tenant_over_quota_is_resource_exhausted_and_others_are_served() {
    let (incoming, channel) = listen().await;
    let server = Server::builder()
        .layer(TenantLayer::new(HeaderResolver::default()))
        .layer(TenantRateLimitLayer::new(Quota::per_minute(6).burst(2)))
        .add_service(WhoamiServer)
        .serve_with_incoming(incoming);
    tokio::spawn(server);

    for _ in 0..2 {
        assert_eq!(
            call(channel.clone(), &[("x-tenant", "1")])
                .await
                .expect("within burst"),
            "1|1|1"
        );
    }
    let status = assert_status(
        call(channel.clone(), &[("x-tenant", "1")]).await,
        Code::ResourceExhausted,
        "too many requests for this tenant: retry after 10 s",
    );
    assert_eq!(
        status
            .metadata()
            .get("retry-after")
            .map(|v| v.to_str().ok()),
        Some(Some("10"))
    );
    assert_eq!(
        call(channel, &[("x-tenant", "2")]).await.expect("tenant 2"),
        "2|2|2"
    );
}

#[tokio::test]
async fn claims_and_metadata_must_agree() {
    // Stands in for the application's authentication layer: it has verified the token whose
    // `tenant_id` claim is the text after `Bearer `, and stores the claims for the resolver.
    let authenticate = |mut request: http::Request<tonic::body::Body>| {
        let tenant = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        if let Some(tenant) = tenant {
            let claims = VerifiedClaims::from_value(serde_json::json!({ "tenant_id": tenant }));
            request.extensions_mut().insert(claims);
        }
        request
    };
    let resolver = Chain::new()
        .require(JwtClaimResolver::new("tenant_id"))
        .optional(HeaderResolver::default());
    let (incoming, channel) = listen().await;
    let server = Server::builder()
        .layer(
            ServiceBuilder::new()
                .map_request(authenticate)
                .layer(TenantLayer::new(resolver)),
        )
        .add_service(WhoamiServer)
        .serve_with_incoming(incoming);
    tokio::spawn(server);

    let status = assert_status(
        call(channel.clone(), &[("x-tenant", "1")]).await,
        Code::Unauthenticated,
        "authentication required: JWT claim tenant_id is missing",
    );
    assert_eq!(
        status
            .metadata()
            .get("www-authenticate")
            .map(|v| v.to_str().ok()),
        Some(Some("Bearer"))
    );
    assert_status(
        call(
            channel.clone(),
            &[("authorization", "Bearer 1"), ("x-tenant", "2")],
        )
        .await,
        Code::PermissionDenied,
        "the tenant sources of this request disagree",
    );
    let agreeing = call(
        channel.clone(),
        &[("authorization", "Bearer 1"), ("x-tenant", "1")],
    );
    assert_eq!(agreeing.await.expect("agreeing sources"), "1|1|1");
    let claim_only = call(channel, &[("authorization", "Bearer 3")]);
    assert_eq!(claim_only.await.expect("claim only"), "3|3|3");
}

#[tokio::test]
async fn routes_answer_grpc_calls_with_a_status_and_others_with_a_problem() {
    let service = TenantLayer::new(HeaderResolver::default()).layer(Routes::new(WhoamiServer));
    let request = |content_type: &str| {
        http::Request::post("/tenancy.test.Whoami/Get")
            .header("content-type", content_type)
            .body(tonic::body::Body::empty())
            .expect("request")
    };

    let grpc = service
        .clone()
        .oneshot(request("application/grpc"))
        .await
        .expect("infallible");
    assert_eq!(grpc.status(), 200);
    assert_eq!(grpc.headers()["grpc-status"], "3");
    assert_eq!(grpc.headers()["content-type"], "application/grpc");
    let body = grpc.into_body().collect().await.expect("body").to_bytes();
    assert!(body.is_empty(), "trailers-only: {body:?}");

    let plain = service
        .oneshot(request("application/json"))
        .await
        .expect("infallible");
    assert_eq!(plain.status(), 400);
    assert_eq!(plain.headers()["content-type"], "application/problem+json");
    assert!(plain.headers().get("grpc-status").is_none());
    let body = plain.into_body().collect().await.expect("body").to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(problem["type"], "urn:tenancy:problem:missing-tenant");
}
