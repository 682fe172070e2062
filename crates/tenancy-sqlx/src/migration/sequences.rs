//! Sequences and identity columns of the shared tables.
//!
//! Ids keep their per-tenant values (the shared key is `(tenant, id)`), so two tenants may hold
//! the same id. What must hold is that a row inserted in the target never reuses an id its tenant
//! already has: each target sequence is moved past the largest value copied or synced.

use sqlx::{PgConnection, PgPool};
use tenancy_core::catalog::quote_identifier;

use crate::error::Error;
use crate::migration::plan::{MigrationPlan, TablePlan, string_literal};

/// Moves every sequence (serial or identity) behind `table`'s copied columns in the relation
/// `relation` past the column's largest value.
///
/// `setval` only runs when `nextval` is behind, so a sequence already in use by tenants living in
/// the shared tables never moves backwards.
pub(crate) async fn advance(
    conn: &mut PgConnection,
    relation: &str,
    table: &TablePlan,
) -> Result<(), Error> {
    for column in &table.columns {
        let sequence: Option<String> = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
            .bind(relation)
            .bind(&column.name)
            .fetch_one(&mut *conn)
            .await?;
        let Some(sequence) = sequence else { continue };
        let sql = format!(
            "SELECT CASE WHEN nextval({seq}) <= m THEN setval({seq}, m) END
             FROM (SELECT max({col})::bigint AS m FROM {relation}) s WHERE m IS NOT NULL",
            seq = string_literal(&sequence),
            col = quote_identifier(&column.name),
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// [`advance`] for every shared table of the plan.
pub(crate) async fn advance_all(target: &PgPool, plan: &MigrationPlan) -> Result<(), Error> {
    let mut conn = target.acquire().await?;
    for table in &plan.tables {
        advance(&mut conn, &table.target_sql(), table).await?;
    }
    Ok(())
}
