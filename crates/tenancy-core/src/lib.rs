#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod catalog;
pub mod context;
mod error;
pub mod rewrite;
mod tenant;

pub use catalog::{Catalog, CatalogBuilder, TableName, TableRole};
pub use context::{
    ScopeState, Scoped, WithTenant, current, is_unscoped, scope, scope_state, scope_sync, spawn,
    try_current, unscoped,
};
pub use error::{Error, RefusalKind, Result};
pub use rewrite::{Bound, Rewriter, Rewritten};
pub use tenant::{MAX_TEXT_KEY_LEN, TenantId, TenantKeyKind};
