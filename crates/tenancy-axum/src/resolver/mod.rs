//! Resolvers: where in a request the tenant is, and how its key becomes a [`TenantId`].
//!
//! A resolver reads the request head ([`Parts`]) synchronously — it may also rewrite it, as
//! [`PathPrefixResolver`] does — and returns a [`Resolving`] future. When the key is parsed
//! directly or found in a [`CachedLookup`](crate::lookup::CachedLookup), that future is already
//! complete and nothing is allocated; only a cache miss awaits the lookup.
//!
//! | resolver | reads | missing |
//! |---|---|---|
//! | [`SubdomainResolver`] | `acme.example.com` | 400 |
//! | [`HeaderResolver`] | `X-Tenant: acme` | 400 |
//! | [`PathPrefixResolver`] | `/t/acme/...` (prefix stripped) | 400 |
//! | [`JwtClaimResolver`] | a claim of an already verified token | 401 |
//! | [`Chain`] | several of the above, which must agree | 403 on disagreement |
//! | closures | anything | your choice |
//!
//! # Example
//! ```
//! use tenancy_axum::resolver::{HeaderResolver, ResolveTenant};
//! use tenancy_core::TenantId;
//!
//! let (mut parts, ()) = http::Request::get("/").header("x-tenant", "42").body(())?.into_parts();
//! let resolved = HeaderResolver::default().resolve(&mut parts).now();
//! assert_eq!(resolved, Some(Ok(TenantId::Int(42))));
//! # Ok::<(), http::Error>(())
//! ```

mod chain;
mod closure;
mod header;
mod jwt;
mod path;
mod subdomain;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::request::Parts;
use tenancy_core::TenantId;

use crate::rejection::Rejection;

pub use chain::Chain;
pub use closure::{FnResolver, from_fn};
pub use header::HeaderResolver;
pub use jwt::{JwtClaimResolver, VerifiedClaims};
pub use path::{PathPrefixResolver, StrippedPrefix};
pub use subdomain::SubdomainResolver;

/// The result of resolving one request.
pub type Resolution = Result<TenantId, Rejection>;

/// Finds the tenant of a request.
///
/// Implemented by the resolvers of this module and by closures
/// `Fn(&mut Parts) -> impl Future<Output = Result<TenantId, Rejection>>` (see [`from_fn`] for
/// synchronous ones). `resolve` runs synchronously while the request is received; the returned
/// future must not borrow the request, so copy what the lookup needs.
///
/// # Example
/// ```
/// use http::request::Parts;
/// use tenancy_axum::resolver::{ResolveTenant, Resolving};
/// use tenancy_axum::Rejection;
/// use tenancy_core::TenantId;
///
/// /// Every request belongs to tenant 1 (a single-tenant deployment).
/// struct Fixed;
///
/// impl ResolveTenant for Fixed {
///     fn resolve(&self, _: &mut Parts) -> Resolving {
///         Resolving::ready(Ok(TenantId::Int(1)))
///     }
/// }
///
/// let (mut parts, ()) = http::Request::new(()).into_parts();
/// assert_eq!(Fixed.resolve(&mut parts).now(), Some(Ok(TenantId::Int(1))));
/// ```
pub trait ResolveTenant: Send + Sync + 'static {
    /// Reads (and may rewrite) the request head and starts resolving its tenant.
    fn resolve(&self, parts: &mut Parts) -> Resolving;
}

type BoxResolution = Pin<Box<dyn Future<Output = Resolution> + Send>>;

/// A resolution in progress: already complete (parsed key, cache hit) or awaiting a lookup.
///
/// A concrete type rather than an associated future so resolvers can be combined and stored as
/// trait objects, while the common complete case costs no allocation.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tenancy_axum::resolver::Resolving;
/// use tenancy_core::TenantId;
///
/// let pending = Resolving::from_future(async { Ok(TenantId::Int(5)) });
/// assert_eq!(pending.await, Ok(TenantId::Int(5)));
/// # }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Resolving {
    state: State,
}

enum State {
    Ready(Option<Resolution>),
    Pending(BoxResolution),
}

impl Resolving {
    /// A resolution that is already complete.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::{Rejection, resolver::Resolving};
    /// assert_eq!(Resolving::ready(Err(Rejection::Unknown)).now(), Some(Err(Rejection::Unknown)));
    /// ```
    pub fn ready(resolution: Resolution) -> Self {
        Self {
            state: State::Ready(Some(resolution)),
        }
    }

    /// A resolution that completes when `fut` does (boxed once).
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::resolver::Resolving;
    /// use tenancy_core::TenantId;
    /// let r = Resolving::from_future(async { Ok(TenantId::Int(1)) });
    /// assert_eq!(r.now(), None); // not complete until polled
    /// ```
    pub fn from_future<F>(fut: F) -> Self
    where
        F: Future<Output = Resolution> + Send + 'static,
    {
        Self {
            state: State::Pending(Box::pin(fut)),
        }
    }

    /// The result, if it is known without polling.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::resolver::Resolving;
    /// use tenancy_core::TenantId;
    /// assert_eq!(Resolving::ready(Ok(TenantId::Int(3))).now(), Some(Ok(TenantId::Int(3))));
    /// ```
    #[must_use]
    pub fn now(self) -> Option<Resolution> {
        self.try_now().ok()
    }

    /// The result if it is known without polling, else the resolution itself to be awaited.
    ///
    /// # Errors
    /// Returns `self` unchanged when the resolution still has to be awaited.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::resolver::Resolving;
    /// use tenancy_core::TenantId;
    /// let pending = Resolving::from_future(async { Ok(TenantId::Int(1)) });
    /// assert!(pending.try_now().is_err());
    /// ```
    pub fn try_now(self) -> Result<Resolution, Self> {
        match self.state {
            State::Ready(Some(resolution)) => Ok(resolution),
            state => Err(Self { state }),
        }
    }
}

impl Future for Resolving {
    type Output = Resolution;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resolution> {
        match &mut self.state {
            // Polling a completed resolution again is a caller bug; answer 500-worthy
            // `NotInstalled` rather than panic inside a server.
            State::Ready(resolution) => {
                Poll::Ready(resolution.take().unwrap_or(Err(Rejection::NotInstalled)))
            }
            State::Pending(fut) => fut.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for Resolving {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            State::Ready(resolution) => {
                f.debug_tuple("Resolving::Ready").field(resolution).finish()
            }
            State::Pending(_) => f.write_str("Resolving::Pending"),
        }
    }
}

/// Checks a slug-like key: 1–`max` bytes of ASCII letters, digits, `-`, `_` and `.`.
///
/// Resolvers validate keys before any lookup so garbage never reaches the database.
pub(crate) fn check_key(key: &str, max: usize) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("the tenant key is empty");
    }
    if key.len() > max {
        return Err("the tenant key is too long");
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("a tenant key has only ASCII letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_before_lookup() {
        assert!(check_key("acme-1", 63).is_ok());
        assert!(check_key("", 63).is_err());
        assert!(check_key("a b", 63).is_err());
        assert!(check_key("%41", 63).is_err());
        assert!(check_key(&"a".repeat(64), 63).is_err());
        assert!(check_key("ünï", 63).is_err());
    }
}
