//! axum extractors for the tenant of the request: [`Tenant`] and [`OptionalTenant`].
//!
//! Both read the tenant scope that [`TenantLayer`](crate::TenantLayer) set up, so they agree
//! with what the data layer sees. Without a layer, [`Tenant`] answers 500
//! ([`Rejection::NotInstalled`](crate::Rejection::NotInstalled)): a route that needs a tenant but has no layer is a bug, not a
//! client error.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::{Tenant, TenantLayer, resolver::HeaderResolver};
//! use tower::ServiceExt;
//!
//! async fn whoami(Tenant(tenant): Tenant) -> String {
//!     format!("you are tenant {tenant}")
//! }
//!
//! let app = Router::new().route("/whoami", get(whoami)).layer(TenantLayer::new(HeaderResolver::default()));
//! let request = http::Request::get("/whoami").header("x-tenant", "acme").body(Body::empty())?;
//! let body = axum::body::to_bytes(app.oneshot(request).await?.into_body(), 1024).await?;
//! assert_eq!(body, "you are tenant acme");
//! # Ok(())
//! # }
//! ```

use tenancy_core::TenantId;

/// The tenant of the current request; rejects with 500 when no [`TenantLayer`](crate::TenantLayer) ran.
///
/// Also usable as `Option<Tenant>`.
///
/// # Example
/// ```
/// use tenancy_axum::Tenant;
/// use tenancy_core::TenantId;
///
/// async fn handler(Tenant(tenant): Tenant) -> String {
///     tenant.to_string()
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(handler));
/// let Tenant(id) = Tenant(TenantId::Int(3));
/// assert_eq!(id, TenantId::Int(3));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tenant(pub TenantId);

/// The tenant of the current request, if any: for public routes behind
/// [`TenantLayer::optional`](crate::TenantLayer::optional). Never rejects.
///
/// # Example
/// ```
/// use tenancy_axum::OptionalTenant;
///
/// async fn landing(OptionalTenant(tenant): OptionalTenant) -> String {
///     tenant.map_or_else(|| "welcome".to_owned(), |t| format!("welcome back, {t}"))
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(landing));
/// assert_eq!(OptionalTenant::default().0, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OptionalTenant(pub Option<TenantId>);

#[cfg(feature = "axum")]
mod axum_impls {
    use std::convert::Infallible;

    use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
    use http::request::Parts;

    use super::{OptionalTenant, Tenant};
    use crate::rejection::Rejection;

    impl<S: Send + Sync> FromRequestParts<S> for Tenant {
        type Rejection = Rejection;

        async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
            tenancy_core::try_current()
                .map(Tenant)
                .ok_or(Rejection::NotInstalled)
        }
    }

    impl<S: Send + Sync> OptionalFromRequestParts<S> for Tenant {
        type Rejection = Infallible;

        async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
            Ok(tenancy_core::try_current().map(Tenant))
        }
    }

    impl<S: Send + Sync> FromRequestParts<S> for OptionalTenant {
        type Rejection = Infallible;

        async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
            Ok(OptionalTenant(tenancy_core::try_current()))
        }
    }
}
