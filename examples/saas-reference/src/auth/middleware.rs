//! Middleware that verifies the bearer token before tenant resolution.
//!
//! It runs outside `tenancy_axum::TenantLayer`: a verified token yields a [`Principal`] and a
//! [`VerifiedClaims`] with the token's tenant (`tid`), which the layer's JWT-claim resolver reads
//! and checks against `X-Tenant` and the subdomain. Nothing unverified ever reaches the resolver.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tenancy_axum::resolver::VerifiedClaims;
use tenancy_core::TenantId;

use super::Principal;
use crate::domain::members;
use crate::error::AppError;
use crate::state::AppState;

/// The claim the tenant layer resolves the tenant from.
pub const TENANT_CLAIM: &str = "tid";

fn unauthorized(detail: &'static str) -> Response {
    let mut response = AppError::Unauthorized(detail).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Verifies `Authorization: Bearer ...` (ours: HS256; external: RS256 via JWKS) or answers 401.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(token) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return unauthorized("a bearer token is required");
    };
    let principal = match state.tokens.verify(token) {
        Some(principal) => principal,
        None => match external(&state, token).await {
            Ok(Some(principal)) => principal,
            Ok(None) => return unauthorized("the token is invalid or expired"),
            Err(error) => return error.into_response(),
        },
    };
    let claims = serde_json::json!({ TENANT_CLAIM: principal.tenant.to_string() });
    request
        .extensions_mut()
        .insert(VerifiedClaims::from_value(claims));
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// The `baseline` build's stand-in for `tenancy_axum::TenantLayer`: runs the request in the
/// verified token's tenant, with no `X-Tenant` / subdomain agreement check and no slug lookup.
#[cfg(feature = "baseline")]
pub async fn enter_token_tenant(request: Request, next: Next) -> Response {
    match request.extensions().get::<Principal>().copied() {
        Some(principal) => {
            tenancy_core::context::scope(TenantId::Uuid(principal.tenant), next.run(request)).await
        }
        None => unauthorized("a bearer token is required"),
    }
}

/// An external token's principal: its subject must be a member of its tenant, whose role it gets.
async fn external(state: &AppState, token: &str) -> Result<Option<Principal>, AppError> {
    let Some(oidc) = &state.oidc else {
        return Ok(None);
    };
    let Some(identity) = oidc.verify(token).await else {
        return Ok(None);
    };
    let role = tenancy_core::context::scope(
        TenantId::Uuid(identity.tenant),
        members::role_of(&state.pool, identity.user),
    )
    .await?;
    Ok(role.map(|role| Principal {
        tenant: identity.tenant,
        user: identity.user,
        role,
    }))
}
