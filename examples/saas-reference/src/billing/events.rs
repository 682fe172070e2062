//! Applying Stripe webhook events.
//!
//! - Idempotent: an event id is recorded in `billing_events` in the same transaction that applies
//!   it; a redelivery finds it and changes nothing.
//! - Out-of-order safe: the organisation keeps the `created` time of the newest event applied to
//!   its subscription; an older event arriving late is recorded but not applied.

use crate::db::Pool;
use serde::Deserialize;
use sqlx::PgPool;
use tenancy_core::TenantId;
use uuid::Uuid;

use crate::cache::Cache;
use crate::error::AppResult;
use crate::jobs::{Job, JobQueue};

/// A Stripe event, as much as the app reads.
#[derive(Debug, Deserialize)]
pub struct Event {
    /// `evt_...`.
    pub id: String,
    /// E.g. `customer.subscription.updated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix time the event was created.
    pub created: i64,
    /// `{"object": {...}}`.
    pub data: EventData,
}

/// The event's object.
#[derive(Debug, Deserialize)]
pub struct EventData {
    /// A subscription, checkout session, invoice, ...
    pub object: serde_json::Value,
}

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Applied now.
    Applied,
    /// Seen before (a redelivery): nothing changed.
    Duplicate,
    /// Older than what is already applied: recorded, not applied.
    Stale,
    /// Not about a known customer, or a type the app does not use.
    Ignored,
}

/// The plan a subscription in `status` gives.
fn plan_for(status: &str) -> &'static str {
    match status {
        "active" | "trialing" | "past_due" => "pro",
        _ => "free",
    }
}

/// Applies `event` to the tenant owning its customer.
///
/// # Errors
/// Database errors (Stripe then retries the delivery).
pub async fn apply(
    pool: &Pool,
    raw: &PgPool,
    cache: &Cache,
    jobs: &JobQueue,
    event: &Event,
) -> AppResult<Applied> {
    let object = &event.data.object;
    let Some(customer) = object.get("customer").and_then(|c| c.as_str()) else {
        return Ok(Applied::Ignored);
    };
    // Which tenant a customer belongs to is only known from the shared registry.
    let tenant: Option<Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM stripe_customers WHERE customer_id = $1")
            .bind(customer)
            .fetch_optional(raw)
            .await?;
    let Some(tenant) = tenant else {
        tracing::info!(event = %event.id, customer, "webhook for an unknown customer ignored");
        return Ok(Applied::Ignored);
    };
    let applied = tenancy_core::context::scope(TenantId::Uuid(tenant), async {
        let outcome = apply_in_scope(pool, event).await?;
        if outcome == Applied::Applied {
            cache.invalidate("organization").await;
            let follow_up = Job::WebhookFollowUp {
                event_id: event.id.clone(),
                event_type: event.kind.clone(),
            };
            if let Err(error) = jobs.enqueue(&follow_up).await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "could not enqueue the webhook follow-up"
                );
            }
        }
        AppResult::Ok(outcome)
    })
    .await?;
    tracing::info!(event = %event.id, kind = %event.kind, tenant_id = %tenant, ?applied, "stripe event");
    Ok(applied)
}

async fn apply_in_scope(pool: &Pool, event: &Event) -> AppResult<Applied> {
    let tenant = crate::domain::current_tenant()?;
    let mut tx = pool.begin().await?;
    let recorded = sqlx::query(
        "INSERT INTO billing_events (tenant_id, event_id, event_type, created) \
         VALUES ($4::uuid, $1, $2, $3) ON CONFLICT (tenant_id, event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created)
    .bind(tenant)
    .execute(&mut tx)
    .await?;
    if recorded.rows_affected() == 0 {
        tx.commit().await?;
        return Ok(Applied::Duplicate);
    }
    let object = &event.data.object;
    let outcome = match event.kind.as_str() {
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => {
            let status = if event.kind == "customer.subscription.deleted" {
                "canceled"
            } else {
                object
                    .get("status")
                    .and_then(|s| s.as_str())
                    .unwrap_or("incomplete")
            };
            let subscription = object.get("id").and_then(|s| s.as_str());
            let updated = sqlx::query(
                "UPDATE organizations SET plan = $1, subscription_status = $2, \
                 stripe_subscription_id = COALESCE($3, stripe_subscription_id), billing_updated_at = $4 \
                 WHERE id = $5 AND billing_updated_at <= $4",
            )
            .bind(plan_for(status))
            .bind(status)
            .bind(subscription)
            .bind(event.created)
            .bind(tenant)
            .execute(&mut tx)
            .await?;
            if updated.rows_affected() == 1 {
                Applied::Applied
            } else {
                Applied::Stale
            }
        }
        "checkout.session.completed" => {
            sqlx::query(
                "UPDATE organizations SET stripe_subscription_id = COALESCE($1, stripe_subscription_id) \
                 WHERE id = $2",
            )
            .bind(object.get("subscription").and_then(|s| s.as_str()))
            .bind(tenant)
            .execute(&mut tx)
            .await?;
            Applied::Applied
        }
        _ => Applied::Ignored,
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Records the Stripe customer of the tenant in scope.
///
/// # Errors
/// Database errors.
pub async fn link_customer(pool: &Pool, tenant: Uuid, customer: &str) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE organizations SET stripe_customer_id = $1 WHERE id = $2")
        .bind(customer)
        .bind(tenant)
        .execute(&mut tx)
        .await?;
    sqlx::query(
        "INSERT INTO stripe_customers (customer_id, tenant_id) VALUES ($1, $2) \
         ON CONFLICT (customer_id) DO NOTHING",
    )
    .bind(customer)
    .bind(tenant)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_subscriptions_are_pro() {
        assert_eq!(plan_for("active"), "pro");
        assert_eq!(plan_for("canceled"), "free");
        assert_eq!(plan_for("incomplete_expired"), "free");
    }
}
