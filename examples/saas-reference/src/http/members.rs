//! Members of the organisation.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::domain::members;
use crate::error::AppResult;
use crate::state::AppState;

/// Everyone in the organisation with their role.
pub async fn list(State(state): State<AppState>) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "items": members::list(&state.pool).await? })))
}
