//! Every resolver and every rejection, through `oneshot` on a plain tower service (no axum).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{assert_ok, assert_problem, echo, get, send};
use tenancy_axum::lookup::{CachedLookup, LookupError};
use tenancy_axum::resolver::{
    Chain, HeaderResolver, JwtClaimResolver, PathPrefixResolver, SubdomainResolver, VerifiedClaims,
    from_fn,
};
use tenancy_axum::{Rejection, TenantLayer};
use tenancy_core::TenantId;
use tower::Layer;

const MISSING: &str = "urn:tenancy:problem:missing-tenant";
const MALFORMED: &str = "urn:tenancy:problem:malformed-tenant";
const UNKNOWN: &str = "urn:tenancy:problem:unknown-tenant";
const MISMATCH: &str = "urn:tenancy:problem:tenant-mismatch";
const UNAUTHENTICATED: &str = "urn:tenancy:problem:unauthenticated";
const UNAVAILABLE: &str = "urn:tenancy:problem:tenant-lookup-unavailable";

/// Slugs `acme` → 1 and `globex` → 2; everything else is unknown.
fn slugs() -> CachedLookup<impl tenancy_axum::lookup::TenantLookup> {
    CachedLookup::new(|slug: String| async move {
        Ok::<_, LookupError>(match slug.as_str() {
            "acme" => Some(TenantId::Int(1)),
            "globex" => Some(TenantId::Int(2)),
            _ => None,
        })
    })
}

#[tokio::test]
async fn header_resolver_accepts_one_well_formed_header() {
    let svc = TenantLayer::new(HeaderResolver::default()).layer(echo());
    assert_ok(
        &send(svc.clone(), get("/a?b=1", &[("x-tenant", "42")])).await,
        "42",
        "/a?b=1",
    );
    assert_ok(
        &send(svc.clone(), get("/", &[("X-TENANT", "acme")])).await,
        "acme",
        "/",
    );

    let doc = assert_problem(&send(svc.clone(), get("/", &[])).await, 400, MISSING);
    assert!(
        doc["detail"]
            .as_str()
            .is_some_and(|d| d.contains("header x-tenant")),
        "{doc}"
    );
    assert_problem(
        &send(svc.clone(), get("/", &[("x-tenant", "a b")])).await,
        400,
        MALFORMED,
    );
    assert_problem(
        &send(svc.clone(), get("/", &[("x-tenant", "")])).await,
        400,
        MALFORMED,
    );
    let two = get("/", &[("x-tenant", "1"), ("x-tenant", "2")]);
    assert_problem(&send(svc, two).await, 400, MALFORMED);
}

#[tokio::test]
async fn header_resolver_maps_slugs_and_rejects_unknown_ones_without_echoing_them() {
    let svc = TenantLayer::new(HeaderResolver::default().keys(slugs())).layer(echo());
    assert_ok(
        &send(svc.clone(), get("/", &[("x-tenant", "globex")])).await,
        "2",
        "/",
    );
    let answer = send(svc, get("/", &[("x-tenant", "initech-secret")])).await;
    let doc = assert_problem(&answer, 404, UNKNOWN);
    assert!(
        !doc.to_string().contains("initech"),
        "the key is never echoed: {doc}"
    );
}

#[tokio::test]
async fn subdomain_resolver_handles_case_ports_www_ips_and_the_base_domain() {
    let svc = TenantLayer::new(SubdomainResolver::new("example.com").keys(slugs())).layer(echo());
    for host in [
        "acme.example.com",
        "ACME.Example.COM:8443",
        "acme.example.com.",
    ] {
        assert_ok(
            &send(svc.clone(), get("/", &[("host", host)])).await,
            "1",
            "/",
        );
    }
    // HTTP/2 and absolute-form requests carry the host in the URI.
    assert_ok(
        &send(svc.clone(), get("https://globex.example.com/x", &[])).await,
        "2",
        "/x",
    );
    for host in [
        "example.com",
        "www.example.com",
        "127.0.0.1:8080",
        "[::1]:80",
        "other.org",
    ] {
        assert_problem(
            &send(svc.clone(), get("/", &[("host", host)])).await,
            400,
            MISSING,
        );
    }
    assert_problem(&send(svc.clone(), get("/", &[])).await, 400, MISSING);
    for host in ["a.b.example.com", "-x.example.com", "a_b.example.com"] {
        assert_problem(
            &send(svc.clone(), get("/", &[("host", host)])).await,
            400,
            MALFORMED,
        );
    }
    assert_problem(
        &send(svc, get("/", &[("host", "nobody.example.com")])).await,
        404,
        UNKNOWN,
    );
}

