//! Background jobs that carry their tenant.
//!
//! A job is enqueued inside a tenant scope and the queue records that tenant next to it (a column
//! in PostgreSQL, a message header in RabbitMQ). The worker re-enters the same scope
//! (`tenancy_core::context::scope`) before running it, so the job's queries are scoped exactly
//! like the request that enqueued it. Failed jobs are retried with backoff, then dead-lettered.

pub mod postgres;
pub mod rabbitmq;
pub mod worker;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The jobs this app runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Email an invitation (logged in this example) and mark it sent.
    InvitationEmail {
        /// The invitation.
        invitation_id: Uuid,
        /// Its recipient.
        email: String,
        /// The acceptance link, with the token: it travels in the job as it would in the email.
        accept_url: String,
    },
    /// Recompute today's usage rollup of the tenant.
    UsageRollup,
    /// Work after a Stripe webhook (a receipt, a usage refresh).
    WebhookFollowUp {
        /// The Stripe event id.
        event_id: String,
        /// The Stripe event type.
        event_type: String,
    },
}

impl Job {
    /// A short name for logs and metrics.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvitationEmail { .. } => "invitation_email",
            Self::UsageRollup => "usage_rollup",
            Self::WebhookFollowUp { .. } => "webhook_follow_up",
        }
    }
}

/// What a queue did with a job after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// It succeeded and is gone from the queue.
    Done,
    /// It failed and will run again after a backoff.
    Retrying,
    /// It failed for the last time and sits in the dead-letter queue.
    Dead,
}

/// Where jobs go: RabbitMQ when `AMQP_URL` is set, else the `jobs` table.
#[derive(Clone, Debug)]
pub enum JobQueue {
    /// The PostgreSQL-backed queue.
    Postgres(postgres::PgQueue),
    /// RabbitMQ.
    Rabbit(rabbitmq::RabbitQueue),
}

impl JobQueue {
    /// Enqueues `job` for the tenant in scope.
    ///
    /// # Errors
    /// No tenant in scope, or the queue is unreachable.
    pub async fn enqueue(&self, job: &Job) -> anyhow::Result<()> {
        match self {
            Self::Postgres(queue) => queue.enqueue(job).await,
            Self::Rabbit(queue) => queue.enqueue(job).await,
        }
    }

    /// Jobs waiting to run (for the `saas_job_queue_depth` gauge).
    ///
    /// # Errors
    /// The queue is unreachable.
    pub async fn depth(&self) -> anyhow::Result<u64> {
        match self {
            Self::Postgres(queue) => queue.depth().await,
            Self::Rabbit(queue) => queue.depth().await,
        }
    }
}

/// Delay before retry number `attempt` (1-based): 1 s, 2 s, 4 s, ... capped at 5 minutes.
#[must_use]
pub fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_secs(1u64 << attempt.saturating_sub(1).min(8))
        .min(std::time::Duration::from_secs(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_as_tagged_json() -> serde_json::Result<()> {
        let job = Job::InvitationEmail {
            invitation_id: Uuid::now_v7(),
            email: "a@example.com".into(),
            accept_url: "http://localhost:8080/v1/invitations/inv.x.y/accept".into(),
        };
        let text = serde_json::to_string(&job)?;
        assert!(text.contains(r#""kind":"invitation_email""#));
        assert_eq!(serde_json::from_str::<Job>(&text)?, job);
        Ok(())
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1).as_secs(), 1);
        assert_eq!(backoff(3).as_secs(), 4);
        assert_eq!(backoff(50).as_secs(), 256);
    }
}
