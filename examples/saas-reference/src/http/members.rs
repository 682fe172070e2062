//! Members and invitations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::JsonBody;
use crate::auth::Principal;
use crate::domain::invitations::{self, Invitation};
use crate::domain::members::{self, Role};
use crate::error::AppResult;
use crate::jobs::Job;
use crate::state::AppState;

/// `POST /v1/invitations` body.
#[derive(Debug, Deserialize)]
pub struct NewInvitation {
    email: String,
    #[serde(default = "member")]
    role: Role,
}

fn member() -> Role {
    Role::Member
}

/// Everyone in the organisation with their role.
pub async fn list(State(state): State<AppState>) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "items": members::list(&state.pool).await? })))
}

/// Invites someone (owner or admin); the email goes out from a job.
pub async fn invite(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<NewInvitation>,
) -> AppResult<(StatusCode, Json<Invitation>)> {
    principal.require_manager()?;
    let email = members::normalize_email(&body.email)?;
    let invitation = invitations::create(&state.pool, &email, body.role, principal.user).await?;
    state
        .jobs
        .enqueue(&Job::InvitationEmail {
            invitation_id: invitation.id,
            email,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// Pending and sent invitations (owner or admin).
pub async fn invitations(
    State(state): State<AppState>,
    principal: Principal,
) -> AppResult<Json<Value>> {
    principal.require_manager()?;
    Ok(Json(
        json!({ "items": invitations::list(&state.pool).await? }),
    ))
}
