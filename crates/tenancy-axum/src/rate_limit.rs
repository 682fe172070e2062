//! Middleware that limits each tenant to its own request rate (token bucket per tenant).
//!
//! One noisy tenant exhausts only its own bucket: it gets `429 Too Many Requests` with
//! `Retry-After` while every other tenant is served as before. Buckets live in a bounded cache
//! (100,000 tenants by default); an evicted bucket comes back full, which at worst grants a
//! rarely seen tenant one extra burst. Requests without a tenant (public routes) are not limited.
//!
//! A gRPC call over quota gets `RESOURCE_EXHAUSTED` with `retry-after` metadata instead
//! ([`Rejection::to_grpc_response`](crate::Rejection::to_grpc_response)).
//!
//! The layer reads the tenant scope, so it must run *inside* [`TenantLayer`](crate::TenantLayer):
//! with axum, add it with `.layer(..)` before the tenant layer; with tonic's
//! `Server::builder()`, after it.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::rate_limit::{Quota, TenantRateLimitLayer};
//! use tenancy_axum::{TenantLayer, resolver::HeaderResolver};
//! use tower::{Service, ServiceExt};
//!
//! let mut app = Router::new()
//!     .route("/", get(|| async { "ok" }))
//!     .layer(TenantRateLimitLayer::new(Quota::per_minute(60).burst(2)))
//!     .layer(TenantLayer::new(HeaderResolver::default()));
//!
//! let get = |tenant: &str| http::Request::get("/").header("x-tenant", tenant).body(Body::empty());
//! let mut statuses = Vec::new();
//! for _ in 0..3 {
//!     let response = ServiceExt::<http::Request<Body>>::ready(&mut app).await?.call(get("1")?).await?;
//!     statuses.push(response.status().as_u16());
//! }
//! assert_eq!(statuses, [200, 200, 429]); // tenant 1 used its burst of 2
//! let response = ServiceExt::<http::Request<Body>>::ready(&mut app).await?.call(get("2")?).await?;
//! assert_eq!(response.status(), 200); // tenant 2 is not affected
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use pin_project_lite::pin_project;
use quick_cache::sync::Cache;
use tenancy_core::TenantId;
use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::RejectionBody;
use crate::rejection::{Rejection, is_grpc};

/// How many requests a tenant may make: a sustained rate and a burst.
///
/// # Example
/// ```
/// use tenancy_axum::rate_limit::Quota;
/// // 600 requests a minute on average, up to 50 at once.
/// let quota = Quota::per_minute(600).burst(50);
/// # let _ = quota;
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quota {
    per_second: f64,
    burst: f64,
}

impl Quota {
    /// `n` requests a second, with a burst of `n`. `n` is at least 1.
    #[must_use]
    pub fn per_second(n: u32) -> Self {
        let n = f64::from(n.max(1));
        Self {
            per_second: n,
            burst: n,
        }
    }

    /// `n` requests a minute, with a burst of `n`. `n` is at least 1.
    #[must_use]
    pub fn per_minute(n: u32) -> Self {
        let n = f64::from(n.max(1));
        Self {
            per_second: n / 60.0,
            burst: n,
        }
    }

    /// At most `n` requests at once after a quiet period (at least 1).
    #[must_use]
    pub fn burst(mut self, n: u32) -> Self {
        self.burst = f64::from(n.max(1));
        self
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets of every tenant seen recently.
struct Limiter {
    quota: Quota,
    buckets: Cache<TenantId, Arc<Mutex<Bucket>>>,
}

impl Limiter {
    /// Takes a token from `tenant`'s bucket, or says how long until one is available.
    fn acquire(&self, tenant: &TenantId) -> Result<(), Duration> {
        let now = Instant::now();
        let full = || {
            Ok::<_, std::convert::Infallible>(Arc::new(Mutex::new(Bucket {
                tokens: self.quota.burst,
                updated: now,
            })))
        };
        let Ok(bucket) = self.buckets.get_or_insert_with(tenant, full);
        let mut bucket = bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.quota.per_second).min(self.quota.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.quota.per_second,
            ))
        }
    }
}

