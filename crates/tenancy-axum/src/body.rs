//! [`RejectionBody`]: response body types the middleware can answer a rejection with.

use std::convert::Infallible;

use bytes::{Buf, Bytes};
use http_body_util::combinators::{BoxBody, UnsyncBoxBody};
use http_body_util::{BodyExt, Full};

/// A response body type that [`TenantLayer`](crate::TenantLayer) and
/// [`TenantRateLimitLayer`](crate::TenantRateLimitLayer) can build their rejections in.
///
/// The middleware answers some requests itself (no tenant, unknown tenant, over quota), so it
/// must make a response of the inner service's body type. The only thing it ever needs is "this
/// complete body, all at once": a problem+json document, or nothing at all for a gRPC
/// trailers-only answer. That is this trait's one method.
///
/// Why a trait of its own rather than `From<Bytes>`: not every body type can be built from
/// bytes through `From` — `tonic::body::Body` (tonic 0.14) cannot, and Rust's coherence rules do
/// not let a crate implement a foreign trait for a foreign type, nor add a blanket impl over
/// `From<Bytes>` next to one for tonic's body. A small trait owned by this crate can be
/// implemented for each body type, here or in your own crate for your own body type.
///
/// Implemented for: [`Bytes`], `Vec<u8>`, `String`, [`Full<D>`](http_body_util::Full),
/// [`BoxBody`] and [`UnsyncBoxBody`] over `Bytes` (hyper and tower-http apps), axum's
/// [`Body`](axum_core::body::Body) (feature `axum`) and `tonic::body::Body` (feature `tonic`).
///
/// # Example
/// Your own body type, usable behind the layers:
/// ```
/// use bytes::Bytes;
/// use tenancy_axum::{Rejection, RejectionBody};
///
/// struct MyBody(Bytes);
///
/// impl RejectionBody for MyBody {
///     fn from_bytes(bytes: Bytes) -> Self {
///         MyBody(bytes)
///     }
/// }
///
/// let response: http::Response<MyBody> = Rejection::Unknown.to_response();
/// assert_eq!(response.status(), 404);
/// assert!(response.body().0.starts_with(b"{"));
/// ```
pub trait RejectionBody {
    /// A body that yields `bytes` (possibly empty) and then ends.
    fn from_bytes(bytes: Bytes) -> Self;
}

impl RejectionBody for Bytes {
    fn from_bytes(bytes: Bytes) -> Self {
        bytes
    }
}

impl RejectionBody for Vec<u8> {
    fn from_bytes(bytes: Bytes) -> Self {
        bytes.into()
    }
}

impl RejectionBody for String {
    fn from_bytes(bytes: Bytes) -> Self {
        // Rejection bodies are JSON text, so this never replaces anything.
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl<D: Buf + From<Bytes>> RejectionBody for Full<D> {
    fn from_bytes(bytes: Bytes) -> Self {
        Full::new(D::from(bytes))
    }
}

impl<E: 'static> RejectionBody for BoxBody<Bytes, E> {
    fn from_bytes(bytes: Bytes) -> Self {
        Full::new(bytes)
            .map_err(|never: Infallible| match never {})
            .boxed()
    }
}

impl<E: 'static> RejectionBody for UnsyncBoxBody<Bytes, E> {
    fn from_bytes(bytes: Bytes) -> Self {
        Full::new(bytes)
            .map_err(|never: Infallible| match never {})
            .boxed_unsync()
    }
}

#[cfg(feature = "axum")]
impl RejectionBody for axum_core::body::Body {
    fn from_bytes(bytes: Bytes) -> Self {
        Self::from(bytes)
    }
}

#[cfg(feature = "tonic")]
impl RejectionBody for tonic::body::Body {
    fn from_bytes(bytes: Bytes) -> Self {
        // An empty `Full` becomes tonic's `Body::empty()`, so a gRPC rejection ends with its headers.
        Self::new(Full::new(bytes))
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn collect<B>(body: B) -> Bytes
    where
        B: axum::body::HttpBody<Data = Bytes>,
        B::Error: std::fmt::Debug,
    {
        body.collect().await.expect("body").to_bytes()
    }

    #[tokio::test]
    async fn every_body_yields_the_bytes() {
        let text = Bytes::from_static(b"{\"status\":404}");
        assert_eq!(Bytes::from_bytes(text.clone()), text);
        assert_eq!(Vec::<u8>::from_bytes(text.clone()), text);
        assert_eq!(String::from_bytes(text.clone()), "{\"status\":404}");
        assert_eq!(collect(Full::<Bytes>::from_bytes(text.clone())).await, text);
        assert_eq!(
            collect(BoxBody::<Bytes, std::io::Error>::from_bytes(text.clone())).await,
            text
        );
        assert_eq!(
            collect(UnsyncBoxBody::<Bytes, std::io::Error>::from_bytes(
                text.clone()
            ))
            .await,
            text
        );
        #[cfg(feature = "axum")]
        assert_eq!(
            collect(axum_core::body::Body::from_bytes(text.clone())).await,
            text
        );
        #[cfg(feature = "tonic")]
        assert_eq!(
            collect(tonic::body::Body::from_bytes(text.clone())).await,
            text
        );
    }

    #[cfg(feature = "tonic")]
    #[test]
    fn an_empty_tonic_body_ends_at_once() {
        use axum::body::HttpBody as _;
        assert!(tonic::body::Body::from_bytes(Bytes::new()).is_end_stream());
    }
}
