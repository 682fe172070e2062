//! Where a statement goes: scoped to a tenant, raw inside an audited unscoped section, or nowhere.
//!
//! The only way a statement reaches PostgreSQL unrewritten is from inside
//! [`tenancy_core::unscoped`], whose first poll leaves the audit event: the SDK has one door out,
//! and it is core's.

use sqlx::Execute;
use sqlx::postgres::Postgres;
use tenancy_core::{Rewriter, ScopeState, TenantId, context};

use crate::error::Error;
use crate::scoped_query::ScopedQuery;

/// A statement on its way out.
#[derive(Debug)]
pub(crate) enum Route<E> {
    /// Rewritten for `tenant`, which database errors are read against.
    Scoped {
        query: ScopedQuery,
        tenant: TenantId,
    },
    /// Sent as written: only inside an unscoped section.
    Raw(E),
}

impl<'q, E: Execute<'q, Postgres>> Route<E> {
    /// Routes by the scope the calling task runs in.
    pub(crate) fn in_scope(rewriter: &Rewriter, query: E) -> Result<Self, Error> {
        match context::scope_state() {
            ScopeState::Tenant(tenant) => Self::for_tenant(rewriter, tenant, query),
            ScopeState::Unscoped { .. } => Ok(Self::Raw(query)),
            ScopeState::None => Err(tenancy_core::Error::NoTenant.into()),
        }
    }

    /// Scopes `query` to `tenant`, whatever scope the calling task runs in.
    pub(crate) fn for_tenant(
        rewriter: &Rewriter,
        tenant: TenantId,
        query: E,
    ) -> Result<Self, Error> {
        let query = ScopedQuery::new(rewriter, &tenant, query)?;
        Ok(Self::Scoped { query, tenant })
    }

    /// Sends `query` raw if the calling task is inside an unscoped section, and refuses otherwise:
    /// code holding an unscoped transaction outside its section fails closed.
    pub(crate) fn raw_if_unscoped(query: E) -> Result<Self, Error> {
        if context::is_unscoped() {
            Ok(Self::Raw(query))
        } else {
            Err(tenancy_core::Error::NoTenant.into())
        }
    }
}
