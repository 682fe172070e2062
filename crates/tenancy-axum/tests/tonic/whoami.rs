//! A one-method gRPC service written against tonic's own codec traits (no protoc, no prost):
//! `tenancy.test.Whoami/Get` takes a UTF-8 string and answers
//! `<current()>|<current() after a pause>|<current() in a tenancy_core::spawn'ed task>`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, BufMut};
use http::uri::PathAndQuery;
use rand::RngExt;
use tonic::Status;
use tonic::body::Body;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::server::NamedService;
use tonic::transport::Channel;
use tower::Service;

const GET: &str = "/tenancy.test.Whoami/Get";

/// Messages are plain UTF-8 strings.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Utf8Codec;

impl Codec for Utf8Codec {
    type Encode = String;
    type Decode = String;
    type Encoder = Self;
    type Decoder = Self;

    fn encoder(&mut self) -> Self {
        Self
    }

    fn decoder(&mut self) -> Self {
        Self
    }
}

impl Encoder for Utf8Codec {
    type Item = String;
    type Error = Status;

    fn encode(&mut self, item: String, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(item.as_bytes());
        Ok(())
    }
}

impl Decoder for Utf8Codec {
    type Item = String;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<String>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|e| Status::invalid_argument(e.to_string()))
    }
}

/// The server side of `Whoami`, as tonic's generated servers are: a tower service over HTTP.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WhoamiServer;

impl NamedService for WhoamiServer {
    const NAME: &'static str = "tenancy.test.Whoami";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl Service<http::Request<Body>> for WhoamiServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // Routing happens inside the tenant scope too: capture what `call` sees.
        let in_call = current();
        Box::pin(async move {
            if request.uri().path() != GET {
                return Ok(Status::unimplemented(request.uri().path()).into_http());
            }
            let handler = tower::service_fn(move |_request: tonic::Request<String>| {
                let in_call = in_call.clone();
                async move { Ok(tonic::Response::new(whoami(&in_call).await)) }
            });
            Ok(tonic::server::Grpc::new(Utf8Codec)
                .unary(handler, request)
                .await)
        })
    }
}

fn current() -> String {
    tenancy_core::current().map_or_else(|e| format!("error: {e}"), |t| t.to_string())
}

/// `<in call>|<after a pause>|<in a spawned task>`: three reads that must all name one tenant.
async fn whoami(in_call: &str) -> String {
    // Let other calls run on this worker between the reads.
    let pause = Duration::from_micros(rand::rng().random_range(0..200));
    tokio::time::sleep(pause).await;
    let after_pause = current();
    let spawned = tenancy_core::spawn(async {
        tokio::task::yield_now().await;
        current()
    })
    .await
    .unwrap_or_else(|e| format!("join error: {e}"));
    format!("{in_call}|{after_pause}|{spawned}")
}

/// Calls `Whoami/Get` with the given metadata, as a generated tonic client would.
pub(crate) async fn call(
    channel: Channel,
    metadata: &[(&'static str, &str)],
) -> Result<String, Status> {
    let mut request = tonic::Request::new(String::from("who am I?"));
    for (name, value) in metadata {
        let value = value
            .parse()
            .map_err(|_| Status::invalid_argument("test metadata"))?;
        request.metadata_mut().insert(*name, value);
    }
    let mut client = tonic::client::Grpc::new(channel);
    client
        .ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let response = client
        .unary(request, PathAndQuery::from_static(GET), Utf8Codec)
        .await?;
    Ok(response.into_inner())
}
