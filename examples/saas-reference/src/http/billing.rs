//! Billing: status, checkout, the Stripe webhook, and usage.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::billing::events::{self, Event};
use crate::billing::signature;
use crate::domain::{organizations, usage};
use crate::error::{AppError, AppResult};
use crate::jobs::Job;
use crate::state::AppState;

/// The organisation's plan and subscription (cached per tenant).
pub async fn status(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let organization = match state
        .cache
        .get::<organizations::Organization>("organization")
        .await
    {
        Some(organization) => organization,
        None => {
            let organization = organizations::current(&state.pool).await?;
            state.cache.put("organization", &organization).await;
            organization
        }
    };
    let limit = crate::billing::project_limit(&state.config.billing, &organization.plan);
    Ok(Json(json!({
        "plan": organization.plan,
        "subscription_status": organization.subscription_status,
        "stripe_customer_id": organization.stripe_customer_id,
        "max_projects": limit,
    })))
}

/// Starts a Stripe Checkout for the pro plan (owner or admin); creates the customer first.
pub async fn checkout(
    State(state): State<AppState>,
    principal: Principal,
) -> AppResult<Json<Value>> {
    principal.require_manager()?;
    let Some(stripe) = &state.stripe else {
        return Err(AppError::Unavailable(
            "billing is not configured (STRIPE_SECRET_KEY)".into(),
        ));
    };
    let organization = organizations::current(&state.pool).await?;
    let customer = match organization.stripe_customer_id {
        Some(customer) => customer,
        None => {
            let customer = stripe
                .create_customer(principal.tenant, &organization.name)
                .await?;
            events::link_customer(&state.pool, principal.tenant, &customer).await?;
            state.cache.invalidate("organization").await;
            customer
        }
    };
    let billing = &state.config.billing;
    let session = stripe
        .create_checkout_session(
            principal.tenant,
            &customer,
            &billing.pro_price,
            &billing.success_url,
        )
        .await?;
    Ok(Json(
        json!({ "id": session.id, "url": session.url, "customer": customer }),
    ))
}

/// `POST /v1/billing/webhook`: verifies `Stripe-Signature` on the raw body, then applies the
/// event once, in order.
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<Value>> {
    let Some(secret) = &state.config.billing.webhook_secret else {
        return Err(AppError::Unavailable(
            "the webhook is not configured (STRIPE_WEBHOOK_SECRET)".into(),
        ));
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::BadRequest("the Stripe-Signature header is missing".into()))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    signature::verify(
        secret,
        header,
        &body,
        now,
        state.config.billing.webhook_tolerance,
    )
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("not a Stripe event: {e}")))?;
    let applied = events::apply(&state.pool, &state.raw, &state.cache, &state.jobs, &event).await?;
    Ok(Json(json!({ "received": true, "result": applied })))
}

/// The latest usage rollup.
pub async fn usage(State(state): State<AppState>) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "latest": usage::latest(&state.pool).await? })))
}

/// Queues a usage rollup for the tenant (owner or admin).
pub async fn roll_up(State(state): State<AppState>, principal: Principal) -> AppResult<StatusCode> {
    principal.require_manager()?;
    state.jobs.enqueue(&Job::UsageRollup).await?;
    Ok(StatusCode::ACCEPTED)
}
