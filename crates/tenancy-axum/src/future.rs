//! [`ResponseFuture`]: resolve the tenant, then run the inner service in its scope.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::request::Parts;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tenancy_core::{Scoped, TenantId, scope, scope_sync};
use tower_service::Service;

use crate::body::RejectionBody;
use crate::rejection::{Rejection, is_grpc};
use crate::resolver::{Resolution, Resolving};

/// A request waiting for its tenant lookup.
struct Waiting<S, B> {
    service: S,
    parts: Parts,
    body: B,
    optional: bool,
}

pin_project! {
    /// Response future of [`TenantService`](crate::TenantService).
    ///
    /// Walks `Resolving → Running`: awaits the tenant lookup when the resolver could not answer
    /// at once, then polls the inner future inside the tenant's scope (or answers the rejection).
    pub struct ResponseFuture<S, B>
    where
        S: Service<Request<B>>,
    {
        #[pin]
        state: State<S, B, S::Future>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B, F> {
        Resolving {
            resolving: Resolving,
            // `None` only after the request was handed to the inner service.
            waiting: Option<Waiting<S, B>>,
        },
        Running {
            #[pin]
            fut: Scoped<F>,
        },
        // An optional layer let a request without a tenant through.
        Unscoped {
            #[pin]
            fut: F,
        },
        Rejected {
            rejection: Rejection,
            // Answer the gRPC way: the request's content-type was `application/grpc…`.
            grpc: bool,
        },
    }
}

impl<S, B> ResponseFuture<S, B>
where
    S: Service<Request<B>>,
{
    /// The tenant is already known: call `service` now.
    pub(crate) fn resolved(
        resolution: Resolution,
        service: &mut S,
        request: Request<B>,
        optional: bool,
    ) -> Self {
        Self {
            state: start(resolution, service, request, optional),
        }
    }

    /// The tenant is being looked up; `service` is called when it is known.
    pub(crate) fn resolving(
        resolving: Resolving,
        service: S,
        parts: Parts,
        body: B,
        optional: bool,
    ) -> Self {
        let waiting = Waiting {
            service,
            parts,
            body,
            optional,
        };
        Self {
            state: State::Resolving {
                resolving,
                waiting: Some(waiting),
            },
        }
    }
}

/// The state after resolution: the inner call in scope, unscoped, or the rejection.
fn start<S, B>(
    resolution: Resolution,
    service: &mut S,
    request: Request<B>,
    optional: bool,
) -> State<S, B, S::Future>
where
    S: Service<Request<B>>,
{
    match resolution {
        Ok(tenant) => State::Running {
            fut: call_in_scope(tenant, service, request),
        },
        Err(rejection) if optional && rejection.is_absent() => State::Unscoped {
            fut: service.call(request),
        },
        Err(rejection) => {
            tracing::debug!(status = rejection.status().as_u16(), %rejection, "request rejected: no tenant");
            let grpc = is_grpc(request.headers());
            State::Rejected { rejection, grpc }
        }
    }
}

/// Calls the inner service in the tenant's scope, so work done in `call` itself (routing,
/// eager middleware) sees the tenant too, then scopes every poll of the returned future.
fn call_in_scope<S, B>(tenant: TenantId, service: &mut S, request: Request<B>) -> Scoped<S::Future>
where
    S: Service<Request<B>>,
{
    let fut = scope_sync(tenant.clone(), || service.call(request));
    scope(tenant, fut)
}

impl<S, B, ResBody> Future for ResponseFuture<S, B>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: RejectionBody,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Resolving { resolving, waiting } => {
                    let resolution = ready!(Pin::new(resolving).poll(cx));
                    let Some(mut w) = waiting.take() else {
                        // Only reachable by polling again after a panic in the inner `call`.
                        return Poll::Ready(Ok(Rejection::NotInstalled.to_response()));
                    };
                    let request = Request::from_parts(w.parts, w.body);
                    let next = start(resolution, &mut w.service, request, w.optional);
                    state.set(next);
                }
                StateProj::Running { fut } => return fut.poll(cx),
                StateProj::Unscoped { fut } => return fut.poll(cx),
                StateProj::Rejected { rejection, grpc } => {
                    return Poll::Ready(Ok(rejection.to_response_for(*grpc)));
                }
            }
        }
    }
}

impl<S, B> fmt::Debug for ResponseFuture<S, B>
where
    S: Service<Request<B>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
