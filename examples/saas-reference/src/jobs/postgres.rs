//! The PostgreSQL-backed queue: the `jobs` table, claimed with `FOR UPDATE SKIP LOCKED` so any
//! number of workers share it without double-running a job. `state = 'dead'` is its dead-letter
//! queue.

use sqlx::PgPool;
use tenancy_core::TenantId;
use uuid::Uuid;

use super::{Job, Settled};
use crate::db::Pool;

/// A claimed job and the tenant it belongs to.
#[derive(Debug)]
pub struct Claimed {
    /// The job's tenant.
    pub tenant: Uuid,
    /// Job id.
    pub id: Uuid,
    /// The job.
    pub job: serde_json::Value,
    /// Attempts so far, including this one.
    pub attempts: i32,
}

/// The `jobs` table as a queue.
#[derive(Clone)]
pub struct PgQueue {
    pool: Pool,
    // Claiming scans every tenant's jobs, which a tenant-scoped executor rightly refuses; the
    // plain pool is used for that one statement and for the depth gauge only.
    raw: PgPool,
}

impl std::fmt::Debug for PgQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgQueue(jobs table)")
    }
}

impl PgQueue {
    /// A queue over the app's pools.
    #[must_use]
    pub fn new(pool: Pool, raw: PgPool) -> Self {
        Self { pool, raw }
    }

    /// Inserts `job` for the tenant in scope (the SDK fills `tenant_id`).
    ///
    /// # Errors
    /// No tenant in scope; database errors.
    pub async fn enqueue(&self, job: &Job) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO jobs (tenant_id, id, kind, payload) VALUES ($4::uuid, $1, $2, $3)",
        )
        .bind(crate::domain::new_id())
        .bind(job.kind())
        .bind(serde_json::to_value(job)?)
        .bind(crate::domain::current_tenant()?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims the oldest due job of any tenant, or `None`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn claim(&self) -> anyhow::Result<Option<Claimed>> {
        let row: Option<(Uuid, Uuid, serde_json::Value, i32)> = sqlx::query_as(
            // run_at doubles as a lease: a job whose worker died is claimed again after it.
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
                 run_at = now() + interval '5 minutes' \
             WHERE (tenant_id, id) = (SELECT tenant_id, id FROM jobs \
                 WHERE state IN ('queued', 'running') AND run_at <= now() ORDER BY run_at LIMIT 1 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING tenant_id, id, payload, attempts",
        )
        .fetch_optional(&self.raw)
        .await?;
        Ok(row.map(|(tenant, id, job, attempts)| Claimed {
            tenant,
            id,
            job,
            attempts,
        }))
    }

    /// Records the outcome of a claimed job, inside its tenant's scope: done, retried later, or
    /// dead after `max_attempts`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn finish(
        &self,
        claimed: &Claimed,
        outcome: Result<(), String>,
        max_attempts: u32,
    ) -> anyhow::Result<Settled> {
        let retry_in = super::backoff(u32::try_from(claimed.attempts).unwrap_or(u32::MAX));
        let dead = i64::from(claimed.attempts) >= i64::from(max_attempts);
        let settled = match (&outcome, dead) {
            (Ok(()), _) => Settled::Done,
            (Err(_), false) => Settled::Retrying,
            (Err(_), true) => Settled::Dead,
        };
        let update = sqlx::query(
            "UPDATE jobs SET state = CASE WHEN $2 THEN 'done' WHEN $3 THEN 'dead' ELSE 'queued' END, \
             run_at = now() + make_interval(secs => $4), last_error = $5 \
             WHERE tenant_id = $6 AND id = $1",
        )
        .bind(claimed.id)
        .bind(outcome.is_ok())
        .bind(dead)
        .bind(retry_in.as_secs_f64())
        .bind(outcome.err())
        .bind(claimed.tenant)
        .execute(&self.pool);
        tenancy_core::context::scope(TenantId::Uuid(claimed.tenant), update).await?;
        Ok(settled)
    }

    /// Jobs queued and due.
    ///
    /// # Errors
    /// Database errors.
    pub async fn depth(&self) -> anyhow::Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'queued'")
            .fetch_one(&self.raw)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
