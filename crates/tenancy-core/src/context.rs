//! The current tenant: a task-local scope that fails closed outside it.
//!
//! (Skeleton: implemented by the context work item.)

use crate::error::Error;
use crate::tenant::TenantId;

/// Returns the tenant in scope.
///
/// # Errors
/// [`Error::NoTenant`] outside a tenant scope.
///
/// # Example
/// ```
/// assert!(tenancy_core::context::current().is_err());
/// ```
pub fn current() -> Result<TenantId, Error> {
    Err(Error::NoTenant)
}
