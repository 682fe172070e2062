//! The HTTP API. Handlers are thin: they validate, call `domain`, and shape JSON.
//!
//! Layering of the tenant routes, outermost first: request id → metrics → bearer-token
//! verification (our middleware, puts the verified `tid` claim in the request) →
//! `tenancy_axum::TenantLayer` (the token's tenant, which `X-Tenant` and the `<slug>.` subdomain
//! must agree with, else 403) → handler, which runs inside that tenant's scope.

pub mod auth;
pub mod billing;
pub mod extract;
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
use sqlx::PgPool;
use tenancy_axum::TenantLayer;
use tenancy_axum::lookup::{CachedLookup, LookupError, ParseKey};
use tenancy_axum::resolver::{Chain, HeaderResolver, JwtClaimResolver, SubdomainResolver};
use tenancy_core::{TenantId, TenantKeyKind};

use crate::auth::middleware::{TENANT_CLAIM, authenticate};
use crate::domain::organizations;
use crate::state::AppState;

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
            get(members::invitations).post(members::invite),
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
        .route("/v1/usage/rollup", post(billing::roll_up))
        .route_layer(TenantLayer::new(tenant_resolver(
            &state.raw,
            &state.config.base_domain,
        )))
        .route_layer(from_fn_with_state(state.clone(), authenticate));
    let public_routes = Router::new()
        .route("/v1/signup", post(auth::signup))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
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
