//! Application errors and their `application/problem+json` (RFC 9457) responses.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything a request can fail with. Each variant maps to one status; internal details are
/// logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing, invalid or expired credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 402: the plan does not allow this.
    #[error("{0}")]
    PaymentRequired(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404: no such object in this tenant (another tenant's object looks exactly the same).
    #[error("not found")]
    NotFound,
    /// 409: conflicts with existing state.
    #[error("{0}")]
    Conflict(String),
    /// 410: the thing existed but can no longer be used (an accepted or expired invitation).
    #[error("{0}")]
    Gone(&'static str),
    /// 413: the body is over `MAX_BODY_BYTES`.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    /// 422: well-formed but invalid fields.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 503: a dependency is not configured or not reachable.
    #[error("{0}")]
    Unavailable(String),
    /// 500: anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One invalid field.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldError {
    /// The JSON field name.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Result with [`AppError`].
pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<tenancy_sqlx::Error> for AppError {
    fn from(error: tenancy_sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl AppError {
    /// The HTTP status of this error.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field,
            message: message.into(),
        }])
    }
}

/// A problem+json response with `status`, `title` and `detail`.
pub fn problem(status: StatusCode, detail: &str, extra: Option<serde_json::Value>) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let (Some(serde_json::Value::Object(extra)), Some(map)) = (extra, body.as_object_mut()) {
        map.extend(extra);
    }
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                problem(status, "internal error; see the server log", None)
            }
            Self::Validation(errors) => problem(
                status,
                "some fields are invalid",
                Some(json!({ "errors": errors })),
            ),
            other => problem(status, &other.to_string(), None),
        }
    }
}
