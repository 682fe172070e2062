//! `/v1/projects/{id}/tasks`, `/v1/tasks/{id}` and task comments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use super::extract::{Id, JsonBody, QueryParams};
use crate::auth::Principal;
use crate::domain::comments::{self, Comment};
use crate::domain::tasks::{self, Status, Task, TaskFields, TaskFilter};
use crate::domain::{Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Task fields in a request body.
#[derive(Debug, Deserialize)]
pub struct TaskBody {
    title: Option<String>,
    status: Option<Status>,
    #[serde(default, deserialize_with = "nullable")]
    assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    estimate: Option<Option<i32>>,
}

impl From<TaskBody> for TaskFields {
    fn from(body: TaskBody) -> Self {
        Self {
            title: body.title,
            status: body.status,
            assignee_id: body.assignee_id,
            estimate: body.estimate,
        }
    }
}

/// `GET /v1/projects/{id}/tasks` query.
#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    // Not `#[serde(flatten)]`: flattened query strings lose their numeric types.
    limit: Option<i64>,
    cursor: Option<Uuid>,
    status: Option<Status>,
    assignee_id: Option<Uuid>,
}

/// `POST /v1/tasks/{id}/comments` body.
#[derive(Debug, Deserialize)]
pub struct NewComment {
    body: String,
}

/// A project's tasks, filtered by `status` and `assignee_id`, paginated.
pub async fn list(
    State(state): State<AppState>,
    Id(project): Id,
    QueryParams(query): QueryParams<TaskQuery>,
) -> AppResult<Json<Page<Task>>> {
    let mut tx = state.pool.begin().await?;
    let filter = TaskFilter {
        status: query.status,
        assignee_id: query.assignee_id,
    };
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let page = tasks::list(&mut tx, project, &filter, &page).await?;
    tx.commit().await?;
    Ok(Json(page))
}

/// Creates a task in a project.
pub async fn create(
    State(state): State<AppState>,
    Id(project): Id,
    JsonBody(body): JsonBody<TaskBody>,
) -> AppResult<(StatusCode, Json<Task>)> {
    let fields = TaskFields::from(body);
    if fields.title.is_none() {
        return Err(AppError::invalid("title", "is required"));
    }
    fields.validate()?;
    let mut tx = state.pool.begin().await?;
    let task = tasks::create(&mut tx, project, &fields).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// One task.
pub async fn get(State(state): State<AppState>, Id(id): Id) -> AppResult<Json<Task>> {
    Ok(Json(tasks::get(&state.pool, id).await?))
}

/// Changes the present fields of a task.
pub async fn update(
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<TaskBody>,
) -> AppResult<Json<Task>> {
    let fields = TaskFields::from(body);
    fields.validate()?;
    let mut tx = state.pool.begin().await?;
    let task = tasks::update(&mut tx, id, &fields).await?;
    tx.commit().await?;
    Ok(Json(task))
}

/// Deletes a task.
pub async fn delete(State(state): State<AppState>, Id(id): Id) -> AppResult<StatusCode> {
    tasks::delete(&state.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A task's comments.
pub async fn comments(
    State(state): State<AppState>,
    Id(task): Id,
) -> AppResult<Json<serde_json::Value>> {
    let mut tx = state.pool.begin().await?;
    let items = comments::list(&mut tx, task).await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// Comments on a task as the caller.
pub async fn comment(
    State(state): State<AppState>,
    principal: Principal,
    Id(task): Id,
    JsonBody(body): JsonBody<NewComment>,
) -> AppResult<(StatusCode, Json<Comment>)> {
    let mut tx = state.pool.begin().await?;
    let comment = comments::create(&mut tx, task, principal.user, &body.body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

/// Deletes a comment (its author, or an owner/admin).
pub async fn delete_comment(
    State(state): State<AppState>,
    principal: Principal,
    Id(id): Id,
) -> AppResult<StatusCode> {
    comments::delete(&state.pool, id, principal.user, principal.role.is_manager()).await?;
    Ok(StatusCode::NO_CONTENT)
}