#[tokio::test]
async fn path_prefix_resolver_strips_the_prefix_for_the_inner_service() {
    let svc = TenantLayer::new(PathPrefixResolver::new("/t").keys(slugs())).layer(echo());
    assert_ok(
        &send(svc.clone(), get("/t/acme/projects/7?page=2", &[])).await,
        "1",
        "/projects/7?page=2",
    );
    assert_ok(&send(svc.clone(), get("/t/globex", &[])).await, "2", "/");
    assert_problem(
        &send(svc.clone(), get("/projects", &[])).await,
        400,
        MISSING,
    );
    assert_problem(
        &send(svc.clone(), get("/t//projects", &[])).await,
        400,
        MALFORMED,
    );
    assert_problem(
        &send(svc.clone(), get("/t/%41cme/x", &[])).await,
        400,
        MALFORMED,
    );
    assert_problem(&send(svc, get("/t/nobody/x", &[])).await, 404, UNKNOWN);
}

fn with_claims(
    mut request: http::Request<common::Body>,
    claims: serde_json::Value,
) -> http::Request<common::Body> {
    request
        .extensions_mut()
        .insert(VerifiedClaims::from_value(claims));
    request
}

#[tokio::test]
async fn jwt_claim_resolver_reads_verified_claims_only() {
    let svc = TenantLayer::new(JwtClaimResolver::new("tenant_id")).layer(echo());
    let ok = with_claims(get("/", &[]), serde_json::json!({"tenant_id": 42}));
    assert_ok(&send(svc.clone(), ok).await, "42", "/");
    let text = with_claims(get("/", &[]), serde_json::json!({"tenant_id": "acme"}));
    assert_ok(&send(svc.clone(), text).await, "acme", "/");

    // No verified claims at all, even with an Authorization header the app did not verify.
    let anonymous = send(svc.clone(), get("/", &[("authorization", "Bearer forged")])).await;
    assert_problem(&anonymous, 401, UNAUTHENTICATED);
    assert_eq!(anonymous.1["www-authenticate"], "Bearer");
    let no_claim = with_claims(get("/", &[]), serde_json::json!({"sub": "u1"}));
    assert_problem(&send(svc.clone(), no_claim).await, 401, UNAUTHENTICATED);
    let bad = with_claims(get("/", &[]), serde_json::json!({"tenant_id": [1, 2]}));
    assert_problem(&send(svc, bad).await, 400, MALFORMED);
}

#[tokio::test]
async fn jwt_claim_resolver_reads_an_application_claims_type() {
    #[derive(Clone)]
    struct Claims {
        org: Option<String>,
    }
    let resolver =
        JwtClaimResolver::from_extension("org", |c: &Claims| c.org.clone()).keys(slugs());
    let svc = TenantLayer::new(resolver).layer(echo());
    let mut request = get("/", &[]);
    request.extensions_mut().insert(Claims {
        org: Some("acme".into()),
    });
    assert_ok(&send(svc.clone(), request).await, "1", "/");
    let mut request = get("/", &[]);
    request.extensions_mut().insert(Claims { org: None });
    assert_problem(&send(svc, request).await, 401, UNAUTHENTICATED);
}

#[tokio::test]
async fn chain_requires_every_present_source_to_agree() {
    let chain = Chain::new()
        .require(JwtClaimResolver::new("tenant_id"))
        .optional(HeaderResolver::default().keys(slugs()))
        .optional(SubdomainResolver::new("example.com").keys(slugs()));
    let svc = TenantLayer::new(chain).layer(echo());
    let token =
        |request, tenant: i64| with_claims(request, serde_json::json!({"tenant_id": tenant}));

    // Token alone, token + agreeing header, token + agreeing header + agreeing subdomain.
    assert_ok(&send(svc.clone(), token(get("/", &[]), 1)).await, "1", "/");
    let agree = token(
        get("/", &[("x-tenant", "acme"), ("host", "acme.example.com")]),
        1,
    );
    assert_ok(&send(svc.clone(), agree).await, "1", "/");

    // The header names another existing tenant, or an unknown one: the same 403 either way.
    let other = send(svc.clone(), token(get("/", &[("x-tenant", "globex")]), 1)).await;
    let ghost = send(svc.clone(), token(get("/", &[("x-tenant", "ghost")]), 1)).await;
    let other_doc = assert_problem(&other, 403, MISMATCH);
    assert_eq!(
        other_doc,
        assert_problem(&ghost, 403, MISMATCH),
        "403 bodies are identical"
    );
    let host = token(get("/", &[("host", "globex.example.com")]), 1);
    assert_problem(&send(svc.clone(), host).await, 403, MISMATCH);

    // The required token is missing: 401, whatever the header says.
    assert_problem(
        &send(svc.clone(), get("/", &[("x-tenant", "acme")])).await,
        401,
        UNAUTHENTICATED,
    );
    // A malformed optional source is still a bad request.
    assert_problem(
        &send(svc, token(get("/", &[("x-tenant", "a b")]), 1)).await,
        400,
        MALFORMED,
    );
}

