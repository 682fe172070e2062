//! Entering a scope: the [`Scoped`] future and the functions that build it.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tracing::Span;
use tracing::instrument::{Instrument, Instrumented};
use tracing::level_filters::LevelFilter;

use super::state::{SCOPE, ScopeState};
use crate::tenant::TenantId;

/// The tracing target of the audit event emitted when an [`unscoped`] section starts.
pub const AUDIT_TARGET: &str = "tenancy::audit";

pin_project! {
    /// A future that runs inside a scope: a tenant, an audited unscoped section, or explicitly none.
    ///
    /// Returned by [`scope`], [`unscoped`] and the [`WithTenant`](super::WithTenant) extension.
    /// Every poll (and the drop of the inner future) happens with the scope set and its tracing span
    /// entered; the previous scope is restored after each poll, also when the inner future panics,
    /// so nested scopes and interleaved tasks never see each other's tenant.
    ///
    /// # Example
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tenancy_core::{Scoped, TenantId, scope, try_current};
    ///
    /// // A named type, so middleware can store it in its own response future.
    /// let fut: Scoped<_> = scope(TenantId::Int(1), async { try_current() });
    /// assert_eq!(fut.await, Some(TenantId::Int(1)));
    /// # }
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        #[pin]
        inner: TaskLocalFuture<ScopeState, Instrumented<F>>,
        // Emitted once, on the first poll, so a section that is built but never run leaves no trail.
        audit: Option<Audit>,
    }
}

#[derive(Debug)]
struct Audit {
    reason: &'static str,
    caller: &'static Location<'static>,
    span: Span,
}

impl<F: Future> Scoped<F> {
    /// Runs `fut` in `state` with `span` entered on every poll.
    pub(super) fn enter(state: ScopeState, span: Span, fut: F) -> Self {
        Self {
            inner: SCOPE.scope(state, fut.instrument(span)),
            audit: None,
        }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(audit) = this.audit.take() {
            audit.span.in_scope(|| {
                tracing::info!(
                    target: AUDIT_TARGET,
                    reason = audit.reason,
                    caller = %audit.caller,
                    "entering unscoped section: tenant filtering is off"
                );
            });
        }
        this.inner.poll(cx)
    }
}

impl<F> std::fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoped").finish_non_exhaustive()
    }
}

/// The span that carries the tenant into every log line emitted inside a scope.
///
/// When no subscriber records INFO spans (one atomic load), no span is built: `info_span!` would
/// still assemble its fields for the `log` bridge that dependencies switch on, on every scope.
pub(super) fn tenant_span(tenant: &TenantId) -> Span {
    if LevelFilter::current() < LevelFilter::INFO {
        return Span::none();
    }
    tracing::info_span!("tenant_scope", tenant_id = %tenant)
}

/// Runs `fut` with `tenant` as the current tenant.
///
/// Inside, [`current`](super::current) returns `tenant`; a nested scope shadows it and the outer
/// tenant is back as soon as the nested future returns, panics or is dropped. The future is also
/// instrumented with a `tenant_scope` span whose `tenant_id` field tags every log line inside.
///
/// Tasks started with `tokio::spawn` inside do *not* inherit the tenant; use
/// [`spawn`](super::spawn) or [`WithTenant`](super::WithTenant) to carry it.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), tenancy_core::Error> {
/// use tenancy_core::{TenantId, current, scope};
///
/// scope(TenantId::Int(1), async {
///     assert_eq!(current()?, TenantId::Int(1));
///     scope(TenantId::Int(2), async { assert_eq!(current()?, TenantId::Int(2)); Ok::<_, tenancy_core::Error>(()) }).await?;
///     assert_eq!(current()?, TenantId::Int(1));
///     Ok(())
/// })
/// .await
/// # }
/// ```
pub fn scope<F: Future>(tenant: TenantId, fut: F) -> Scoped<F> {
    let span = tenant_span(&tenant);
    Scoped::enter(ScopeState::Tenant(tenant), span, fut)
}

/// Runs the closure `f` with `tenant` as the current tenant, for synchronous code.
///
/// The outer scope is restored when `f` returns or panics.
///
/// # Example
/// ```
/// use tenancy_core::{TenantId, scope_sync, try_current};
///
/// let seen = scope_sync(TenantId::from("acme"), || try_current());
/// assert_eq!(seen, Some(TenantId::from("acme")));
/// assert_eq!(try_current(), None);
/// ```
pub fn scope_sync<R>(tenant: TenantId, f: impl FnOnce() -> R) -> R {
    let span = tenant_span(&tenant);
    let _entered = span.enter();
    SCOPE.sync_scope(ScopeState::Tenant(tenant), f)
}

/// Runs `fut` in an explicit, audited section that is not scoped to any tenant.
///
/// For admin work that must cross tenants (migrations, billing sweeps, support tooling). When the
/// future is first polled, an event with target [`AUDIT_TARGET`] (`tenancy::audit`) records
/// `reason` and the caller's source location. Inside, [`current`](super::current) still fails
/// with `NoTenant` so tenant-scoped code keeps failing closed; data layers that support admin
/// statements check [`is_unscoped`](super::is_unscoped) or [`scope_state`](super::scope_state).
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tenancy_core::{current, is_unscoped, unscoped};
///
/// unscoped("recompute plan usage for all tenants", async {
///     assert!(is_unscoped());
///     assert!(current().is_err());
/// })
/// .await;
/// # }
/// ```
#[track_caller]
pub fn unscoped<F: Future>(reason: &'static str, fut: F) -> Scoped<F> {
    let caller = Location::caller();
    let span = tracing::info_span!("tenant_unscoped", reason, caller = %caller);
    let mut scoped = Scoped::enter(ScopeState::Unscoped { reason }, span.clone(), fut);
    scoped.audit = Some(Audit {
        reason,
        caller,
        span,
    });
    scoped
}
