//! Rejections for gRPC clients: a trailers-only response with `grpc-status` and `grpc-message`.
//!
//! A gRPC client does not read the HTTP status or the body of a failed call; it reads
//! `grpc-status`. Answering it with a 404 and a JSON document would surface as an opaque
//! "protocol error" (tonic reports `Unknown` or `Internal`) instead of `NOT_FOUND`.

use std::fmt::Write as _;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Response, StatusCode};

use super::Rejection;
use crate::body::RejectionBody;

const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");

/// Whether the request is a gRPC call (`content-type: application/grpc`, `application/grpc+proto`, …).
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"))
}

impl Rejection {
    /// The gRPC status code of this rejection (the numbers of `google.rpc.Code`, as in
    /// `tonic::Code`): 400 → `INVALID_ARGUMENT` (3), 401 → `UNAUTHENTICATED` (16),
    /// 403 → `PERMISSION_DENIED` (7), 404 → `NOT_FOUND` (5), 429 → `RESOURCE_EXHAUSTED` (8),
    /// 503 → `UNAVAILABLE` (14), 500 → `INTERNAL` (13).
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::Rejection;
    ///
    /// assert_eq!(Rejection::missing("header x-tenant").grpc_code(), 3);
    /// assert_eq!(Rejection::Unknown.grpc_code(), 5);
    /// ```
    #[must_use]
    pub fn grpc_code(&self) -> i32 {
        match self {
            Self::Missing { .. } | Self::Malformed { .. } => 3,
            Self::Unauthenticated { .. } => 16,
            Self::Disagreement => 7,
            Self::Unknown => 5,
            Self::RateLimited { .. } => 8,
            Self::Unavailable => 14,
            Self::NotInstalled => 13,
        }
    }

    /// The rejection as a gRPC trailers-only response: HTTP 200, `content-type:
    /// application/grpc`, `grpc-status` ([`grpc_code`](Self::grpc_code)) and a percent-encoded
    /// `grpc-message` (the [`Display`](std::fmt::Display) text), and an empty body.
    ///
    /// [`TenantLayer`](crate::TenantLayer) and [`TenantRateLimitLayer`](crate::TenantRateLimitLayer)
    /// answer with it when the request's `content-type` starts with `application/grpc`. Like the
    /// problem response, a 401 also carries `www-authenticate` and a 429 `retry-after`, which a
    /// client sees in the status metadata.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::Rejection;
    ///
    /// let response: http::Response<bytes::Bytes> = Rejection::Unknown.to_grpc_response();
    /// assert_eq!(response.status(), 200);
    /// assert_eq!(response.headers()["grpc-status"], "5");
    /// assert_eq!(response.headers()["grpc-message"], "no tenant matches this request");
    /// assert!(response.body().is_empty());
    /// ```
    #[must_use]
    pub fn to_grpc_response<B: RejectionBody>(&self) -> Response<B> {
        let mut response = Response::new(B::from_bytes(Bytes::new()));
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        headers.insert(GRPC_STATUS, HeaderValue::from(self.grpc_code()));
        if let Ok(message) = HeaderValue::try_from(percent_encode(&self.to_string())) {
            headers.insert(GRPC_MESSAGE, message);
        }
        self.insert_hints(headers);
        response
    }
}

/// Encodes `text` as the gRPC spec asks for `grpc-message`: printable ASCII except `%` stays,
/// every other byte of the UTF-8 becomes `%XX`.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x20..=0x7e).contains(&byte) && byte != b'%' {
            encoded.push(char::from(byte));
        } else {
            // Writing to a `String` cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_requests_are_recognised_by_content_type() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
            is_grpc(&headers)
        };
        assert!(with("application/grpc"));
        assert!(with("application/grpc+proto"));
        assert!(!with("application/json"));
        assert!(!is_grpc(&HeaderMap::new()));
    }

    #[test]
    fn every_rejection_maps_to_the_grpc_code_of_its_http_status() {
        let expected = [
            (Rejection::missing("x"), 3),
            (Rejection::malformed("x", "y"), 3),
            (Rejection::unauthenticated("x"), 16),
            (Rejection::Disagreement, 7),
            (Rejection::Unknown, 5),
            (
                Rejection::RateLimited {
                    retry_after_secs: 1,
                },
                8,
            ),
            (Rejection::Unavailable, 14),
            (Rejection::NotInstalled, 13),
        ];
        for (rejection, code) in expected {
            let response: Response<Bytes> = rejection.to_grpc_response();
            assert_eq!(response.status(), StatusCode::OK, "{rejection:?}");
            assert_eq!(
                response.headers()[GRPC_STATUS],
                code.to_string(),
                "{rejection:?}"
            );
            assert_eq!(response.headers()[CONTENT_TYPE], "application/grpc");
            assert!(response.body().is_empty());
        }
    }

    #[test]
    fn the_message_is_percent_encoded() {
        assert_eq!(percent_encode("100% sûr\n"), "100%25 s%C3%BBr%0A");
        let response: Response<Bytes> =
            Rejection::missing("en-tête x-locataire é").to_grpc_response();
        assert_eq!(
            response.headers()[GRPC_MESSAGE],
            "the request names no tenant: en-t%C3%AAte x-locataire %C3%A9 is missing"
        );
    }

    #[test]
    fn hints_travel_as_metadata() {
        let limited: Response<Bytes> = Rejection::RateLimited {
            retry_after_secs: 7,
        }
        .to_grpc_response();
        assert_eq!(limited.headers()[GRPC_STATUS], "8");
        assert_eq!(limited.headers()["retry-after"], "7");
        let unauthenticated: Response<Bytes> =
            Rejection::unauthenticated("JWT claim tenant").to_grpc_response();
        assert_eq!(unauthenticated.headers()[GRPC_STATUS], "16");
        assert_eq!(unauthenticated.headers()["www-authenticate"], "Bearer");
    }
}
