//! Signup, login, token refresh and logout; `GET /v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tenancy_core::TenantId;
use tenancy_core::context::scope;

use super::extract::JsonBody;
use crate::auth::Principal;
use crate::domain::members::{self, Role};
use crate::domain::sessions::{self, Refreshed};
use crate::domain::{self, organizations};
use crate::error::{AppError, AppResult, FieldError};
use crate::state::AppState;

/// `POST /v1/signup` body.
#[derive(Debug, Deserialize)]
pub struct Signup {
    organization: String,
    slug: String,
    email: String,
    password: String,
}

/// `POST /v1/auth/login` body.
#[derive(Debug, Deserialize)]
pub struct Login {
    slug: String,
    email: String,
    password: String,
}

/// `POST /v1/auth/refresh` and `/v1/auth/logout` body.
#[derive(Debug, Deserialize)]
pub struct RefreshBody {
    refresh_token: String,
}

/// The token pair body of signup, login, refresh and invitation acceptance.
pub(super) fn tokens(state: &AppState, principal: &Principal, refresh: &str) -> AppResult<Value> {
    Ok(json!({
        "access_token": state.tokens.issue(principal)?,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": state.tokens.ttl().as_secs(),
    }))
}

/// Creates an organisation and its owner; answers 201 with both and a token pair.
pub async fn signup(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Signup>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let mut errors = Vec::new();
    let name = body.organization.trim().to_owned();
    if !(1..=200).contains(&name.chars().count()) {
        errors.push(FieldError {
            field: "organization",
            message: "must be 1-200 characters".into(),
        });
    }
    for result in [
        organizations::validate_slug(&body.slug).map(drop),
        members::normalize_email(&body.email).map(drop),
    ] {
        if let Err(AppError::Validation(found)) = result {
            errors.extend(found);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let email = members::normalize_email(&body.email)?;
    let hash = state.passwords.hash(body.password).await?;
    let tenant = domain::new_id();
    let slug = body.slug;
    scope(TenantId::Uuid(tenant), async {
        let mut tx = state.pool.begin().await?;
        organizations::create(&mut tx, tenant, &name, &slug).await?;
        let user = members::create(&mut tx, &email, &hash, Role::Owner).await?;
        let refresh = sessions::start(&mut tx, user, state.config.auth.refresh_ttl).await?;
        tx.commit().await?;
        let principal = Principal {
            tenant,
            user,
            role: Role::Owner,
        };
        let mut body = tokens(&state, &principal, &refresh)?;
        body["tenant"] = json!({ "id": tenant, "slug": slug });
        body["user"] = json!({ "id": user, "email": email });
        Ok((StatusCode::CREATED, Json(body)))
    })
    .await
}

/// Exchanges a password for a token pair bound to the organisation named by `slug`.
pub async fn login(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Login>,
) -> AppResult<Json<Value>> {
    const REFUSED: AppError = AppError::Unauthorized("invalid organization, email or password");
    let Some(tenant) = organizations::id_by_slug(&state.raw, &body.slug.to_lowercase()).await?
    else {
        return Err(REFUSED);
    };
    let email = members::normalize_email(&body.email).map_err(|_| REFUSED)?;
    scope(TenantId::Uuid(tenant), async {
        let Some(user) = members::credentials(&state.pool, &email).await? else {
            return Err(REFUSED);
        };
        let Some(hash) = user.password_hash else {
            return Err(REFUSED);
        };
        if !state.passwords.verify(body.password, hash).await? {
            return Err(REFUSED);
        }
        let mut tx = state.pool.begin().await?;
        let refresh = sessions::start(&mut tx, user.id, state.config.auth.refresh_ttl).await?;
        tx.commit().await?;
        let principal = Principal {
            tenant,
            user: user.id,
            role: user.role,
        };
        Ok(Json(tokens(&state, &principal, &refresh)?))
    })
    .await
}

/// Rotates a refresh token; a reused one revokes its whole family.
pub async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> AppResult<Json<Value>> {
    let Some(tenant) = sessions::tenant_of(&body.refresh_token) else {
        return Err(AppError::Unauthorized("the refresh token is invalid"));
    };
    scope(TenantId::Uuid(tenant), async {
        let mut tx = state.pool.begin().await?;
        let outcome =
            sessions::rotate(&mut tx, &body.refresh_token, state.config.auth.refresh_ttl).await?;
        tx.commit().await?;
        match outcome {
            Refreshed::Rotated { user, token } => {
                let Some(role) = members::role_of(&state.pool, user).await? else {
                    return Err(AppError::Unauthorized("the user is no longer a member"));
                };
                let principal = Principal { tenant, user, role };
                Ok(Json(tokens(&state, &principal, &token)?))
            }
            Refreshed::ReuseDetected => Err(AppError::Unauthorized(
                "refresh token reuse detected: every token of this login is revoked",
            )),
            Refreshed::Invalid => Err(AppError::Unauthorized(
                "the refresh token is invalid, expired or revoked",
            )),
        }
    })
    .await
}

/// Revokes the refresh token's family.
pub async fn logout(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> AppResult<StatusCode> {
    let Some(tenant) = sessions::tenant_of(&body.refresh_token) else {
        return Ok(StatusCode::NO_CONTENT);
    };
    scope(TenantId::Uuid(tenant), async {
        let mut tx = state.pool.begin().await?;
        sessions::revoke(&mut tx, &body.refresh_token).await?;
        tx.commit().await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// The caller and their organisation.
pub async fn me(State(state): State<AppState>, principal: Principal) -> AppResult<Json<Value>> {
    let organization = organizations::current(&state.pool).await?;
    Ok(Json(json!({
        "user": { "id": principal.user },
        "role": principal.role,
        "tenant": { "id": organization.id, "slug": organization.slug, "name": organization.name, "plan": organization.plan },
    })))
}
