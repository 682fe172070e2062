//! RabbitMQ transport: the tenant travels in the `tenant-id` message header.
//!
//! Queues (all durable): `<name>` (work; dead-letters into `<name>.dead`), `<name>.retry` (no
//! consumer: messages wait there for their per-message expiration, then dead-letter back into
//! `<name>`), and `<name>.dead` (the dead-letter queue, inspected by operators).

use std::sync::Arc;

use futures_util::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use tenancy_core::TenantId;
use tokio::sync::watch;

use super::{Job, Settled};
use crate::metrics::Metrics;

/// Header naming the job's tenant.
pub const TENANT_HEADER: &str = "tenant-id";
/// Header counting delivery attempts so far.
pub const ATTEMPT_HEADER: &str = "x-attempt";

/// A RabbitMQ-backed job queue.
#[derive(Clone)]
pub struct RabbitQueue {
    channel: Channel,
    name: String,
    // Keeps the connection open as long as a clone of the queue lives.
    _connection: Arc<Connection>,
}

impl std::fmt::Debug for RabbitQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitQueue")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn dead_letter_to(queue: &str) -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString("".into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(queue.into()),
    );
    args
}

fn header<'a>(properties: &'a BasicProperties, name: &str) -> Option<&'a AMQPValue> {
    properties.headers().as_ref()?.inner().get(name)
}

impl RabbitQueue {
    /// Connects to `url` and declares the queues of `name`.
    ///
    /// # Errors
    /// RabbitMQ is unreachable or refuses the declarations.
    pub async fn connect(url: &str, name: &str) -> anyhow::Result<Self> {
        let properties = ConnectionProperties::default()
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio);
        let connection = Connection::connect(url, properties).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let dead = format!("{name}.dead");
        channel
            .queue_declare(&dead, durable, FieldTable::default())
            .await?;
        channel
            .queue_declare(name, durable, dead_letter_to(&dead))
            .await?;
        channel
            .queue_declare(&format!("{name}.retry"), durable, dead_letter_to(name))
            .await?;
        Ok(Self {
            channel,
            name: name.to_owned(),
            _connection: Arc::new(connection),
        })
    }

    async fn publish(
        &self,
        queue: &str,
        tenant: &TenantId,
        payload: &[u8],
        attempt: i64,
        delay: Option<std::time::Duration>,
    ) -> anyhow::Result<()> {
        let mut headers = FieldTable::default();
        headers.insert(
            TENANT_HEADER.into(),
            AMQPValue::LongString(LongString::from(tenant.to_string())),
        );
        headers.insert(ATTEMPT_HEADER.into(), AMQPValue::LongLongInt(attempt));
        let mut properties = BasicProperties::default()
            .with_headers(headers)
            .with_delivery_mode(2)
            .with_content_type("application/json".into());
        if let Some(delay) = delay {
            properties = properties.with_expiration(delay.as_millis().to_string().into());
        }
        self.channel
            .basic_publish(
                "",
                queue,
                BasicPublishOptions::default(),
                payload,
                properties,
            )
            .await?
            .await?;
        Ok(())
    }

    /// Publishes `job` with the tenant in scope in its headers (waits for the broker's confirm).
    ///
    /// # Errors
    /// No tenant in scope; the broker refuses.
    pub async fn enqueue(&self, job: &Job) -> anyhow::Result<()> {
        let tenant = tenancy_core::context::current()?;
        self.publish(&self.name, &tenant, &serde_json::to_vec(job)?, 0, None)
            .await
    }

    /// Messages ready in the work queue.
    ///
    /// # Errors
    /// The broker is unreachable.
    pub async fn depth(&self) -> anyhow::Result<u64> {
        let queue = self
            .channel
            .queue_declare(
                &self.name,
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        Ok(u64::from(queue.message_count()))
    }

    /// Consumes until `shutdown` flips: each message runs through `run` inside its tenant's
    /// scope; a failure is retried through the retry queue with backoff, and after
    /// `max_attempts` (or without a valid tenant header) it is dead-lettered.
    ///
    /// # Errors
    /// The consumer cannot start.
    pub async fn consume<F, Fut>(
        &self,
        max_attempts: u32,
        mut shutdown: watch::Receiver<bool>,
        metrics: &Metrics,
        run: F,
    ) -> anyhow::Result<()>
    where
        F: Fn(Job) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        let channel = self._connection.create_channel().await?;
        channel.basic_qos(16, BasicQosOptions::default()).await?;
        let mut consumer = channel
            .basic_consume(
                &self.name,
                "",
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        loop {
            let delivery = tokio::select! {
                next = consumer.next() => match next {
                    Some(Ok(delivery)) => delivery,
                    Some(Err(error)) => return Err(error.into()),
                    None => return Ok(()),
                },
                _ = shutdown.changed() => return Ok(()),
            };
            let tenant = match header(&delivery.properties, TENANT_HEADER) {
                Some(AMQPValue::LongString(s)) => std::str::from_utf8(s.as_bytes())
                    .ok()
                    .and_then(|s| s.parse::<TenantId>().ok()),
                _ => None,
            };
            let attempt = match header(&delivery.properties, ATTEMPT_HEADER) {
                Some(AMQPValue::LongLongInt(n)) => *n,
                _ => 0,
            } + 1;
            let job = serde_json::from_slice::<Job>(&delivery.data);
            let (Some(tenant), Ok(job)) = (tenant, job) else {
                tracing::error!("job without a valid tenant header or payload: dead-lettered");
                delivery.nack(BasicNackOptions::default()).await?;
                metrics.job_settled("unreadable", Settled::Dead);
                continue;
            };
            let kind = job.kind();
            match tenancy_core::context::scope(tenant.clone(), run(job)).await {
                Ok(()) => delivery.ack(BasicAckOptions::default()).await?,
                Err(error) if attempt < i64::from(max_attempts) => {
                    tracing::warn!(kind, attempt, %error, tenant_id = %tenant, "job failed; retrying");
                    let delay = super::backoff(u32::try_from(attempt).unwrap_or(u32::MAX));
                    let retry = format!("{}.retry", self.name);
                    self.publish(&retry, &tenant, &delivery.data, attempt, Some(delay))
                        .await?;
                    delivery.ack(BasicAckOptions::default()).await?;
                    metrics.job_settled(kind, Settled::Retrying);
                }
                Err(error) => {
                    tracing::error!(kind, attempt, %error, tenant_id = %tenant, "job failed; dead-lettered");
                    delivery.nack(BasicNackOptions::default()).await?;
                    metrics.job_settled(kind, Settled::Dead);
                }
            }
        }
    }
}
