//! Domain logic as plain functions over a tenant-scoped executor (`&TenantPool` or
//! `&mut TenantTransaction`). No function here names a tenant: the SDK adds
//! `tenant_id = <current tenant>` to every statement, so these queries cannot reach another
//! tenant's rows, and an object of another tenant is indistinguishable from a missing one.

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

/// A new id: UUIDv7, so ids sort by creation time (keyset pagination) and no sequence is shared
/// between tenants (Citus distributes the tables unchanged).
#[must_use]
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
