//! Stripe: checkout against a local server speaking Stripe's wire format; signed webhooks with
//! replay, bad signatures, stale timestamps and out-of-order delivery; plan limits.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use common::{TestApp, app_with, slug};
use saas_reference::billing::signature::sign;
use serde_json::{Value, json};

const SECRET: &str = "whsec_test_secret";

type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A Stripe stand-in: form-encoded requests, bearer auth, Stripe-shaped JSON and errors.
async fn fake_stripe() -> anyhow::Result<(String, Seen)> {
    let seen: Seen = Arc::default();
    let record = |seen: Seen, path: &'static str, reply: fn() -> Value| {
        move |headers: axum::http::HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                if auth != "Bearer sk_test_123" {
                    return (
                        StatusCode::UNAUTHORIZED,
                        Json(
                            json!({"error": {"message": "Invalid API Key provided", "type": "invalid_request_error"}}),
                        ),
                    );
                }
                if let Ok(mut seen) = seen.lock() {
                    seen.push((
                        path.to_owned(),
                        String::from_utf8_lossy(&body).into_owned(),
                        auth,
                    ));
                }
                (StatusCode::OK, Json(reply()))
            }
        }
    };
    let router = Router::new()
        .route("/v1/customers", post(record(seen.clone(), "/v1/customers", || json!({"id": "cus_test_1", "object": "customer"}))))
        .route(
            "/v1/checkout/sessions",
            post(record(seen.clone(), "/v1/checkout/sessions", || json!({"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.test/cs_test_1"}))),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((format!("http://{addr}"), seen))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn deliver(
    app: &TestApp,
    event: &Value,
    signature: Option<String>,
) -> anyhow::Result<common::Response> {
    let payload = serde_json::to_vec(event)?;
    let header = signature.unwrap_or_else(|| {
        let t = now();
        format!("t={t},v1={}", sign(SECRET, t, &payload))
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/billing/webhook")
        .header("content-type", "application/json")
        .header("stripe-signature", header)
        .body(Body::from(payload))?;
    app.send(request).await
}

fn subscription_event(id: &str, created: i64, status: &str) -> Value {
    json!({
        "id": id, "object": "event", "type": "customer.subscription.updated", "created": created,
        "data": { "object": { "id": "sub_1", "object": "subscription", "customer": "cus_test_1", "status": status } }
    })
}

#[tokio::test]
async fn checkout_webhooks_and_plan_limits() -> anyhow::Result<()> {
    let (base, seen) = fake_stripe().await?;
    let app = app_with(&[
        ("STRIPE_API_BASE", &base),
        ("STRIPE_SECRET_KEY", "sk_test_123"),
        ("STRIPE_WEBHOOK_SECRET", SECRET),
        ("PLAN_FREE_MAX_PROJECTS", "2"),
    ])
    .await?;
    let acme = app.signup(&slug("acme")).await?;
    let t = &acme.access;

    // Free plan: the third project is refused with 402.
    for name in ["one", "two"] {
        assert_eq!(
            app.post("/v1/projects", t, json!({"name": name}))
                .await?
                .status,
            StatusCode::CREATED
        );
    }
    let full = app
        .post("/v1/projects", t, json!({"name": "three"}))
        .await?;
    assert_eq!(full.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(full.content_type(), "application/problem+json");

    // Checkout creates the customer (form-encoded, with the tenant) and a session.
    let checkout = app
        .request(Method::POST, "/v1/billing/checkout", Some(t), None, &[])
        .await?;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    assert_eq!(
        checkout.body["url"],
        "https://checkout.stripe.test/cs_test_1"
    );
    let calls = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].0, "/v1/customers");
    assert!(
        calls[0]
            .1
            .contains(&format!("metadata%5Btenant_id%5D={}", acme.id)),
        "{}",
        calls[0].1
    );
    assert!(
        calls[1].1.contains("mode=subscription") && calls[1].1.contains("customer=cus_test_1"),
        "{}",
        calls[1].1
    );
    assert!(
        calls[1]
            .1
            .contains("line_items%5B0%5D%5Bprice%5D=price_pro_monthly")
    );

    // A signed subscription event upgrades the plan; a replay changes nothing.
    let base_time = now() - 100;
    let active = subscription_event("evt_1", base_time, "active");
    let first = deliver(&app, &active, None).await?;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["result"], "applied");
    assert_eq!(app.get("/v1/billing", t).await?.body["plan"], "pro");
    assert_eq!(
        deliver(&app, &active, None).await?.body["result"],
        "duplicate"
    );
    assert_eq!(
        app.post("/v1/projects", t, json!({"name": "three"}))
            .await?
            .status,
        StatusCode::CREATED
    );

    // Out of order: the cancellation (newer) arrives before an older "active" update.
    let canceled = json!({
        "id": "evt_3", "type": "customer.subscription.deleted", "created": base_time + 20,
        "data": { "object": { "id": "sub_1", "customer": "cus_test_1", "status": "canceled" } }
    });
    assert_eq!(
        deliver(&app, &canceled, None).await?.body["result"],
        "applied"
    );
    let late = subscription_event("evt_2", base_time + 10, "active");
    assert_eq!(deliver(&app, &late, None).await?.body["result"], "stale");
    let billing = app.get("/v1/billing", t).await?;
    assert_eq!(billing.body["plan"], "free");
    assert_eq!(billing.body["subscription_status"], "canceled");

    // Bad signatures, tampering and stale timestamps are refused before anything is read.
    let evil = subscription_event("evt_9", now(), "active");
    let payload = serde_json::to_vec(&evil)?;
    let ts = now();
    for header in [
        format!("t={ts},v1={}", sign("whsec_wrong", ts, &payload)),
        format!("t={ts},v1={}", sign(SECRET, ts, b"{}")),
        format!("t={},v1={}", ts - 3600, sign(SECRET, ts - 3600, &payload)),
        "garbage".to_owned(),
    ] {
        let response = deliver(&app, &evil, Some(header)).await?;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{}",
            response.body
        );
    }
    let unsigned = app
        .request(Method::POST, "/v1/billing/webhook", None, Some(evil), &[])
        .await?;
    assert_eq!(unsigned.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/v1/billing", t).await?.body["plan"],
        "free",
        "nothing forged was applied"
    );

    // Unknown customers are acknowledged (Stripe would retry otherwise) and ignored.
    let stranger = json!({"id": "evt_x", "type": "customer.subscription.updated", "created": now(), "data": {"object": {"customer": "cus_other", "status": "active"}}});
    assert_eq!(
        deliver(&app, &stranger, None).await?.body["result"],
        "ignored"
    );
    Ok(())
}

#[tokio::test]
async fn billing_without_stripe_configured_is_unavailable() -> anyhow::Result<()> {
    let app = common::app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let checkout = app
        .request(
            Method::POST,
            "/v1/billing/checkout",
            Some(&acme.access),
            None,
            &[],
        )
        .await?;
    assert_eq!(checkout.status, StatusCode::SERVICE_UNAVAILABLE);
    let hook = deliver(&app, &json!({}), None).await?;
    assert_eq!(hook.status, StatusCode::SERVICE_UNAVAILABLE);
    Ok(())
}
