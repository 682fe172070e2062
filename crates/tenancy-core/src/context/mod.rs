//! The current tenant: a task-local scope that fails closed outside it.
//!
//! - [`scope`] runs a future as a tenant; [`current`] returns that tenant or
//!   [`Error::NoTenant`](crate::Error::NoTenant) outside a scope, so forgotten scoping fails
//!   instead of leaking.
//! - Scopes nest and are restored on exit, on panic and on cancellation. They are task-local:
//!   thousands of tasks interleaving on one thread each see their own tenant.
//! - Every scope is a tracing span with a `tenant_id` field, so log lines inside carry the tenant.
//! - Spawned tasks inherit the scope only when asked: [`spawn`] or [`WithTenant`].
//! - [`unscoped`] is the one audited way to do cross-tenant admin work.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tenancy_core::Error> {
//! use tenancy_core::{TenantId, current, scope, spawn};
//!
//! let tenant = scope(TenantId::from("acme"), async {
//!     // A helper task started with `spawn` keeps the tenant.
//!     spawn(async { current() }).await.map_err(|_| tenancy_core::Error::NoTenant)?
//! })
//! .await?;
//! assert_eq!(tenant, TenantId::from("acme"));
//! # Ok(())
//! # }
//! ```

mod scoped;
mod spawn;
mod state;

pub use scoped::{AUDIT_TARGET, Scoped, scope, scope_sync, unscoped};
pub use spawn::{WithTenant, spawn};
pub use state::{ScopeState, current, is_unscoped, scope_state, try_current};
