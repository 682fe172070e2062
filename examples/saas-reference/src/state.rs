//! The shared application state handed to handlers, middleware and the worker.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::oidc::OidcVerifier;
use crate::auth::password::Passwords;
use crate::auth::tokens::AccessTokens;
use crate::billing::stripe::StripeClient;
use crate::cache::Cache;
use crate::config::Config;
use crate::jobs::JobQueue;
use crate::metrics::Metrics;

/// Everything a request or a job needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Tenant-data access: every query is rewritten for the tenant in scope (plain sqlx in the
    /// `baseline` build; see [`crate::db`]).
    pub pool: crate::db::Pool,
    /// The plain pool, for the few statements that run before a tenant is known (slug and
    /// Stripe-customer registries, job claiming, readiness). Never used for tenant data.
    pub raw: PgPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// Our access tokens.
    pub tokens: AccessTokens,
    /// Password hashing.
    pub passwords: Passwords,
    /// External OIDC tokens, when configured.
    pub oidc: Option<OidcVerifier>,
    /// Stripe, when `STRIPE_SECRET_KEY` is set.
    pub stripe: Option<StripeClient>,
    /// The cache.
    pub cache: Cache,
    /// The job queue.
    pub jobs: JobQueue,
    /// Metrics.
    pub metrics: Metrics,
}

impl AppState {
    /// Connects to everything `config` names (or the embedded defaults) and migrates.
    ///
    /// # Errors
    /// A service that is configured but unreachable; no database possible.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let url = crate::db::database_url(&config).await?;
        let raw = crate::db::connect(&url, config.database_max_connections, config.run_migrations)
            .await?;
        let pool = crate::db::scoped(raw.clone())?;
        let http = reqwest::Client::builder()
            .user_agent("saas-reference")
            .build()?;
        let cache = match &config.redis_url {
            Some(url) => Cache::redis(url).await?,
            None => Cache::memory(100_000),
        };
        let jobs = match &config.amqp_url {
            Some(url) => JobQueue::Rabbit(
                crate::jobs::rabbitmq::RabbitQueue::connect(url, &config.amqp_queue).await?,
            ),
            None => JobQueue::Postgres(crate::jobs::postgres::PgQueue::new(
                pool.clone(),
                raw.clone(),
            )),
        };
        tracing::info!(cache = ?cache, jobs = ?jobs, "services ready");
        Ok(Self {
            tokens: AccessTokens::new(&config.auth.jwt_secret, config.auth.access_ttl),
            passwords: Passwords::new(config.auth.password_memory_kib)?,
            oidc: config
                .auth
                .oidc
                .clone()
                .map(|oidc| OidcVerifier::new(oidc, http.clone())),
            stripe: config
                .billing
                .secret_key
                .as_deref()
                .map(|key| StripeClient::new(http.clone(), &config.billing.api_base, key)),
            pool,
            raw,
            cache,
            jobs,
            metrics: Metrics::new()?,
            config: Arc::new(config),
        })
    }
}
