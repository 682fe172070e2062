//! Domain logic as plain functions over a tenant-scoped executor (`&db::Pool` or
//! `&mut db::Transaction`, i.e. the SDK's `TenantPool` / `TenantTransaction`), run inside the
//! request's tenant scope.
//!
//! The SQL also names the tenant itself (`tenant_id = $n`, bound from [`current_tenant`]), the
//! way a careful hand-written app would: that is what lets the `baseline` build run the very same
//! statements on plain sqlx for the load-test comparison. In the normal build the SDK does not
//! trust those predicates: it rewrites every statement and adds its own
//! `tenant_id = <current tenant>` (and guards every written tenant value), so a query that forgot
//! its predicate, or bound the wrong tenant, still cannot reach another tenant's rows. An object
//! of another tenant is indistinguishable from a missing one.

pub mod comments;
pub mod invitations;
pub mod members;
pub mod organizations;
pub mod page;
pub mod projects;
pub mod sessions;
pub mod tasks;
pub mod usage;

pub use page::{Page, PageRequest};

/// The tenant in scope (this app's tenants are UUIDs), for the few values that embed it, such
/// as the tenant segment of refresh and invitation tokens.
///
/// # Errors
/// No tenant in scope (a bug: domain functions run inside one).
pub fn current_tenant() -> crate::error::AppResult<uuid::Uuid> {
    match tenancy_core::context::current() {
        Ok(tenancy_core::TenantId::Uuid(id)) => Ok(id),
        Ok(other) => Err(anyhow::anyhow!("tenant {other} is not a UUID").into()),
        Err(error) => Err(anyhow::Error::from(error).into()),
    }
}

/// A new id: UUIDv7, so ids sort by creation time (keyset pagination) and no sequence is shared
/// between tenants (Citus distributes the tables unchanged).
#[must_use]
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
