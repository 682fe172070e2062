//! Users and their memberships (roles) in the tenant in scope.

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A member's role, from most to least powerful.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Role {
    /// Created the organisation; everything, including billing.
    Owner,
    /// Manages members, invitations and projects.
    Admin,
    /// Works on projects and tasks.
    Member,
}

impl Role {
    /// The role's name as stored and sent in tokens.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Parses a stored role name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }

    /// Whether this role may manage the organisation (delete projects, invite, billing).
    #[must_use]
    pub fn is_manager(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// A user and their role in the tenant.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Member {
    /// User id.
    pub id: Uuid,
    /// Login email, unique in the tenant.
    pub email: String,
    /// Role in the tenant.
    pub role: Role,
}

/// A user's credentials, for login.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    /// User id.
    pub id: Uuid,
    /// Argon2 PHC string.
    pub password_hash: Option<String>,
    /// Role in the tenant.
    pub role: Role,
}

/// Lowercases and checks an email address (one `@`, something on both sides, no spaces).
///
/// # Errors
/// 422.
pub fn normalize_email(email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid("email", "must be an email address"))
    }
}

/// Creates a user with a role in the tenant in scope.
///
/// # Errors
/// 409 when the email is already a member.
pub async fn create(
    tx: &mut crate::db::Transaction,
    email: &str,
    password_hash: &str,
    role: Role,
) -> AppResult<Uuid> {
    let (tenant, id) = (super::current_tenant()?, super::new_id());
    let inserted = sqlx::query(
        "INSERT INTO users (tenant_id, id, email, password_hash) VALUES ($4::uuid, $1, $2, $3) \
         ON CONFLICT (tenant_id, email) DO NOTHING",
    )
    .bind(id)
    .bind(email)
    .bind(password_hash)
    .bind(tenant)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::Conflict(format!("{email} is already a member")));
    }
    sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($3::uuid, $1, $2)")
        .bind(id)
        .bind(role)
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    Ok(id)
}

/// Credentials of the user with `email` in the tenant in scope.
///
/// # Errors
/// Database errors.
pub async fn credentials(ex: impl PgExecutor<'_>, email: &str) -> AppResult<Option<Credentials>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.password_hash, m.role FROM users u \
         JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id \
         WHERE u.tenant_id = $2 AND u.email = $1",
    )
    .bind(email)
    .bind(super::current_tenant()?)
    .fetch_optional(ex)
    .await?)
}

/// The role of a user in the tenant in scope (`None`: not a member).
///
/// # Errors
/// Database errors.
pub async fn role_of(ex: impl PgExecutor<'_>, user: Uuid) -> AppResult<Option<Role>> {
    Ok(
        sqlx::query_scalar("SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2")
            .bind(super::current_tenant()?)
            .bind(user)
            .fetch_optional(ex)
            .await?,
    )
}

/// All members of the tenant in scope.
///
/// # Errors
/// Database errors.
pub async fn list(ex: impl PgExecutor<'_>) -> AppResult<Vec<Member>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.email, m.role FROM users u \
         JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id \
         WHERE u.tenant_id = $1 ORDER BY u.id",
    )
    .bind(super::current_tenant()?)
    .fetch_all(ex)
    .await?)
}

/// Whether `user` is a user of the tenant in scope (assignees must be).
///
/// # Errors
/// Database errors.
pub async fn exists(ex: impl PgExecutor<'_>, user: Uuid) -> AppResult<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2)")
            .bind(super::current_tenant()?)
            .bind(user)
            .fetch_one(ex)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email(" Ann@Example.COM ").ok().as_deref(),
            Some("ann@example.com")
        );
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@localhost",
            "a b@example.com",
            "a@b@c.d",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_owners_and_admins_manage() {
        assert!(Role::Owner.is_manager() && Role::Admin.is_manager());
        assert!(!Role::Member.is_manager());
        assert_eq!(Role::parse(Role::Admin.as_str()), Some(Role::Admin));
    }
}
