//! `/v1/projects`: thin handlers over `domain::projects`, with the project cache.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::extract::{Id, JsonBody, QueryParams};
use crate::auth::Principal;
use crate::billing;
use crate::domain::projects::{self, Project};
use crate::domain::{Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `POST /v1/projects` body.
#[derive(Debug, Deserialize)]
pub struct NewProject {
    name: String,
    #[serde(default)]
    description: String,
}

/// `PATCH /v1/projects/{id}` body.
#[derive(Debug, Deserialize)]
pub struct ProjectChange {
    name: Option<String>,
    description: Option<String>,
}

/// `GET /v1/projects` query.
#[derive(Debug, Deserialize)]
pub struct ProjectQuery {
    // Not `#[serde(flatten)]`: flattened query strings lose their numeric types.
    limit: Option<i64>,
    cursor: Option<uuid::Uuid>,
    /// Only projects whose name contains this (case-insensitive).
    q: Option<String>,
}

fn cache_key(id: uuid::Uuid) -> String {
    format!("project:{id}")
}

/// Lists projects, paginated and filtered by `q`.
pub async fn list(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ProjectQuery>,
) -> AppResult<Json<Page<Project>>> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    Ok(Json(
        projects::list(&state.pool, query.q.as_deref(), &page).await?,
    ))
}

/// Creates a project (any member), within the plan's limit.
pub async fn create(
    State(state): State<AppState>,
    _: Principal,
    JsonBody(body): JsonBody<NewProject>,
) -> AppResult<(StatusCode, Json<Project>)> {
    projects::validate_name(&body.name)?;
    let billing = &state.config.billing;
    let mut tx = state.pool.begin().await?;
    let project = projects::create(&mut tx, &body.name, &body.description, |plan| {
        billing::project_limit(billing, plan)
    })
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(project)))
}

/// One project (cached per tenant).
pub async fn get(State(state): State<AppState>, Id(id): Id) -> AppResult<Json<Project>> {
    if let Some(project) = state.cache.get::<Project>(&cache_key(id)).await {
        return Ok(Json(project));
    }
    let project = projects::get(&state.pool, id).await?;
    state.cache.put(&cache_key(id), &project).await;
    Ok(Json(project))
}

/// Renames or redescribes a project.
pub async fn update(
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<ProjectChange>,
) -> AppResult<Json<Project>> {
    if let Some(name) = &body.name {
        projects::validate_name(name)?;
    }
    if body.name.is_none() && body.description.is_none() {
        return Err(AppError::invalid("body", "give name and/or description"));
    }
    let project = projects::update(
        &state.pool,
        id,
        body.name.as_deref(),
        body.description.as_deref(),
    )
    .await?;
    state.cache.invalidate(&cache_key(id)).await;
    Ok(Json(project))
}

/// Deletes a project and its tasks (owner or admin).
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Id(id): Id,
) -> AppResult<StatusCode> {
    principal.require_manager()?;
    projects::delete(&state.pool, id).await?;
    state.cache.invalidate(&cache_key(id)).await;
    Ok(StatusCode::NO_CONTENT)
}
