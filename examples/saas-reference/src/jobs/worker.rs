//! The worker: takes jobs off the queue and runs each in its tenant's scope.

use std::time::Duration;

use tenancy_core::TenantId;
use tokio::sync::watch;

use super::{Job, JobQueue};
use crate::domain::{invitations, usage};
use crate::state::AppState;

/// Runs one job. The caller has entered the job's tenant scope, so every query here is scoped.
///
/// # Errors
/// A message for the job's `last_error` / logs; the queue retries it.
pub async fn run(state: &AppState, job: Job) -> Result<(), String> {
    let kind = job.kind();
    let result = match job {
        Job::InvitationEmail {
            invitation_id,
            email,
            accept_url,
        } => {
            // A real deployment hands this to an email service; the example logs it.
            tracing::info!(
                %invitation_id,
                %email,
                %accept_url,
                "sending invitation email (accept: POST accept_url with a password)"
            );
            match invitations::mark_emailed(&state.pool, invitation_id).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!("invitation {invitation_id} is not in this tenant")),
                Err(error) => Err(error.to_string()),
            }
        }
        Job::UsageRollup => roll_up(state)
            .await
            .map(|usage| tracing::info!(?usage, "usage rolled up")),
        Job::WebhookFollowUp {
            event_id,
            event_type,
        } => {
            tracing::info!(%event_id, %event_type, "billing follow-up: sending receipt");
            roll_up(state).await.map(drop)
        }
    };
    state
        .metrics
        .jobs
        .with_label_values(&[kind, if result.is_ok() { "ok" } else { "error" }])
        .inc();
    result
}

async fn roll_up(state: &AppState) -> Result<usage::Usage, String> {
    let transaction = async {
        let mut tx = state.pool.begin().await?;
        let usage = usage::roll_up(&mut tx).await?;
        tx.commit().await?;
        crate::error::AppResult::Ok(usage)
    };
    transaction.await.map_err(|e| e.to_string())
}

/// Consumes jobs until `shutdown` flips to true.
///
/// # Errors
/// The queue fails in a way retrying cannot fix (RabbitMQ connection lost).
pub async fn work(state: AppState, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    tracing::info!(queue = ?state.jobs, "worker started");
    let max_attempts = state.config.job_max_attempts;
    match &state.jobs {
        JobQueue::Rabbit(queue) => {
            let queue = queue.clone();
            queue
                .consume(max_attempts, shutdown, &state.metrics, |job| {
                    run(&state, job)
                })
                .await
        }
        JobQueue::Postgres(queue) => loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            match queue.claim().await {
                Ok(Some(claimed)) => {
                    let (kind, outcome) = match serde_json::from_value::<Job>(claimed.job.clone()) {
                        Ok(job) => (
                            job.kind(),
                            tenancy_core::context::scope(
                                TenantId::Uuid(claimed.tenant),
                                run(&state, job),
                            )
                            .await,
                        ),
                        Err(error) => ("unreadable", Err(format!("unreadable job: {error}"))),
                    };
                    if let Err(error) = &outcome {
                        tracing::warn!(tenant_id = %claimed.tenant, %error, attempts = claimed.attempts, "job failed");
                    }
                    let settled = queue.finish(&claimed, outcome, max_attempts).await?;
                    state.metrics.job_settled(kind, settled);
                }
                Ok(None) => {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(200)) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "claiming a job failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        },
    }
}
