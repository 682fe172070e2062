//! What is in scope right now: a tenant, an audited unscoped section, or nothing.

use crate::error::Error;
use crate::tenant::TenantId;

tokio::task_local! {
    /// The scope of the running task. Absent (not set) means [`ScopeState::None`].
    pub(super) static SCOPE: ScopeState;
}

/// The scope code is running in.
///
/// Data-access layers match on this to decide what a statement may do: scope it to a tenant, run an
/// admin statement inside an audited [`unscoped`](super::unscoped) section, or refuse.
///
/// The enum is deliberately exhaustive: a new kind of scope must make every security decision that
/// matches on it fail to compile until it is handled.
///
/// # Example
/// ```
/// use tenancy_core::{ScopeState, TenantId};
///
/// assert_eq!(tenancy_core::scope_state(), ScopeState::None);
/// let state = tenancy_core::scope_sync(TenantId::Int(7), tenancy_core::scope_state);
/// assert_eq!(state, ScopeState::Tenant(TenantId::Int(7)));
/// assert_eq!(state.tenant(), Some(&TenantId::Int(7)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeState {
    /// Running on behalf of this tenant.
    Tenant(TenantId),
    /// Running in an explicit, audited admin section that may see every tenant.
    Unscoped {
        /// Why the section needs to cross tenants, as given to [`unscoped`](super::unscoped).
        reason: &'static str,
    },
    /// Outside any scope: tenant-scoped work must be refused.
    None,
}

impl ScopeState {
    /// The tenant, when this is a tenant scope.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::ScopeState;
    /// assert_eq!(ScopeState::Unscoped { reason: "billing sweep" }.tenant(), None);
    /// ```
    #[must_use]
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Self::Tenant(tenant) => Some(tenant),
            Self::Unscoped { .. } | Self::None => None,
        }
    }
}

/// The scope the current task runs in.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tenancy_core::{ScopeState, scope_state, unscoped};
///
/// let state = unscoped("nightly usage report", async { scope_state() }).await;
/// assert_eq!(state, ScopeState::Unscoped { reason: "nightly usage report" });
/// # }
/// ```
#[must_use]
pub fn scope_state() -> ScopeState {
    SCOPE.try_with(Clone::clone).unwrap_or(ScopeState::None)
}

/// Returns the tenant in scope.
///
/// # Errors
/// [`Error::NoTenant`] outside a tenant scope, including inside [`unscoped`](super::unscoped):
/// code that needs a tenant fails closed rather than running for nobody (or everybody).
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), tenancy_core::Error> {
/// use tenancy_core::{TenantId, current, scope};
///
/// assert!(current().is_err());
/// let inside = scope(TenantId::Int(42), async { current() }).await?;
/// assert_eq!(inside, TenantId::Int(42));
/// # Ok(())
/// # }
/// ```
pub fn current() -> Result<TenantId, Error> {
    try_current().ok_or(Error::NoTenant)
}

/// Returns the tenant in scope, or `None` outside a tenant scope.
///
/// # Example
/// ```
/// use tenancy_core::{TenantId, scope_sync, try_current};
///
/// assert_eq!(try_current(), None);
/// assert_eq!(scope_sync(TenantId::from("acme"), try_current), Some(TenantId::from("acme")));
/// ```
#[must_use]
pub fn try_current() -> Option<TenantId> {
    SCOPE
        .try_with(|state| state.tenant().cloned())
        .ok()
        .flatten()
}

/// Whether the current task runs inside an audited [`unscoped`](super::unscoped) section.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tenancy_core::{is_unscoped, unscoped};
///
/// assert!(!is_unscoped());
/// assert!(unscoped("tenant provisioning", async { is_unscoped() }).await);
/// # }
/// ```
#[must_use]
pub fn is_unscoped() -> bool {
    SCOPE
        .try_with(|state| matches!(state, ScopeState::Unscoped { .. }))
        .unwrap_or(false)
}
