//! Authentication: argon2 passwords, the access tokens this service issues, external OIDC tokens
//! verified through a JWKS, and the middleware that turns a bearer token into a [`Principal`].

pub mod middleware;
pub mod oidc;
pub mod password;
pub mod secret;
pub mod tokens;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::domain::members::Role;
use crate::error::AppError;

/// The verified caller of a request: a user of one tenant with a role there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The tenant the token is bound to.
    pub tenant: Uuid,
    /// The user.
    pub user: Uuid,
    /// Their role in the tenant.
    pub role: Role,
}

impl Principal {
    /// Requires an owner or admin.
    ///
    /// # Errors
    /// 403 otherwise.
    pub fn require_manager(&self) -> Result<(), AppError> {
        if self.role.is_manager() {
            Ok(())
        } else {
            Err(AppError::Forbidden("this needs the owner or admin role"))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .copied()
            .ok_or(AppError::Unauthorized("a bearer token is required"))
    }
}
