//! The tenant context: nesting, panics, isolation under heavy interleaving, inheritance only when
//! asked and the unscoped section. Its tracing output is tested in `context_tracing.rs`.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tenancy_core::{
    Error, ScopeState, TenantId, WithTenant, current, is_unscoped, scope, scope_state, scope_sync,
    spawn, try_current, unscoped,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_scopes_restore_the_outer_tenant() -> TestResult {
    assert!(matches!(current(), Err(Error::NoTenant)));
    scope(TenantId::Int(1), async {
        assert_eq!(current()?, TenantId::Int(1));
        scope(TenantId::from("inner"), async {
            assert_eq!(current()?, TenantId::from("inner"));
            tokio::task::yield_now().await;
            scope(TenantId::Int(3), async {
                assert_eq!(try_current(), Some(TenantId::Int(3)));
            })
            .await;
            assert_eq!(current()?, TenantId::from("inner"));
            Ok::<_, Error>(())
        })
        .await?;
        tokio::task::yield_now().await;
        assert_eq!(current()?, TenantId::Int(1));
        Ok::<_, Error>(())
    })
    .await?;
    assert_eq!(try_current(), None);
    assert_eq!(scope_state(), ScopeState::None);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_scope_restores_the_outer_tenant() {
    scope(TenantId::Int(1), async {
        // Cancel a nested scope mid-flight: the outer tenant must still be current afterwards.
        let nested = scope(
            TenantId::Int(2),
            tokio::time::sleep(Duration::from_secs(60)),
        );
        let cancelled = tokio::time::timeout(Duration::from_millis(5), nested).await;
        assert!(
            cancelled.is_err(),
            "the nested scope should have been cancelled"
        );
        assert_eq!(try_current(), Some(TenantId::Int(1)));
    })
    .await;
}

/// Polls a future inside `catch_unwind`, so a panic can be observed within the same task.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_nested_async_scope_leaves_the_outer_scope_intact() {
    scope(TenantId::Int(1), async {
        let nested = scope(TenantId::Int(2), async {
            tokio::task::yield_now().await;
            panic!("handler bug");
        });
        let caught = CatchUnwind(Box::pin(nested)).await;
        assert!(caught.is_err(), "the nested scope should have panicked");
        assert_eq!(try_current(), Some(TenantId::Int(1)));
        tokio::task::yield_now().await;
        assert_eq!(try_current(), Some(TenantId::Int(1)));
    })
    .await;
    assert_eq!(try_current(), None);
}

#[tokio::test(flavor = "current_thread")]
async fn a_panicking_spawned_task_leaves_the_spawner_and_the_thread_clean() {
    scope(TenantId::Int(1), async {
        // On a current-thread runtime the task runs on this very thread, so a scope it failed to
        // restore would be visible here.
        let joined = spawn(async {
            scope(TenantId::Int(2), async {
                tokio::task::yield_now().await;
                panic!("job bug");
            })
            .await
        })
        .await;
        assert!(joined.is_err_and(|e| e.is_panic()));
        assert_eq!(try_current(), Some(TenantId::Int(1)));
    })
    .await;
    assert_eq!(try_current(), None);
}

#[test]
fn a_panic_in_a_sync_scope_leaves_the_outer_scope_intact() {
    scope_sync(TenantId::Int(1), || {
        let caught = catch_unwind(|| {
            scope_sync(TenantId::Int(2), || {
                assert_eq!(try_current(), Some(TenantId::Int(2)));
                panic!("sync bug");
            })
        });
        assert!(caught.is_err());
        assert_eq!(try_current(), Some(TenantId::Int(1)));
    });
    assert_eq!(try_current(), None);
}

const TASKS: usize = 100_000;
const ROUNDS: usize = 3;
/// Checks per task: after the gate, then three per round, then inside and after a nested scope.
const CHECKS_PER_TASK: usize = 1 + ROUNDS * 3 + 2;

fn random_tenant() -> TenantId {
    match rand::random_range(0..3) {
        0 => TenantId::Int(rand::random_range(0..1_000)),
        1 => TenantId::from(format!("t{}", rand::random_range(0..1_000))),
        _ => TenantId::Uuid(uuid::Uuid::from_u128(rand::random())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_thousand_interleaved_tasks_never_see_another_tenant() -> TestResult {
    let checks = Arc::new(AtomicUsize::new(0));
    let bleeds = Arc::new(AtomicUsize::new(0));
    // Every task waits on the gate inside its scope, so all of them are alive at once.
    let gate = Arc::new(tokio::sync::RwLock::new(()));
    let hold = gate.clone().write_owned().await;

    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let tenant = random_tenant();
        let (checks, bleeds, gate) = (checks.clone(), bleeds.clone(), gate.clone());
        let check = move |expected: &TenantId| {
            checks.fetch_add(1, Ordering::Relaxed);
            if try_current().as_ref() != Some(expected) {
                bleeds.fetch_add(1, Ordering::Relaxed);
            }
        };
        handles.push(tokio::spawn(scope(tenant.clone(), async move {
            drop(gate.read().await);
            check(&tenant);
            for _ in 0..ROUNDS {
                tokio::task::yield_now().await;
                check(&tenant);
                tokio::time::sleep(Duration::ZERO).await;
                check(&tenant);
                tokio::task::yield_now().await;
                check(&tenant);
            }
            let other = random_tenant();
            scope(other.clone(), async {
                tokio::task::yield_now().await;
                check(&other);
            })
            .await;
            check(&tenant);
        })));
    }
    drop(hold);
    for handle in handles {
        handle.await?;
    }

    assert_eq!(checks.load(Ordering::Relaxed), TASKS * CHECKS_PER_TASK);
    assert_eq!(
        bleeds.load(Ordering::Relaxed),
        0,
        "a task saw another tenant"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_inherit_only_when_asked() -> TestResult {
    let tenant = TenantId::from("acme");
    scope(tenant.clone(), async {
        let plain = tokio::spawn(async { try_current() }).await?;
        assert_eq!(plain, None, "tokio::spawn must not inherit the tenant");

        let helper = spawn(async { try_current() }).await?;
        assert_eq!(helper, Some(tenant.clone()));

        let ext = tokio::spawn(async { try_current() }.in_current_scope()).await?;
        assert_eq!(ext, Some(tenant.clone()));

        let explicit = tokio::spawn(async { try_current() }.with_tenant(TenantId::Int(5))).await?;
        assert_eq!(explicit, Some(TenantId::Int(5)));
        Ok::<_, Box<dyn std::error::Error>>(())
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_current_scope_captures_the_scope_at_the_call_not_at_the_poll() {
    let captured = scope_sync(TenantId::Int(1), || {
        async { try_current() }.in_current_scope()
    });
    assert_eq!(
        scope(TenantId::Int(2), captured).await,
        Some(TenantId::Int(1))
    );

    // Captured outside any scope: runs outside any scope even when polled inside one.
    let outside = async { try_current() }.in_current_scope();
    assert_eq!(scope(TenantId::Int(2), outside).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unscoped_section_is_carried_by_spawn_and_is_never_a_tenant() -> TestResult {
    let state = unscoped("rebuild search index", async {
        assert!(matches!(current(), Err(Error::NoTenant)));
        spawn(async { (scope_state(), is_unscoped()) }).await
    })
    .await?;
    assert_eq!(
        state,
        (
            ScopeState::Unscoped {
                reason: "rebuild search index"
            },
            true
        )
    );
    assert!(!is_unscoped());
    Ok(())
}
