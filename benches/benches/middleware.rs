//! `TenantLayer` overhead per request, with cached resolvers, next to the bare inner service.
//!
//! Every case sends the same request shape through `ready().call()` on a current-thread runtime;
//! the tenant key is already in the lookup cache, as it is for every request but the first of a
//! tenant. Target: median overhead (case − bare) ≤ 1 µs.
//!
//! Run with `cargo bench -p tenancy-benches --bench middleware`; the overhead and ratio table is
//! printed at the end, from criterion's saved medians (group `middleware`).

use std::convert::Infallible;
use std::hint::black_box;
use std::path::PathBuf;

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use http::{Request, Response};
use http_body_util::Full;
use tenancy_axum::TenantLayer;
use tenancy_axum::lookup::{CachedLookup, LookupError, ResolveKey, TenantLookup};
use tenancy_axum::resolver::{
    Chain, HeaderResolver, JwtClaimResolver, PathPrefixResolver, ResolveTenant, SubdomainResolver,
    VerifiedClaims,
};
use tenancy_core::TenantId;
use tower::{Layer, Service, ServiceExt, service_fn};

const GROUP: &str = "middleware";
const TARGET_NS: f64 = 1_000.0;

type Body = Full<Bytes>;

/// The inner service: reads the tenant like a handler would, answers an empty 200.
async fn handler(_: Request<Body>) -> Result<Response<Body>, Infallible> {
    black_box(tenancy_core::try_current());
    Ok(Response::new(Body::default()))
}

fn slugs() -> CachedLookup<impl TenantLookup> {
    CachedLookup::new(|slug: String| async move {
        Ok::<_, LookupError>((slug == "acme").then_some(TenantId::Int(1)))
    })
}

fn request() -> Request<Body> {
    let mut request = Request::get("https://acme.example.com/t/acme/projects?page=2")
        .header("x-tenant", "acme")
        .body(Body::default())
        .unwrap_or_default();
    let claims = serde_json::json!({"tenant_id": 1});
    request
        .extensions_mut()
        .insert(VerifiedClaims::from_value(claims));
    request
}

fn bench_case<S>(
    c: &mut BenchmarkGroup<'_, WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    service: &S,
) where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    c.bench_function(name, |b| {
        b.to_async(rt).iter_batched(
            || (service.clone(), request()),
            |(mut service, request)| async move {
                let ready = service.ready().await.unwrap_or_else(|e| match e {});
                black_box(ready.call(request).await.unwrap_or_else(|e| match e {}))
            },
            criterion::BatchSize::SmallInput,
        );
    });
}

fn layered<R: ResolveTenant>(
    resolver: R,
) -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
    TenantLayer::new(resolver).layer(service_fn(handler))
}

/// Warms a cache so every benchmarked request is a hit.
fn warm(cache: &CachedLookup<impl TenantLookup>, rt: &tokio::runtime::Runtime) {
    let _ = rt.block_on(cache.resolve_key("acme"));
}

fn main() {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        eprintln!("cannot start a tokio runtime");
        return;
    };
    let mut criterion = Criterion::default().configure_from_args();
    let mut c = criterion.benchmark_group(GROUP);

    bench_case(&mut c, &rt, "bare", &service_fn(handler));

    let header = slugs();
    warm(&header, &rt);
    bench_case(
        &mut c,
        &rt,
        "header_cached",
        &layered(HeaderResolver::default().keys(header)),
    );

    let sub = slugs();
    warm(&sub, &rt);
    bench_case(
        &mut c,
        &rt,
        "subdomain_cached",
        &layered(SubdomainResolver::new("example.com").keys(sub)),
    );

    let path = slugs();
    warm(&path, &rt);
    bench_case(
        &mut c,
        &rt,
        "path_prefix_cached",
        &layered(PathPrefixResolver::new("/t").keys(path)),
    );

    let chained = slugs();
    warm(&chained, &rt);
    let chain = Chain::new()
        .require(JwtClaimResolver::new("tenant_id"))
        .optional(HeaderResolver::default().keys(chained));
    bench_case(&mut c, &rt, "jwt_and_header_chain", &layered(chain));

    c.finish();
    criterion.final_summary();
    print_overheads();

    let header = slugs();
    warm(&header, &rt);
    let layered = layered(HeaderResolver::default().keys(header));
    let (bare, with_layer) = rt.block_on(interleaved(service_fn(handler), layered));
    println!(
        "\ninterleaved (200 rounds x 2,000 requests, medians): bare {bare:.0} ns, header_cached \
         {with_layer:.0} ns, overhead {:.0} ns, ratio {:.2}",
        with_layer - bare,
        with_layer / bare
    );
}

/// Per-request medians of `bare` and `layered`, measured in alternating rounds so that load
/// from other processes hits both alike.
async fn interleaved<A, B>(bare: A, layered: B) -> (f64, f64)
where
    A: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
    B: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    const PER_ROUND: u32 = 2_000;
    async fn round<S>(service: &S) -> f64
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
    {
        let requests: Vec<_> = (0..PER_ROUND).map(|_| request()).collect();
        let start = std::time::Instant::now();
        for request in requests {
            let mut service = service.clone();
            let ready = service.ready().await.unwrap_or_else(|e| match e {});
            black_box(ready.call(request).await.unwrap_or_else(|e| match e {}));
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(PER_ROUND)
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        a.push(round(&bare).await);
        b.push(round(&layered).await);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut a), median(&mut b))
}

/// Prints each case's median overhead over `bare` and the ratio, from criterion's estimates.
fn print_overheads() {
    // Benches run in the package directory; the workspace target directory is one level up.
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
            PathBuf::from,
        )
        .join("criterion")
        .join(GROUP);
    let median = |name: &str| -> Option<f64> {
        let text = std::fs::read_to_string(dir.join(name).join("new/estimates.json")).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    let Some(bare) = median("bare") else {
        println!(
            "no estimates under {} (run without a filter)",
            dir.display()
        );
        return;
    };
    println!("\n| case | median | overhead vs bare | ratio | ≤ 1 µs |");
    println!("|---|---|---|---|---|");
    println!("| bare | {bare:.0} ns | – | 1.00 | – |");
    for name in [
        "header_cached",
        "subdomain_cached",
        "path_prefix_cached",
        "jwt_and_header_chain",
    ] {
        if let Some(ns) = median(name) {
            let overhead = ns - bare;
            let met = if overhead <= TARGET_NS { "yes" } else { "NO" };
            println!(
                "| {name} | {ns:.0} ns | {overhead:.0} ns | {:.2} | {met} |",
                ns / bare
            );
        }
    }
}
