//! Carrying the scope into other tasks, only when asked.

use std::future::Future;

use tokio::task::JoinHandle;
use tracing::Span;

use super::scoped::{Scoped, scope};
use super::state::{ScopeState, scope_state};
use crate::tenant::TenantId;

/// Spawns `fut` on the Tokio runtime in the scope of the caller.
///
/// The task runs with the tenant (or the unscoped section) current at the call, and inside the
/// caller's tracing span. A plain `tokio::spawn` starts with no tenant: tasks inherit only when
/// asked, so a background task can never silently run as whoever happened to spawn it.
///
/// # Panics
/// Like `tokio::spawn`, when called outside a Tokio runtime.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tenancy_core::{TenantId, scope, spawn, try_current};
///
/// let seen = scope(TenantId::Int(9), async { spawn(async { try_current() }).await }).await;
/// assert_eq!(seen.ok().flatten(), Some(TenantId::Int(9)));
///
/// let plain = scope(TenantId::Int(9), async { tokio::spawn(async { try_current() }).await }).await;
/// assert_eq!(plain.ok().flatten(), None);
/// # }
/// ```
#[track_caller]
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(fut.in_current_scope())
}

/// Puts a future in a tenant scope, like `tracing::Instrument` does with spans.
///
/// Implemented for every future.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tenancy_core::{TenantId, WithTenant, try_current};
///
/// let job = async { try_current() }.with_tenant(TenantId::Int(3));
/// assert_eq!(tokio::spawn(job).await.ok().flatten(), Some(TenantId::Int(3)));
/// # }
/// ```
pub trait WithTenant: Future + Sized {
    /// Runs this future with `tenant` current; the same as [`scope`].
    ///
    /// # Example
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tenancy_core::{TenantId, WithTenant, try_current};
    /// assert_eq!(async { try_current() }.with_tenant(TenantId::Int(4)).await, Some(TenantId::Int(4)));
    /// # }
    /// ```
    fn with_tenant(self, tenant: TenantId) -> Scoped<Self> {
        scope(tenant, self)
    }

    /// Runs this future in the scope current *now*, wherever it is polled later.
    ///
    /// Captures the tenant (or unscoped section, or the absence of both) and the current tracing
    /// span; outside any scope the future runs explicitly outside any scope.
    ///
    /// # Example
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tenancy_core::{TenantId, WithTenant, scope_sync, try_current};
    ///
    /// let task = scope_sync(TenantId::Int(5), || async { try_current() }.in_current_scope());
    /// assert_eq!(tokio::spawn(task).await.ok().flatten(), Some(TenantId::Int(5)));
    /// # }
    /// ```
    fn in_current_scope(self) -> Scoped<Self> {
        in_scope_state(scope_state(), self)
    }
}

impl<F: Future> WithTenant for F {}

/// Re-enters a captured state; the span is the caller's, which already carries the tenant field.
fn in_scope_state<F: Future>(state: ScopeState, fut: F) -> Scoped<F> {
    Scoped::enter(state, Span::current(), fut)
}
