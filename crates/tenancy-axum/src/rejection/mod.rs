//! Why a request got no tenant, answered as `application/problem+json` (RFC 9457), or with a
//! `grpc-status` to gRPC clients.
//!
//! | rejection | status | gRPC status | when |
//! |---|---|---|---|
//! | [`Rejection::Missing`] | 400 | `INVALID_ARGUMENT` (3) | the request names no tenant where one is required |
//! | [`Rejection::Unauthenticated`] | 401 | `UNAUTHENTICATED` (16) | the tenant comes from credentials and there are none |
//! | [`Rejection::Malformed`] | 400 | `INVALID_ARGUMENT` (3) | the tenant key is not a well-formed key |
//! | [`Rejection::Disagreement`] | 403 | `PERMISSION_DENIED` (7) | two sources name different tenants |
//! | [`Rejection::Unknown`] | 404 | `NOT_FOUND` (5) | no tenant has this key |
//! | [`Rejection::Unavailable`] | 503 | `UNAVAILABLE` (14) | the key lookup failed (e.g. the database is down) |
//! | [`Rejection::RateLimited`] | 429 | `RESOURCE_EXHAUSTED` (8) | the tenant used up its quota ([`TenantRateLimitLayer`](crate::TenantRateLimitLayer)) |
//! | [`Rejection::NotInstalled`] | 500 | `INTERNAL` (13) | a handler asked for a tenant but no [`TenantLayer`](crate::TenantLayer) ran |
//!
//! The middleware answers a request whose `content-type` starts with `application/grpc` the gRPC
//! way ([`Rejection::to_grpc_response`]: HTTP 200, trailers-only, `grpc-status` and
//! `grpc-message`), so gRPC clients such as tonic see a `Status` with the code above; every
//! other request gets the problem document ([`Rejection::to_response`]).
//!
//! Bodies are built from fixed text plus the *name* of the source (e.g. `header X-Tenant`): they
//! never echo the key from the request and never say whether some other tenant exists, so the
//! status code is the only thing a client learns.
//!
//! # Example
//! ```
//! use http::StatusCode;
//! use tenancy_axum::Rejection;
//!
//! let response: http::Response<bytes::Bytes> = Rejection::Unknown.to_response();
//! assert_eq!(response.status(), StatusCode::NOT_FOUND);
//! assert_eq!(response.headers()["content-type"], "application/problem+json");
//! let body: serde_json::Value = serde_json::from_slice(response.body())?;
//! assert_eq!(body["status"], 404);
//! assert_eq!(body["type"], "urn:tenancy:problem:unknown-tenant");
//! # Ok::<(), serde_json::Error>(())
//! ```

mod grpc;

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{Response, StatusCode};

use crate::body::RejectionBody;

pub(crate) use grpc::is_grpc;

/// The media type of every rejection body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a request could not be given a tenant.
///
/// Resolvers return it; [`TenantService`](crate::TenantService) turns it into a problem response
/// with [`Rejection::to_response`]. Custom resolvers build it with the constructors
/// ([`Rejection::missing`], [`Rejection::malformed`], …).
///
/// # Example
/// ```
/// use http::StatusCode;
/// use tenancy_axum::Rejection;
///
/// assert_eq!(Rejection::missing("header X-Tenant").status(), StatusCode::BAD_REQUEST);
/// assert_eq!(Rejection::unauthenticated("JWT claim tenant").status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(Rejection::Disagreement.status(), StatusCode::FORBIDDEN);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The request names no tenant in `origin` and one is required (400).
    #[error("the request names no tenant: {origin} is missing")]
    Missing {
        /// Where the tenant was expected, e.g. `header X-Tenant`.
        origin: Cow<'static, str>,
    },
    /// The tenant comes from credentials (`origin`) and the request carries none (401).
    #[error("authentication required: {origin} is missing")]
    Unauthenticated {
        /// Where the tenant was expected, e.g. `JWT claim tenant_id`.
        origin: Cow<'static, str>,
    },
    /// The tenant key in `origin` is not well formed (400).
    #[error("malformed tenant key in {origin}: {reason}")]
    Malformed {
        /// Where the key came from.
        origin: Cow<'static, str>,
        /// What a valid key looks like.
        reason: &'static str,
    },
    /// Two sources of the same request name different tenants (403).
    #[error("the tenant sources of this request disagree")]
    Disagreement,
    /// No tenant has the requested key (404).
    #[error("no tenant matches this request")]
    Unknown,
    /// The key lookup failed; the request may succeed later (503).
    #[error("tenant lookup unavailable")]
    Unavailable,
    /// The tenant used up its request quota; retry after `retry_after_secs` seconds (429).
    #[error("too many requests for this tenant: retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request will be accepted again (the `Retry-After` header).
        retry_after_secs: u64,
    },
    /// A handler asked for the tenant but no `TenantLayer` resolved one (500).
    #[error(
        "no tenant in scope: install `TenantLayer` in front of this handler, \
         or extract `OptionalTenant` on public routes"
    )]
    NotInstalled,
}

impl Rejection {
    /// A required tenant source is absent (400).
    ///
    /// # Example
    /// ```
    /// let r = tenancy_axum::Rejection::missing("cookie tenant");
    /// assert_eq!(r.to_string(), "the request names no tenant: cookie tenant is missing");
    /// ```
    pub fn missing(origin: impl Into<Cow<'static, str>>) -> Self {
        Self::Missing {
            origin: origin.into(),
        }
    }

