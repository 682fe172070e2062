//! The tenant context's tracing output: the `tenant_id` span field and the audit event of
//! `unscoped`.
//!
//! A separate test binary on purpose: tracing caches per-callsite interest process-wide, and a
//! callsite first hit on a thread without a subscriber (as in the tests of `context.rs`, racing
//! with this file's `set_default`) can be cached as disabled. Here every test installs its
//! subscriber before touching any callsite.

use std::sync::{Arc, Mutex};

use tenancy_core::{
    Error, TenantId, WithTenant, current, is_unscoped, scope, scope_sync, spawn, unscoped,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One recorded event: its target, its own fields and the `tenant_id` of its closest span with one.
#[derive(Clone, Debug)]
struct Captured {
    target: String,
    fields: Vec<(String, String)>,
    tenant_id: Option<String>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct FieldsVisitor(Vec<(String, String)>);

impl Visit for FieldsVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

struct SpanFields(Vec<(String, String)>);

#[derive(Clone, Default)]
struct CaptureLayer(Arc<Mutex<Vec<Captured>>>);

impl CaptureLayer {
    fn events(&self) -> Vec<Captured> {
        self.0
            .lock()
            .map(|events| events.clone())
            .unwrap_or_default()
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for CaptureLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut visitor = FieldsVisitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(visitor.0));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let mut visitor = FieldsVisitor::default();
        event.record(&mut visitor);
        let tenant_id = ctx.event_scope(event).and_then(|spans| {
            spans.into_iter().find_map(|span| {
                let extensions = span.extensions();
                let fields = extensions.get::<SpanFields>()?;
                fields
                    .0
                    .iter()
                    .find(|(key, _)| key == "tenant_id")
                    .map(|(_, value)| value.clone())
            })
        });
        if let Ok(mut events) = self.0.lock() {
            events.push(Captured {
                target: event.metadata().target().to_owned(),
                fields: visitor.0,
                tenant_id,
            });
        }
    }
}

fn capture() -> (CaptureLayer, tracing::subscriber::DefaultGuard) {
    let layer = CaptureLayer::default();
    let subscriber = tracing_subscriber::registry().with(layer.clone());
    (layer, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "current_thread")]
async fn unscoped_logs_an_audit_event_with_reason_and_caller() {
    let (layer, _guard) = capture();
    let never_run = unscoped("never polled", async {});
    drop(never_run);

    let line = line!() + 1;
    let inside = unscoped("migrate all tenants", async { (current(), is_unscoped()) }).await;
    assert!(matches!(inside.0, Err(Error::NoTenant)));
    assert!(inside.1);

    let audits: Vec<_> = layer
        .events()
        .into_iter()
        .filter(|e| e.target == "tenancy::audit")
        .collect();
    assert_eq!(
        audits.len(),
        1,
        "exactly one audit event, only for the section that ran: {audits:?}"
    );
    assert_eq!(audits[0].field("reason"), Some("migrate all tenants"));
    let caller = audits[0].field("caller").unwrap_or_default();
    assert!(
        caller.starts_with(&format!("{}:{line}:", file!())),
        "caller {caller:?} should point at this test's call"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn logs_inside_a_scope_carry_the_tenant_id_field() -> TestResult {
    let (layer, _guard) = capture();
    tracing::info!("before");
    scope(TenantId::from("acme"), async {
        tracing::info!("in handler");
        spawn(async { tracing::info!("in spawned job") }).await
    })
    .await?;
    scope_sync(TenantId::Int(42), || tracing::info!("in sync code"));
    tokio::spawn(async { tracing::info!("in plain task") }.with_tenant(TenantId::Int(7))).await?;

    let seen: Vec<_> = layer
        .events()
        .into_iter()
        .map(|e| (e.field("message").map(str::to_owned), e.tenant_id))
        .collect();
    let expect =
        |message: &str, tenant: Option<&str>| (Some(message.to_owned()), tenant.map(str::to_owned));
    assert_eq!(
        seen,
        vec![
            expect("before", None),
            expect("in handler", Some("acme")),
            expect("in spawned job", Some("acme")),
            expect("in sync code", Some("42")),
            expect("in plain task", Some("7")),
        ]
    );
    Ok(())
}
