//! [`TenantLayer`]: applies [`TenantService`] to a service.

use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use crate::resolver::ResolveTenant;
use crate::service::TenantService;

/// Middleware that resolves the tenant of every request and runs the inner service in its scope.
///
/// Wraps a service in a [`TenantService`]: for each request it asks the resolver `R` for the
/// tenant, answers a [`Rejection`](crate::Rejection) as `application/problem+json` when there is
/// none, and otherwise calls and polls the inner service inside
/// [`tenancy_core::scope`], so handlers, the data layer and tasks started with
/// [`tenancy_core::spawn`] see the tenant, and a tracing span carries `tenant_id`.
///
/// Works with any `tower::Service<http::Request<B>>` whose response body is a
/// [`RejectionBody`](crate::RejectionBody) — axum, hyper and tower-http bodies, and with feature
/// `tonic` tonic's: `tonic::transport::Server::builder().layer(TenantLayer::new(..))` or a layer
/// around `tonic::service::Routes`. gRPC calls (`content-type: application/grpc…`) are rejected
/// with a `grpc-status` instead of a problem document
/// ([`Rejection::to_grpc_response`](crate::Rejection::to_grpc_response)), so a tonic client gets
/// e.g. `Code::NotFound` for an unknown tenant.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::body::Body;
/// use tenancy_axum::{TenantLayer, resolver::HeaderResolver};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// // Not axum: a plain tower service reads the tenant from the scope.
/// let service = ServiceBuilder::new()
///     .layer(TenantLayer::new(HeaderResolver::default()))
///     .service(service_fn(|_req: http::Request<Body>| async {
///         let tenant = tenancy_core::current()?;
///         Ok::<_, tenancy_core::Error>(http::Response::new(Body::from(tenant.to_string())))
///     }));
///
/// let request = http::Request::get("/").header("x-tenant", "acme").body(Body::empty())?;
/// let response = service.oneshot(request).await?;
/// assert_eq!(response.status(), 200);
/// # Ok(())
/// # }
/// ```
///
/// # Example: tonic (feature `tonic`)
/// ```
/// # #[cfg(feature = "tonic")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use tenancy_axum::{TenantLayer, resolver::HeaderResolver};
/// use tonic::service::Routes;
/// use tower::{Layer, ServiceExt};
///
/// // In a server: every call's `x-tenant` metadata names its tenant.
/// let layer = TenantLayer::new(HeaderResolver::default());
/// let _server = tonic::transport::Server::builder()
///     .layer(layer.clone())
///     .add_routes(Routes::default()); // your generated services go here
///
/// // A call without the metadata never reaches a service: the client sees INVALID_ARGUMENT.
/// let routes = layer.layer(Routes::default());
/// let call = http::Request::post("/my.Service/Method")
///     .header("content-type", "application/grpc")
///     .body(tonic::body::Body::empty())?;
/// let response = routes.oneshot(call).await?;
/// assert_eq!(response.headers()["grpc-status"], "3");
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "tonic"))]
/// # fn main() {}
/// ```
pub struct TenantLayer<R> {
    resolver: Arc<R>,
    optional: bool,
}

impl<R: ResolveTenant> TenantLayer<R> {
    /// Requires a tenant on every request, found by `resolver`.
    #[must_use]
    pub fn new(resolver: R) -> Self {
        Self {
            resolver: Arc::new(resolver),
            optional: false,
        }
    }
}

impl<R> TenantLayer<R> {
    /// Lets requests that name no tenant through, outside any tenant scope (for public routes).
    ///
    /// Only *absent* tenants pass ([`Rejection::is_absent`](crate::Rejection::is_absent));
    /// malformed, unknown and disagreeing ones are still rejected. Handlers use
    /// [`OptionalTenant`](crate::OptionalTenant).
    ///
    /// # Example
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Router, body::Body, routing::get};
    /// use tenancy_axum::{OptionalTenant, TenantLayer, resolver::HeaderResolver};
    /// use tower::ServiceExt;
    ///
    /// let app = Router::new()
    ///     .route("/pricing", get(|OptionalTenant(t): OptionalTenant| async move {
    ///         t.map_or("public pricing".to_owned(), |t| format!("pricing for {t}"))
    ///     }))
    ///     .layer(TenantLayer::new(HeaderResolver::default()).optional());
    /// let response = app.oneshot(http::Request::get("/pricing").body(Body::empty())?).await?;
    /// assert_eq!(response.status(), 200);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

impl<R> Clone for TenantLayer<R> {
    fn clone(&self) -> Self {
        Self {
            resolver: Arc::clone(&self.resolver),
            optional: self.optional,
        }
    }
}

impl<R> fmt::Debug for TenantLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantLayer")
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}

impl<S, R> Layer<S> for TenantLayer<R> {
    type Service = TenantService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantService::new(inner, Arc::clone(&self.resolver), self.optional)
    }
}
