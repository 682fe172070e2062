//! Configuration from the environment. Every variable has a documented default (see the README),
//! so `cargo run -p saas-reference` works with no configuration at all.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;

/// Everything the application reads from the environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// `BIND_ADDR`: where the HTTP server listens.
    pub bind_addr: SocketAddr,
    /// `DATABASE_URL`: PostgreSQL or a Citus coordinator; `None` starts the embedded database.
    pub database_url: Option<String>,
    /// `DATABASE_MAX_CONNECTIONS`: pool size.
    pub database_max_connections: u32,
    /// `EMBEDDED_PG_DIR`: data folder of the private cluster started when nothing answers on 5432.
    pub embedded_pg_dir: String,
    /// `RUN_MIGRATIONS`: apply the bundled migrations at start-up.
    pub run_migrations: bool,
    /// `REDIS_URL`: the shared cache; `None` uses an in-process cache.
    pub redis_url: Option<String>,
    /// `AMQP_URL`: RabbitMQ for jobs; `None` uses the PostgreSQL-backed queue.
    pub amqp_url: Option<String>,
    /// `AMQP_QUEUE`: name of the RabbitMQ work queue (`.retry` and `.dead` are derived).
    pub amqp_queue: String,
    /// `METRICS_ADDR`: where `saas-reference worker` serves `/metrics` (and `/healthz`).
    pub metrics_addr: SocketAddr,
    /// `IN_PROCESS_WORKER`: `serve` also runs a job worker (handy for the embedded default).
    pub in_process_worker: bool,
    /// `JOB_MAX_ATTEMPTS`: attempts before a job goes to the dead-letter queue.
    pub job_max_attempts: u32,
    /// Authentication settings.
    pub auth: AuthConfig,
    /// Billing settings.
    pub billing: BillingConfig,
    /// `PUBLIC_URL`: the address users reach the API at (invitation links).
    pub public_url: String,
    /// `INVITATION_TTL_SECS`: how long an invitation link can be accepted.
    pub invitation_ttl: Duration,
    /// `BASE_DOMAIN`: `<slug>.<BASE_DOMAIN>` names a tenant by subdomain.
    pub base_domain: String,
    /// `MAX_BODY_BYTES`: larger request bodies answer 413.
    pub max_body_bytes: usize,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: where spans are exported (none when unset).
    pub otlp_endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`: the service name on exported spans.
    pub service_name: String,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_json: bool,
}

/// Token issuing and validation.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `JWT_SECRET`: HS256 key of the access tokens this service issues; random per process
    /// when unset (tokens then die with the process).
    pub jwt_secret: Vec<u8>,
    /// `ACCESS_TOKEN_TTL_SECS`: access token lifetime.
    pub access_ttl: Duration,
    /// `REFRESH_TOKEN_TTL_SECS`: refresh token lifetime.
    pub refresh_ttl: Duration,
    /// `ARGON2_MEMORY_KIB`: Argon2id memory cost of password hashes.
    pub password_memory_kib: u32,
    /// External OIDC access tokens (Ory Hydra), accepted when `OIDC_JWKS_URL` is set.
    pub oidc: Option<OidcConfig>,
}

/// Validation of access tokens issued by an external OpenID Connect provider.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// `OIDC_JWKS_URL`: the provider's JSON Web Key Set.
    pub jwks_url: String,
    /// `OIDC_ISSUER`: required `iss`.
    pub issuer: String,
    /// `OIDC_AUDIENCE`: required `aud` (not checked when unset).
    pub audience: Option<String>,
    /// `OIDC_TENANT_CLAIM`: the claim holding the tenant id.
    pub tenant_claim: String,
}

/// Stripe and plan limits.
#[derive(Clone, Debug)]
pub struct BillingConfig {
    /// `STRIPE_API_BASE`: Stripe's API root (a local fake in tests).
    pub api_base: String,
    /// `STRIPE_SECRET_KEY`: API key; billing calls answer 503 when unset.
    pub secret_key: Option<String>,
    /// `STRIPE_WEBHOOK_SECRET`: `whsec_...` signing secret; the webhook answers 503 when unset.
    pub webhook_secret: Option<String>,
    /// `STRIPE_WEBHOOK_TOLERANCE_SECS`: accepted age of a signed webhook.
    pub webhook_tolerance: Duration,
    /// `STRIPE_PRICE_PRO`: the price id checkout sells.
    pub pro_price: String,
    /// `CHECKOUT_SUCCESS_URL`: where Stripe Checkout returns.
    pub success_url: String,
    /// `PLAN_FREE_MAX_PROJECTS`: projects allowed on the free plan.
    pub free_max_projects: i64,
    /// `PLAN_PRO_MAX_PROJECTS`: projects allowed on the pro plan.
    pub pro_max_projects: i64,
}

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// A variable that is set but does not parse, with its name.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads configuration through `lookup` (tests pass a map instead of the environment).
    ///
    /// # Errors
    /// A variable that is set but does not parse, with its name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        let parse = |name: &str, default: &str| -> anyhow::Result<u64> {
            get(name, default)
                .parse()
                .with_context(|| format!("{name} must be a whole number"))
        };
        let flag = |name: &str, default: bool| -> anyhow::Result<bool> {
            match lookup(name).as_deref() {
                None => Ok(default),
                Some("1" | "true" | "yes") => Ok(true),
                Some("0" | "false" | "no") => Ok(false),
                Some(_) => anyhow::bail!("{name} must be true or false"),
            }
        };
        let jwt_secret = match lookup("JWT_SECRET") {
            Some(secret) if secret.len() >= 32 => secret.into_bytes(),
            Some(_) => anyhow::bail!("JWT_SECRET must be at least 32 bytes"),
            None => {
                tracing::warn!(
                    "JWT_SECRET is unset: using a random key, tokens die with the process"
                );
                rand::random::<[u8; 32]>().to_vec()
            }
        };
        let oidc = lookup("OIDC_JWKS_URL").map(|jwks_url| OidcConfig {
            jwks_url,
            issuer: get("OIDC_ISSUER", "http://127.0.0.1:4444/"),
            audience: lookup("OIDC_AUDIENCE"),
            tenant_claim: get("OIDC_TENANT_CLAIM", "tenant_id"),
        });
        Ok(Self {
            bind_addr: get("BIND_ADDR", "127.0.0.1:8080")
                .parse()
                .context("BIND_ADDR must be host:port, e.g. 127.0.0.1:8080")?,
            database_url: lookup("DATABASE_URL"),
            database_max_connections: u32::try_from(parse("DATABASE_MAX_CONNECTIONS", "20")?)
                .context("DATABASE_MAX_CONNECTIONS is too large")?,
            embedded_pg_dir: get("EMBEDDED_PG_DIR", "target/saas-reference-pg"),
            run_migrations: flag("RUN_MIGRATIONS", true)?,
            redis_url: lookup("REDIS_URL"),
            amqp_url: lookup("AMQP_URL"),
            amqp_queue: get("AMQP_QUEUE", "saas.jobs"),
            metrics_addr: get("METRICS_ADDR", "127.0.0.1:9091")
                .parse()
                .context("METRICS_ADDR must be host:port, e.g. 0.0.0.0:9091")?,
            in_process_worker: flag("IN_PROCESS_WORKER", true)?,
            job_max_attempts: u32::try_from(parse("JOB_MAX_ATTEMPTS", "5")?)
                .context("JOB_MAX_ATTEMPTS is too large")?,
            auth: AuthConfig {
                jwt_secret,
                access_ttl: Duration::from_secs(parse("ACCESS_TOKEN_TTL_SECS", "900")?),
                refresh_ttl: Duration::from_secs(parse("REFRESH_TOKEN_TTL_SECS", "2592000")?),
                password_memory_kib: u32::try_from(parse("ARGON2_MEMORY_KIB", "19456")?)
                    .context("ARGON2_MEMORY_KIB is too large")?,
                oidc,
            },
            billing: BillingConfig {
                api_base: get("STRIPE_API_BASE", "https://api.stripe.com"),
                secret_key: lookup("STRIPE_SECRET_KEY"),
                webhook_secret: lookup("STRIPE_WEBHOOK_SECRET"),
                webhook_tolerance: Duration::from_secs(parse(
                    "STRIPE_WEBHOOK_TOLERANCE_SECS",
                    "300",
                )?),
                pro_price: get("STRIPE_PRICE_PRO", "price_pro_monthly"),
                success_url: get("CHECKOUT_SUCCESS_URL", "http://localhost:8080/billing/done"),
                free_max_projects: i64::try_from(parse("PLAN_FREE_MAX_PROJECTS", "100")?)
                    .context("PLAN_FREE_MAX_PROJECTS is too large")?,
                pro_max_projects: i64::try_from(parse("PLAN_PRO_MAX_PROJECTS", "10000")?)
                    .context("PLAN_PRO_MAX_PROJECTS is too large")?,
            },
            public_url: get("PUBLIC_URL", "http://localhost:8080")
                .trim_end_matches('/')
                .to_owned(),
            invitation_ttl: Duration::from_secs(parse("INVITATION_TTL_SECS", "604800")?),
            base_domain: get("BASE_DOMAIN", "localhost"),
            max_body_bytes: usize::try_from(parse("MAX_BODY_BYTES", "262144")?)
                .context("MAX_BODY_BYTES is too large")?,
            otlp_endpoint: lookup("OTEL_EXPORTER_OTLP_ENDPOINT"),
            service_name: get("OTEL_SERVICE_NAME", "saas-reference"),
            log_json: get("LOG_FORMAT", "text") == "json",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_environment() -> anyhow::Result<()> {
        let config = Config::from_lookup(|_| None)?;
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8080");
        assert!(config.database_url.is_none() && config.redis_url.is_none());
        assert_eq!(config.auth.access_ttl, Duration::from_secs(900));
        assert!(config.auth.oidc.is_none());
        Ok(())
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = Config::from_lookup(|n| (n == "BIND_ADDR").then(|| "nope".to_owned()));
        assert!(
            format!(
                "{:#}",
                error.err().map(|e| e.to_string()).unwrap_or_default()
            )
            .contains("BIND_ADDR")
        );
        let short = Config::from_lookup(|n| (n == "JWT_SECRET").then(|| "short".to_owned()));
        assert!(short.is_err());
    }
}
