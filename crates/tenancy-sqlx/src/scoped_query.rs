//! Turning any sqlx query into its tenant-scoped form: rewritten SQL plus the tenant as last bind.

use sqlx::postgres::{PgArguments, PgStatement, Postgres};
use sqlx::{Arguments, AssertSqlSafe, Execute, SqlSafeStr, SqlStr};
use tenancy_core::{Rewriter, TenantId};

use crate::bind::TenantBind;
use crate::error::Error;

/// A query after scoping: what is actually sent to PostgreSQL.
///
/// It never carries a prepared `Statement` from the original query, because that statement was
/// prepared for the unscoped text.
#[derive(Debug)]
pub(crate) struct ScopedQuery {
    sql: SqlStr,
    arguments: Option<PgArguments>,
    persistent: bool,
}

impl ScopedQuery {
    /// Rewrites `query` for `tenant` and appends the tenant as the `$N` the rewriter chose.
    ///
    /// A statement that touches no tenant table is passed on unchanged, arguments included.
    pub(crate) fn new<'q, E>(
        rewriter: &Rewriter,
        tenant: &TenantId,
        mut query: E,
    ) -> Result<Self, Error>
    where
        E: Execute<'q, Postgres>,
    {
        let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
        let persistent = query.persistent();
        let original = query.sql();
        let rewritten = rewriter.rewrite(original.as_str())?;
        let bound = rewritten.bind(tenant, arguments.as_ref().map_or(0, Arguments::len))?;
        let Some(tenant_param) = bound.tenant_param() else {
            return Ok(Self {
                sql: original,
                arguments,
                persistent,
            });
        };
        let mut arguments = arguments.unwrap_or_default();
        debug_assert_eq!(arguments.len() + 1, tenant_param, "checked by bind");
        arguments
            .add(TenantBind(tenant.clone()))
            .map_err(sqlx::Error::Encode)?;
        Ok(Self {
            sql: AssertSqlSafe(bound.shared_sql()).into_sql_str(),
            arguments: Some(arguments),
            persistent,
        })
    }
}

impl ScopedQuery {
    /// The SQL that would be sent.
    pub(crate) fn into_sql(self) -> SqlStr {
        self.sql
    }
}

impl Execute<'_, Postgres> for ScopedQuery {
    fn sql(self) -> SqlStr {
        self.sql
    }

    fn statement(&self) -> Option<&PgStatement> {
        None
    }

    fn take_arguments(&mut self) -> Result<Option<PgArguments>, sqlx::error::BoxDynError> {
        Ok(self.arguments.take())
    }

    fn persistent(&self) -> bool {
        self.persistent
    }
}
