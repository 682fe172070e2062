//! Organisations: the tenants themselves. Their slugs live in the shared `tenant_slugs`
//! registry, the only place a slug is unique across tenants.

use serde::Serialize;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// An organisation (a tenant).
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Organization {
    /// The tenant id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// URL-safe unique name (subdomain, `X-Tenant`).
    pub slug: String,
    /// `free`, `pro` or `enterprise`.
    pub plan: String,
    /// Stripe customer, once billing started.
    pub stripe_customer_id: Option<String>,
    /// Stripe subscription status (`active`, `past_due`, `canceled`, ...).
    pub subscription_status: Option<String>,
}

/// Checks a slug: 3-63 lowercase letters, digits and inner hyphens (a DNS label).
///
/// # Errors
/// 422 naming the rule.
pub fn validate_slug(slug: &str) -> AppResult<()> {
    let ok = (3..=63).contains(&slug.len())
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "slug",
            "3-63 lowercase letters, digits or inner hyphens",
        ))
    }
}

/// Creates the organisation of the tenant in scope (its id is the tenant id) and registers its
/// slug.
///
/// # Errors
/// 409 when the slug is taken.
pub async fn create(
    tx: &mut crate::db::Transaction,
    id: Uuid,
    name: &str,
    slug: &str,
) -> AppResult<()> {
    let registered = sqlx::query(
        "INSERT INTO tenant_slugs (slug, tenant_id) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING",
    )
    .bind(slug)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if registered.rows_affected() == 0 {
        return Err(AppError::Conflict(format!("the slug {slug} is taken")));
    }
    sqlx::query("INSERT INTO organizations (id, name, slug) VALUES ($1::uuid, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(slug)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The tenant id of a slug. Runs before any tenant is known (login, `X-Tenant`, subdomains), so
/// it reads the shared registry with the plain pool.
///
/// # Errors
/// Database errors.
pub async fn id_by_slug(pool: &PgPool, slug: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT tenant_id FROM tenant_slugs WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// The organisation in scope.
///
/// # Errors
/// 404 when the tenant has no organisation row.
pub async fn current(ex: impl PgExecutor<'_>) -> AppResult<Organization> {
    sqlx::query_as(
        "SELECT id, name, slug, plan, stripe_customer_id, subscription_status FROM organizations \
         WHERE id = $1",
    )
    .bind(super::current_tenant()?)
    .fetch_optional(ex)
    .await?
    .ok_or(AppError::NotFound)
}
