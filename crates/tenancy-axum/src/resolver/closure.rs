//! Resolvers written as closures.
//!
//! An async closure — `Fn(&mut Parts) -> impl Future<Output = Result<TenantId, Rejection>>` —
//! is a resolver as it is; copy what the future needs out of the request head, since the future
//! cannot borrow it. A synchronous closure `Fn(&Parts) -> Result<TenantId, Rejection>` becomes one
//! with [`from_fn`], and costs no allocation per request.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use http::request::Parts;
//! use tenancy_axum::{Rejection, Tenant, TenantLayer};
//! use tenancy_core::TenantId;
//! use tower::ServiceExt;
//!
//! // The tenant is the `tenant` query parameter, checked by an async call.
//! let resolver = |parts: &mut Parts| {
//!     let query = parts.uri.query().unwrap_or_default().to_owned();
//!     async move {
//!         let value = query.strip_prefix("tenant=").ok_or(Rejection::missing("query tenant"))?;
//!         value.parse::<i64>().map(TenantId::Int).map_err(|_| Rejection::malformed("query tenant", "expected an integer"))
//!     }
//! };
//! let app = Router::new()
//!     .route("/", get(|Tenant(id): Tenant| async move { id.to_string() }))
//!     .layer(TenantLayer::new(resolver));
//!
//! let response = app.oneshot(http::Request::get("/?tenant=5").body(Body::empty())?).await?;
//! assert_eq!(response.status(), 200);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;

use http::request::Parts;

use super::{Resolution, ResolveTenant, Resolving};

impl<F, Fut> ResolveTenant for F
where
    F: Fn(&mut Parts) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Resolution> + Send + 'static,
{
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        Resolving::from_future(self(parts))
    }
}

/// A synchronous closure used as a resolver; see [`from_fn`].
#[derive(Clone)]
pub struct FnResolver<F> {
    f: F,
}

impl<F> fmt::Debug for FnResolver<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnResolver").finish_non_exhaustive()
    }
}

/// Makes a resolver of a synchronous closure over the request head.
///
/// # Example
/// ```
/// use http::request::Parts;
/// use tenancy_axum::{Rejection, resolver::{ResolveTenant, from_fn}};
/// use tenancy_core::TenantId;
///
/// // Tenants by port: one listener per tenant.
/// let by_port = from_fn(|parts: &Parts| match parts.uri.port_u16() {
///     Some(8001) => Ok(TenantId::Int(1)),
///     Some(_) => Err(Rejection::Unknown),
///     None => Err(Rejection::missing("port")),
/// });
/// let mut parts = http::Request::get("http://localhost:8001/").body(())?.into_parts().0;
/// assert_eq!(by_port.resolve(&mut parts).now(), Some(Ok(TenantId::Int(1))));
/// # Ok::<(), http::Error>(())
/// ```
pub fn from_fn<F>(f: F) -> FnResolver<F>
where
    F: Fn(&Parts) -> Resolution + Send + Sync + 'static,
{
    FnResolver { f }
}

impl<F> ResolveTenant for FnResolver<F>
where
    F: Fn(&Parts) -> Resolution + Send + Sync + 'static,
{
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        Resolving::ready((self.f)(parts))
    }
}
