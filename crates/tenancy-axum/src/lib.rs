#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod body;
pub mod extract;
mod future;
mod layer;
pub mod lookup;
pub mod rate_limit;
pub mod rejection;
pub mod resolver;
mod service;

pub use body::RejectionBody;
pub use extract::{OptionalTenant, Tenant};
pub use future::ResponseFuture;
pub use layer::TenantLayer;
pub use rate_limit::{Quota, TenantRateLimitLayer};
pub use rejection::Rejection;
pub use service::TenantService;

/// The core crate, re-exported so applications can name `TenantId` and `scope` through this one.
pub use tenancy_core as core;
