//! The one door out: inside `tenancy_core::unscoped` the `TenantPool` and its transactions run
//! statements as written, with core's audit event; a nested tenant scope is rewritten again;
//! outside any scope nothing is sent.
//!
//! A test binary of its own because it installs tracing subscribers: every test installs one
//! before touching any callsite (see `tenancy-core/tests/context_tracing.rs` for why).

mod common;

use std::sync::{Arc, Mutex};

use common::{TestResult, catalog, database};
use tenancy_core::context::AUDIT_TARGET;
use tenancy_core::{TenantId, context, unscoped};
use tenancy_sqlx::{Error, TenantPool};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The `reason` field of every audit event.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Option<String>>>>);

struct Reason(Option<String>);

impl Visit for Reason {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "reason" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber> Layer<S> for Events {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != AUDIT_TARGET {
            return;
        }
        let mut reason = Reason(None);
        event.record(&mut reason);
        if let Ok(mut events) = self.0.lock() {
            events.push(reason.0);
        }
    }
}

impl Events {
    fn install() -> (Self, tracing::subscriber::DefaultGuard) {
        let events = Self::default();
        let subscriber = tracing_subscriber::registry().with(events.clone());
        (events, tracing::subscriber::set_default(subscriber))
    }

    fn audits(&self) -> Vec<Option<String>> {
        self.0
            .lock()
            .map(|events| events.clone())
            .unwrap_or_default()
    }
}

fn is_no_tenant(err: &sqlx::Error) -> bool {
    matches!(
        Error::from_sqlx(err),
        Some(Error::Scope(tenancy_core::Error::NoTenant))
    )
}

#[tokio::test(flavor = "current_thread")]
async fn inside_unscoped_statements_run_raw_and_core_audits_the_section() -> TestResult {
    let (events, _guard) = Events::install();
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    let (tenants, in_transaction, tx_tenant) = unscoped("test: report across tenants", async {
        // Sent as written: no tenant predicate, no tenant parameter.
        let tenants: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT tenant_id FROM tasks ORDER BY 1")
                .fetch_all(&pool)
                .await?;
        let mut tx = pool.begin().await?;
        let in_transaction: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
            .fetch_one(&mut tx)
            .await?;
        let tx_tenant = tx.tenant().cloned();
        tx.commit().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((tenants, in_transaction, tx_tenant))
    })
    .await?;
    assert_eq!(tenants, vec![1, 2, 3]);
    assert_eq!(in_transaction, 30);
    assert_eq!(tx_tenant, None);
    assert_eq!(
        events.audits(),
        vec![Some("test: report across tenants".to_owned())],
        "one audit event, core's, for the section"
    );
    db.cleanup().await?;
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_tenant_scope_nested_in_unscoped_is_rewritten_again() -> TestResult {
    let (_events, _guard) = Events::install();
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    let (outer, nested, nested_tx) = unscoped("test: nested scope", async {
        let outer: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
            .fetch_one(&pool)
            .await?;
        let (nested, nested_tx) = context::scope(TenantId::Int(2), async {
            let nested: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM tasks")
                .fetch_all(&pool)
                .await?;
            let mut tx = pool.begin().await?;
            let in_tx: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
                .fetch_one(&mut tx)
                .await?;
            tx.commit().await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((nested, in_tx))
        })
        .await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((outer, nested, nested_tx))
    })
    .await?;
    assert_eq!((outer, nested, nested_tx), (30, vec![2], 10));
    db.cleanup().await?;
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn outside_any_scope_and_outside_its_section_nothing_is_sent() -> TestResult {
    let (events, _guard) = Events::install();
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());

    let err = sqlx::query("DELETE FROM tasks")
        .execute(&pool)
        .await
        .expect_err("no scope: fails closed");
    assert!(is_no_tenant(&err), "{err}");
    assert!(events.audits().is_empty(), "no section, no audit event");

    // An unscoped transaction that leaves its section is not a way around the door.
    let mut tx = unscoped("test: leaking a transaction", pool.begin()).await?;
    let err = sqlx::query("DELETE FROM tasks")
        .execute(&mut tx)
        .await
        .expect_err("an unscoped transaction outside its section fails closed");
    assert!(is_no_tenant(&err), "{err}");
    let err = context::scope(
        TenantId::Int(1),
        sqlx::query("DELETE FROM tasks").execute(&mut tx),
    )
    .await
    .expect_err("an unscoped transaction in a tenant scope fails closed");
    assert!(is_no_tenant(&err), "{err}");
    tx.commit().await?;

    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(db.pool())
        .await?;
    assert_eq!(left, 30);
    db.cleanup().await?;
    Ok(())
}