#[tokio::test]
async fn chain_of_optional_sources_needs_at_least_one() {
    let chain = Chain::new()
        .optional(HeaderResolver::default().keys(slugs()))
        .optional(PathPrefixResolver::new("/t").keys(slugs()));
    let svc = TenantLayer::new(chain).layer(echo());
    assert_ok(&send(svc.clone(), get("/t/acme/x", &[])).await, "1", "/x");
    assert_ok(
        &send(svc.clone(), get("/x", &[("x-tenant", "globex")])).await,
        "2",
        "/x",
    );
    assert_problem(
        &send(svc.clone(), get("/t/acme/x", &[("x-tenant", "globex")])).await,
        403,
        MISMATCH,
    );
    assert_problem(
        &send(svc.clone(), get("/t/ghost/x", &[("x-tenant", "ghost")])).await,
        404,
        UNKNOWN,
    );
    assert_problem(&send(svc, get("/x", &[])).await, 400, MISSING);
}

#[tokio::test]
async fn closures_are_resolvers() {
    // Async closure: the future owns what it copied out of the request.
    let svc = TenantLayer::new(|parts: &mut http::request::Parts| {
        let cookie = parts
            .headers
            .get("cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        async move {
            let cookie = cookie.ok_or(Rejection::missing("cookie"))?;
            let value = cookie
                .strip_prefix("tenant=")
                .ok_or(Rejection::malformed("cookie", "expected tenant=<id>"))?;
            value.parse().map_err(|_| Rejection::Unknown)
        }
    })
    .layer(echo());
    assert_ok(
        &send(svc.clone(), get("/", &[("cookie", "tenant=9")])).await,
        "9",
        "/",
    );
    assert_problem(
        &send(svc.clone(), get("/", &[("cookie", "x=1")])).await,
        400,
        MALFORMED,
    );
    assert_problem(&send(svc, get("/", &[])).await, 400, MISSING);

    // Synchronous closure.
    let svc = TenantLayer::new(from_fn(|parts: &http::request::Parts| {
        (parts.method == http::Method::GET)
            .then_some(TenantId::Int(5))
            .ok_or(Rejection::Disagreement)
    }))
    .layer(echo());
    assert_ok(&send(svc, get("/", &[])).await, "5", "/");
}

#[tokio::test]
async fn a_failing_lookup_answers_503_and_does_not_run_the_handler() {
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&ran);
    let down = CachedLookup::new(|_: String| async {
        Err(LookupError::new(std::io::Error::other(
            "connection refused",
        )))
    });
    let inner = tower::service_fn(move |_req: http::Request<common::Body>| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, std::convert::Infallible>(http::Response::new(common::Body::default())) }
    });
    let svc = TenantLayer::new(HeaderResolver::default().keys(down)).layer(inner);
    let answer = send(svc, get("/", &[("x-tenant", "acme")])).await;
    let doc = assert_problem(&answer, 503, UNAVAILABLE);
    assert!(
        !doc.to_string().contains("connection refused"),
        "internal errors stay internal: {doc}"
    );
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn optional_layer_lets_absent_tenants_through_but_not_bad_ones() {
    let svc = TenantLayer::new(HeaderResolver::default().keys(slugs()))
        .optional()
        .layer(echo());
    assert_ok(
        &send(svc.clone(), get("/pricing", &[])).await,
        "none",
        "/pricing",
    );
    assert_ok(
        &send(svc.clone(), get("/pricing", &[("x-tenant", "acme")])).await,
        "1",
        "/pricing",
    );
    assert_problem(
        &send(svc.clone(), get("/", &[("x-tenant", "ghost")])).await,
        404,
        UNKNOWN,
    );
    assert_problem(
        &send(svc, get("/", &[("x-tenant", "a b")])).await,
        400,
        MALFORMED,
    );
}