/// Layer that applies [`TenantRateLimit`]: a token bucket per tenant.
///
/// See the [module docs](self) for an example.
#[derive(Clone)]
pub struct TenantRateLimitLayer {
    limiter: Arc<Limiter>,
}

impl TenantRateLimitLayer {
    /// Gives every tenant `quota`, remembering up to 100,000 tenants.
    #[must_use]
    pub fn new(quota: Quota) -> Self {
        Self::with_capacity(quota, 100_000)
    }

    /// Gives every tenant `quota`, remembering up to `tenants` buckets (at least 1).
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::rate_limit::{Quota, TenantRateLimitLayer};
    /// let layer = TenantRateLimitLayer::with_capacity(Quota::per_second(100), 1_000_000);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_capacity(quota: Quota, tenants: usize) -> Self {
        Self {
            limiter: Arc::new(Limiter {
                quota,
                buckets: Cache::new(tenants.max(1)),
            }),
        }
    }
}

impl fmt::Debug for TenantRateLimitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantRateLimitLayer")
            .field("quota", &self.limiter.quota)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for TenantRateLimitLayer {
    type Service = TenantRateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantRateLimit {
            inner,
            limiter: Arc::clone(&self.limiter),
        }
    }
}

/// Middleware that answers 429 to a tenant that exceeds its [`Quota`].
///
/// Built by [`TenantRateLimitLayer`]; see the [module docs](self).
#[derive(Clone)]
pub struct TenantRateLimit<S> {
    inner: S,
    limiter: Arc<Limiter>,
}

impl<S: fmt::Debug> fmt::Debug for TenantRateLimit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantRateLimit")
            .field("inner", &self.inner)
            .field("quota", &self.limiter.quota)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TenantRateLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: RejectionBody,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = RateLimitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let limited = tenancy_core::try_current().and_then(|t| self.limiter.acquire(&t).err());
        let state = match limited {
            None => State::Inner {
                fut: self.inner.call(request),
            },
            Some(wait) => {
                // Round up: a client retrying after the header's value must find a token.
                let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                State::Limited {
                    rejection: Rejection::RateLimited {
                        retry_after_secs: retry_after_secs.max(1),
                    },
                    grpc: is_grpc(request.headers()),
                }
            }
        };
        RateLimitFuture { state }
    }
}

pin_project! {
    /// Response future of [`TenantRateLimit`]: the inner future, or the 429.
    pub struct RateLimitFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        // Within quota: the request runs.
        Inner {
            #[pin]
            fut: F,
        },
        // Over quota: answered 429 (or `RESOURCE_EXHAUSTED` to a gRPC call) without calling
        // the inner service.
        Limited {
            rejection: Rejection,
            grpc: bool,
        },
    }
}

impl<F, ResBody, E> Future for RateLimitFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: RejectionBody,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { fut } => fut.poll(cx),
            StateProj::Limited { rejection, grpc } => {
                Poll::Ready(Ok(rejection.to_response_for(*grpc)))
            }
        }
    }
}

impl<F> fmt::Debug for RateLimitFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitFuture").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bucket_refills_at_the_quota_rate() {
        let limiter = TenantRateLimitLayer::new(Quota::per_second(2).burst(2)).limiter;
        let t = TenantId::Int(1);
        assert!(limiter.acquire(&t).is_ok());
        assert!(limiter.acquire(&t).is_ok());
        assert_eq!(limiter.acquire(&t), Err(Duration::from_millis(500)));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limiter.acquire(&t).is_ok());
        assert!(limiter.acquire(&t).is_err());
        // Idle time refills only up to the burst.
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(limiter.acquire(&t).is_ok());
        assert!(limiter.acquire(&t).is_ok());
        assert!(limiter.acquire(&t).is_err());
    }
}
