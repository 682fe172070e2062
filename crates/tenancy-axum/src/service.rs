//! [`TenantService`]: the middleware service built by [`TenantLayer`](crate::TenantLayer).

use std::fmt;
use std::mem;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use crate::body::RejectionBody;
use crate::future::ResponseFuture;
use crate::resolver::ResolveTenant;

/// Middleware service that runs each request in the scope of its tenant.
///
/// Built by [`TenantLayer`](crate::TenantLayer), which documents the behaviour.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::body::Body;
/// use tenancy_axum::{TenantLayer, resolver::HeaderResolver};
/// use tower::{Layer, ServiceExt, service_fn};
///
/// let echo = service_fn(|_req: http::Request<Body>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(Body::from(format!("{:?}", tenancy_core::try_current()))))
/// });
/// let service = TenantLayer::new(HeaderResolver::default()).layer(echo);
/// let response = service.oneshot(http::Request::get("/").body(Body::empty())?).await?;
/// assert_eq!(response.status(), 400); // no X-Tenant: the inner service never ran
/// # Ok(())
/// # }
/// ```
pub struct TenantService<S, R> {
    inner: S,
    resolver: Arc<R>,
    optional: bool,
}

impl<S, R> TenantService<S, R> {
    pub(crate) fn new(inner: S, resolver: Arc<R>, optional: bool) -> Self {
        Self {
            inner,
            resolver,
            optional,
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Consumes the middleware, returning the wrapped service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, R> Clone for TenantService<S, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            resolver: Arc::clone(&self.resolver),
            optional: self.optional,
        }
    }
}

impl<S: fmt::Debug, R> fmt::Debug for TenantService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantService")
            .field("inner", &self.inner)
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for TenantService<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    R: ResolveTenant,
    ResBody: RejectionBody,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let resolving = self.resolver.resolve(&mut parts);
        match resolving.try_now() {
            // Known already (parsed key, cache hit): call the instance `poll_ready` prepared.
            Ok(resolution) => ResponseFuture::resolved(
                resolution,
                &mut self.inner,
                Request::from_parts(parts, body),
                self.optional,
            ),
            Err(resolving) => {
                // The lookup finishes later, so the future needs its own service. The clone has
                // not been driven to readiness; keep it here and hand over the one that has.
                let clone = self.inner.clone();
                let ready = mem::replace(&mut self.inner, clone);
                ResponseFuture::resolving(resolving, ready, parts, body, self.optional)
            }
        }
    }
}
