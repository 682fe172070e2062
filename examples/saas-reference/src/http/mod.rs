//! The HTTP API. Handlers are thin: they validate, call `domain`, and shape JSON.
//!
//! Layering of the tenant routes, outermost first: request id → metrics → bearer-token
//! verification (our middleware, puts the verified `tid` claim in the request) →
//! `tenancy_axum::TenantLayer` (the token's tenant, which `X-Tenant` and the `<slug>.` subdomain
//! must agree with, else 403) → handler, which runs inside that tenant's scope.

pub mod auth;
pub mod billing;
pub mod extract;
pub mod invitations;
pub mod members;
pub mod openapi;
pub mod ops;
pub mod projects;
pub mod request_id;
pub mod tasks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{delete, get, post};
#[cfg(not(feature = "baseline"))]
use sqlx::PgPool;
#[cfg(not(feature = "baseline"))]
use tenancy_axum::TenantLayer;
#[cfg(not(feature = "baseline"))]
use tenancy_axum::lookup::{CachedLookup, LookupError, ParseKey};
#[cfg(not(feature = "baseline"))]
use tenancy_axum::resolver::{Chain, HeaderResolver, JwtClaimResolver, SubdomainResolver};
#[cfg(not(feature = "baseline"))]
use tenancy_core::{TenantId, TenantKeyKind};

#[cfg(not(feature = "baseline"))]
use crate::auth::middleware::TENANT_CLAIM;
use crate::auth::middleware::authenticate;
#[cfg(not(feature = "baseline"))]
use crate::domain::organizations;
use crate::state::AppState;

#[cfg(not(feature = "baseline"))]
/// Resolves the tenant from the verified token, and checks `X-Tenant` / the subdomain (slugs,
/// looked up through a bounded TTL cache) against it.
fn tenant_resolver(raw: &PgPool, base_domain: &str) -> Chain {
    let pool = raw.clone();
    let slugs = CachedLookup::new(move |slug: String| {
        let pool = pool.clone();
        async move {
            organizations::id_by_slug(&pool, &slug)
                .await
                .map(|id| id.map(TenantId::Uuid))
                .map_err(LookupError::new)
        }
    });
    Chain::new()
        .require(JwtClaimResolver::new(TENANT_CLAIM).keys(ParseKey::new(TenantKeyKind::Uuid)))
        .optional(HeaderResolver::default().keys(slugs.clone()))
        .optional(
            SubdomainResolver::new(base_domain)
                .reserve("api")
                .keys(slugs),
        )
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let tenant_routes = Router::new()
        .route("/v1/me", get(auth::me))
        .route("/v1/members", get(members::list))
        .route(
            "/v1/invitations",
            get(invitations::list).post(invitations::invite),
        )
        .route("/v1/projects", get(projects::list).post(projects::create))
        .route(
            "/v1/projects/{id}",
            get(projects::get)
                .patch(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/v1/projects/{id}/tasks",
            get(tasks::list).post(tasks::create),
        )
        .route(
            "/v1/tasks/{id}",
            get(tasks::get).patch(tasks::update).delete(tasks::delete),
        )
        .route(
            "/v1/tasks/{id}/comments",
            get(tasks::comments).post(tasks::comment),
        )
        .route("/v1/comments/{id}", delete(tasks::delete_comment))
        .route("/v1/billing", get(billing::status))
        .route("/v1/billing/checkout", post(billing::checkout))
        .route("/v1/usage", get(billing::usage))
        .route("/v1/usage/rollup", post(billing::roll_up));
    #[cfg(not(feature = "baseline"))]
    let tenant_routes = tenant_routes.route_layer(TenantLayer::new(tenant_resolver(
        &state.raw,
        &state.config.base_domain,
    )));
    // The load-test baseline: the token's tenant, entered directly (see `db` for the rest).
    #[cfg(feature = "baseline")]
    let tenant_routes =
        tenant_routes.route_layer(from_fn(crate::auth::middleware::enter_token_tenant));
    let tenant_routes = tenant_routes.route_layer(from_fn_with_state(state.clone(), authenticate));
    let public_routes = Router::new()
        .route("/v1/signup", post(auth::signup))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/invitations/{token}/accept", post(invitations::accept))
        .route("/v1/billing/webhook", post(billing::webhook))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi));
    Router::new()
        .merge(tenant_routes)
        .merge(public_routes)
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(from_fn_with_state(state.clone(), crate::metrics::track))
        .layer(from_fn(request_id::assign))
        .with_state(state)
}

/// Serves `GET /metrics` and `GET /healthz` of a `worker` process on `listener` until `shutdown`
/// flips: the same registry as the API's (queue depth, jobs by outcome, retries, dead letters,
/// the database pool), for Prometheus to scrape.
///
/// # Errors
/// The listener fails.
pub async fn serve_worker_metrics(
    state: AppState,
    listener: tokio::net::TcpListener,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let router = Router::new()
        .route("/metrics", get(ops::metrics))
        .route("/healthz", get(ops::healthz))
        .fallback(ops::not_found)
        .with_state(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            // Stops on the flip, and also if the sender is gone.
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await?;
    Ok(())
}
