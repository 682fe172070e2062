//! Invitations: created and listed by owners/admins; accepted by the invitee with the token from
//! the invitation email (no account needed: accepting creates the member).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tenancy_core::TenantId;
use tenancy_core::context::scope;

use super::extract::JsonBody;
use crate::auth::{Principal, secret};
use crate::domain::invitations::{self, Invitation, TOKEN_KIND};
use crate::domain::{members, organizations, sessions};
use crate::error::{AppError, AppResult};
use crate::jobs::Job;
use crate::state::AppState;

/// `POST /v1/invitations` body.
#[derive(Debug, Deserialize)]
pub struct NewInvitation {
    email: String,
    #[serde(default = "member")]
    role: members::Role,
}

fn member() -> members::Role {
    members::Role::Member
}

/// `POST /v1/invitations/{token}/accept` body: the new member's password.
#[derive(Debug, Deserialize)]
pub struct Acceptance {
    password: String,
}

/// Invites someone (owner or admin); the email with the acceptance link goes out from a job.
pub async fn invite(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<NewInvitation>,
) -> AppResult<(StatusCode, Json<Invitation>)> {
    principal.require_manager()?;
    let email = members::normalize_email(&body.email)?;
    let issued = invitations::create(
        &state.pool,
        &email,
        body.role,
        principal.user,
        state.config.invitation_ttl,
    )
    .await?;
    state
        .jobs
        .enqueue(&Job::InvitationEmail {
            invitation_id: issued.invitation.id,
            email,
            accept_url: format!(
                "{}/v1/invitations/{}/accept",
                state.config.public_url, issued.token
            ),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(issued.invitation)))
}

/// Pending and sent invitations (owner or admin).
pub async fn list(State(state): State<AppState>, principal: Principal) -> AppResult<Json<Value>> {
    principal.require_manager()?;
    Ok(Json(
        json!({ "items": invitations::list(&state.pool).await? }),
    ))
}

/// Accepts an invitation: creates the invited user (with this password) as a member of the
/// inviting organisation with the invited role, and logs them in. The token names its tenant;
/// it works once, until it expires (`INVITATION_TTL_SECS`). Answers 201 like signup.
pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    JsonBody(body): JsonBody<Acceptance>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let tenant = secret::tenant_of(TOKEN_KIND, &token).ok_or(AppError::NotFound)?;
    scope(TenantId::Uuid(tenant), async {
        let mut tx = state.pool.begin().await?;
        let pending = invitations::claim(&mut tx, &token).await?;
        let hash = state.passwords.hash(body.password).await?;
        let user = members::create(&mut tx, &pending.email, &hash, pending.role).await?;
        invitations::mark_accepted(&mut tx, pending.id, user).await?;
        let refresh = sessions::start(&mut tx, user, state.config.auth.refresh_ttl).await?;
        let organization = organizations::current(&mut tx).await?;
        tx.commit().await?;
        let principal = Principal {
            tenant,
            user,
            role: pending.role,
        };
        let mut body = super::auth::tokens(&state, &principal, &refresh)?;
        body["tenant"] = json!({ "id": tenant, "slug": organization.slug });
        body["user"] = json!({ "id": user, "email": pending.email });
        body["role"] = json!(pending.role);
        Ok((StatusCode::CREATED, Json(body)))
    })
    .await
}