    /// A credential that carries the tenant is absent (401).
    ///
    /// # Example
    /// ```
    /// let r = tenancy_axum::Rejection::unauthenticated("JWT claim org");
    /// assert_eq!(r.status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    pub fn unauthenticated(origin: impl Into<Cow<'static, str>>) -> Self {
        Self::Unauthenticated {
            origin: origin.into(),
        }
    }

    /// The key in `origin` is not well formed; `reason` says what a valid key looks like (400).
    ///
    /// # Example
    /// ```
    /// let r = tenancy_axum::Rejection::malformed("header X-Tenant", "expected a slug");
    /// assert_eq!(r.status(), http::StatusCode::BAD_REQUEST);
    /// ```
    pub fn malformed(origin: impl Into<Cow<'static, str>>, reason: &'static str) -> Self {
        Self::Malformed {
            origin: origin.into(),
            reason,
        }
    }

    /// Whether the request simply named no tenant (so an optional layer lets it through).
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::Rejection;
    /// assert!(Rejection::missing("header X-Tenant").is_absent());
    /// assert!(!Rejection::Unknown.is_absent());
    /// ```
    #[must_use]
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Missing { .. } | Self::Unauthenticated { .. })
    }

    /// The HTTP status of this rejection.
    ///
    /// # Example
    /// ```
    /// assert_eq!(tenancy_axum::Rejection::Unknown.status(), http::StatusCode::NOT_FOUND);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Missing { .. } | Self::Malformed { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::Disagreement => StatusCode::FORBIDDEN,
            Self::Unknown => StatusCode::NOT_FOUND,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotInstalled => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem `type` URI, stable across releases so clients can match on it.
    ///
    /// # Example
    /// ```
    /// assert_eq!(tenancy_axum::Rejection::Disagreement.problem_type(), "urn:tenancy:problem:tenant-mismatch");
    /// ```
    #[must_use]
    pub fn problem_type(&self) -> &'static str {
        match self {
            Self::Missing { .. } => "urn:tenancy:problem:missing-tenant",
            Self::Unauthenticated { .. } => "urn:tenancy:problem:unauthenticated",
            Self::Malformed { .. } => "urn:tenancy:problem:malformed-tenant",
            Self::Disagreement => "urn:tenancy:problem:tenant-mismatch",
            Self::Unknown => "urn:tenancy:problem:unknown-tenant",
            Self::Unavailable => "urn:tenancy:problem:tenant-lookup-unavailable",
            Self::RateLimited { .. } => "urn:tenancy:problem:rate-limited",
            Self::NotInstalled => "urn:tenancy:problem:tenant-layer-missing",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Missing { .. } => "Tenant required",
            Self::Unauthenticated { .. } => "Authentication required",
            Self::Malformed { .. } => "Malformed tenant key",
            Self::Disagreement => "Tenant mismatch",
            Self::Unknown => "Unknown tenant",
            Self::Unavailable => "Tenant lookup unavailable",
            Self::RateLimited { .. } => "Too many requests",
            Self::NotInstalled => "Tenant not resolved",
        }
    }

    /// The JSON problem document (`type`, `title`, `status`, `detail`).
    ///
    /// # Example
    /// ```
    /// let body = tenancy_axum::Rejection::Unknown.to_problem_json();
    /// assert_eq!(body["title"], "Unknown tenant");
    /// ```
    #[must_use]
    pub fn to_problem_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": self.problem_type(),
            "title": self.title(),
            "status": self.status().as_u16(),
            "detail": self.to_string(),
        })
    }

    /// The problem response, in any [`RejectionBody`] type.
    ///
    /// A 401 also carries `WWW-Authenticate: Bearer`, a 429 `Retry-After`.
    ///
    /// # Example
    /// ```
    /// let response: http::Response<bytes::Bytes> =
    ///     tenancy_axum::Rejection::unauthenticated("JWT claim tenant").to_response();
    /// assert_eq!(response.headers()["www-authenticate"], "Bearer");
    /// ```
    #[must_use]
    pub fn to_response<B: RejectionBody>(&self) -> Response<B> {
        let body = Bytes::from(self.to_problem_json().to_string());
        let mut response = Response::new(B::from_bytes(body));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        self.insert_hints(headers);
        response
    }

    /// The problem response, or the gRPC one when `grpc` is true (the request was gRPC).
    pub(crate) fn to_response_for<B: RejectionBody>(&self, grpc: bool) -> Response<B> {
        if grpc {
            self.to_grpc_response()
        } else {
            self.to_response()
        }
    }

    /// Headers that tell the client what to do next: `WWW-Authenticate` on 401, `Retry-After`
    /// on 429.
    fn insert_hints(&self, headers: &mut HeaderMap) {
        match self {
            Self::Unauthenticated { .. } => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited { retry_after_secs } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
    }
}

#[cfg(feature = "axum")]
impl axum_core::response::IntoResponse for Rejection {
    fn into_response(self) -> axum_core::response::Response {
        self.to_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rejection_has_a_distinct_type_and_matching_status() {
        let all = [
            Rejection::missing("x"),
            Rejection::unauthenticated("x"),
            Rejection::malformed("x", "y"),
            Rejection::Disagreement,
            Rejection::Unknown,
            Rejection::Unavailable,
            Rejection::RateLimited {
                retry_after_secs: 1,
            },
            Rejection::NotInstalled,
        ];
        let mut types: Vec<_> = all.iter().map(Rejection::problem_type).collect();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), all.len());
        for r in &all {
            assert_eq!(r.to_problem_json()["status"], r.status().as_u16());
        }
    }
}
