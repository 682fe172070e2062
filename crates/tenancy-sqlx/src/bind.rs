//! Binding a [`TenantId`] as a PostgreSQL parameter of its own type.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, Postgres};
use sqlx::{Encode, Type};
use tenancy_core::TenantId;

/// A tenant id as a bind parameter: `bigint`, `uuid` or `text` depending on the key.
///
/// `TenantId` lives in `tenancy-core`, which knows nothing of sqlx; this wrapper carries the
/// encoding. The parameter type is chosen per value (`Encode::produces`) so one id type serves
/// integer, UUID and text keys.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::{core::TenantId, TenantBind};
///
/// # async fn run(pool: sqlx::PgPool) -> Result<(), sqlx::Error> {
/// let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE tenant_id = $1")
///     .bind(TenantBind(TenantId::Int(7)))
///     .fetch_one(&pool)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantBind(pub TenantId);

impl Type<Postgres> for TenantBind {
    fn type_info() -> PgTypeInfo {
        <str as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <i64 as Type<Postgres>>::compatible(ty)
            || <sqlx::types::Uuid as Type<Postgres>>::compatible(ty)
            || <str as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for TenantBind {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match &self.0 {
            TenantId::Int(n) => <i64 as Encode<'_, Postgres>>::encode_by_ref(n, buf),
            TenantId::Uuid(u) => <sqlx::types::Uuid as Encode<'_, Postgres>>::encode_by_ref(u, buf),
            TenantId::Text(s) => <&str as Encode<'_, Postgres>>::encode_by_ref(&&**s, buf),
            other => {
                Err(format!("tenant id {other} has a key kind this version cannot bind").into())
            }
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(match &self.0 {
            TenantId::Int(_) => <i64 as Type<Postgres>>::type_info(),
            TenantId::Uuid(_) => <sqlx::types::Uuid as Type<Postgres>>::type_info(),
            _ => <str as Type<Postgres>>::type_info(),
        })
    }
}
