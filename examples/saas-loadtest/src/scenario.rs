//! The workload: each user signs up one tenant, then runs a weighted mix of reads and writes on
//! that tenant's projects and tasks.
//!
//! Weights (per 14 transactions): list projects 4, get project 2, list tasks 3, create task 2,
//! get task 1, patch task 1, create project 1. About 70 % reads, 30 % writes. Tasks keep
//! growing, as real tenants do; projects stop at [`KEPT_PROJECTS`] (the free plan's limit is
//! 100), after which "create project" creates one and deletes it again.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use goose::prelude::*;
use serde_json::json;

use crate::api::{Tenant, call, field};

/// Projects a tenant keeps; later creations are deleted right away, staying under plan limits.
const KEPT_PROJECTS: usize = 20;

/// How many task ids a user remembers for reads and patches; older ones stay in the database.
const REMEMBERED_TASKS: usize = 64;

/// The scenario goose runs: one tenant per user.
pub(crate) fn tenant_workload() -> Result<Scenario, GooseError> {
    Ok(scenario!("TenantWorkload")
        .register_transaction(transaction!(sign_up).set_name("sign up").set_on_start())
        .register_transaction(
            transaction!(list_projects)
                .set_name("list projects")
                .set_weight(4)?,
        )
        .register_transaction(
            transaction!(get_project)
                .set_name("get project")
                .set_weight(2)?,
        )
        .register_transaction(
            transaction!(list_tasks)
                .set_name("list tasks")
                .set_weight(3)?,
        )
        .register_transaction(
            transaction!(create_task)
                .set_name("create task")
                .set_weight(2)?,
        )
        .register_transaction(transaction!(get_task).set_name("get task").set_weight(1)?)
        .register_transaction(
            transaction!(patch_task)
                .set_name("patch task")
                .set_weight(1)?,
        )
        .register_transaction(
            transaction!(create_project)
                .set_name("create project")
                .set_weight(1)?,
        ))
}

/// A prefix unique to this run, so repeated runs against one database never reuse a slug.
fn run_prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!(
            "lt{}-{}",
            to_base36(secs),
            to_base36(u64::from(std::process::id()))
        )
    })
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Signs up the user's tenant and gives it one project with one task, so every later read has
/// something to read.
async fn sign_up(user: &mut GooseUser) -> TransactionResult {
    let slug = format!("{}-{}", run_prefix(), user.weighted_users_index);
    let body = json!({
        "organization": format!("Load test {slug}"),
        "slug": slug,
        "email": format!("owner@{slug}.example.com"),
        "password": "load-test-password-1",
    });
    let answer = call(
        user,
        GooseMethod::Post,
        "/v1/signup",
        "/v1/signup",
        None,
        Some(&body),
        201,
    )
    .await?;
    let token = field(&answer, "/access_token", "/v1/signup")?;
    let mut tenant = Tenant {
        slug,
        token,
        projects: Vec::new(),
        tasks: Vec::new(),
    };
    let project = new_project(user, &tenant, 0).await?;
    tenant.projects.push(project.clone());
    let task = new_task(user, &tenant, &project, 0).await?;
    tenant.tasks.push(task);
    user.set_session_data(tenant);
    Ok(())
}

async fn new_project(
    user: &mut GooseUser,
    tenant: &Tenant,
    n: usize,
) -> Result<String, Box<TransactionError>> {
    let body = json!({ "name": format!("{} project {n}", tenant.slug) });
    let answer = call(
        user,
        GooseMethod::Post,
        "/v1/projects",
        "/v1/projects",
        Some(&tenant.token),
        Some(&body),
        201,
    )
    .await?;
    field(&answer, "/id", "/v1/projects")
}

async fn new_task(
    user: &mut GooseUser,
    tenant: &Tenant,
    project: &str,
    n: usize,
) -> Result<String, Box<TransactionError>> {
    let body = json!({ "title": format!("task {n}") });
    let answer = call(
        user,
        GooseMethod::Post,
        &format!("/v1/projects/{project}/tasks"),
        "/v1/projects/{id}/tasks",
        Some(&tenant.token),
        Some(&body),
        201,
    )
    .await?;
    field(&answer, "/id", "/v1/projects/{id}/tasks")
}

/// The user's tenant. A user whose sign-up failed has none: its transactions wait a second
/// (an error returned at once would spin the user's loop without yielding to the runtime, and
/// goose could not stop it at `--run-time`) and fail, which goose reports.
async fn tenant(user: &GooseUser) -> Result<Tenant, Box<TransactionError>> {
    if let Some(tenant) = user.get_session_data::<Tenant>() {
        return Ok(tenant.clone());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(Box::new(TransactionError::Custom(
        "no tenant: the sign-up of this user failed (see the errors above)".to_owned(),
    )))
}

/// Picks the item the user's iteration count points at: a spread over all items without a
/// random number generator.
fn pick<'a>(user: &GooseUser, items: &'a [String]) -> Result<&'a str, Box<TransactionError>> {
    if items.is_empty() {
        return Err(Box::new(TransactionError::Custom(
            "nothing to pick from".to_owned(),
        )));
    }
    Ok(&items[user.get_iterations() % items.len()])
}

async fn list_projects(user: &mut GooseUser) -> TransactionResult {
    let tenant = tenant(user).await?;
    let empty: Option<&()> = None;
    call(
        user,
        GooseMethod::Get,
        "/v1/projects",
        "/v1/projects",
        Some(&tenant.token),
        empty,
        200,
    )
    .await?;
    Ok(())
}

async fn get_project(user: &mut GooseUser) -> TransactionResult {
    let tenant = tenant(user).await?;
    let project = pick(user, &tenant.projects)?;
    let empty: Option<&()> = None;
    call(
        user,
        GooseMethod::Get,
        &format!("/v1/projects/{project}"),
        "/v1/projects/{id}",
        Some(&tenant.token),
        empty,
        200,
    )
    .await?;
    Ok(())
}

async fn list_tasks(user: &mut GooseUser) -> TransactionResult {
    let tenant = tenant(user).await?;
    let project = pick(user, &tenant.projects)?;
    let empty: Option<&()> = None;
    call(
        user,
        GooseMethod::Get,
        &format!("/v1/projects/{project}/tasks"),
        "/v1/projects/{id}/tasks",
        Some(&tenant.token),
        empty,
        200,
    )
    .await?;
    Ok(())
}

async fn create_task(user: &mut GooseUser) -> TransactionResult {
    let mut tenant = tenant(user).await?;
    let project = pick(user, &tenant.projects)?.to_owned();
    let task = new_task(user, &tenant, &project, user.get_iterations()).await?;
    if tenant.tasks.len() >= REMEMBERED_TASKS {
        tenant.tasks.remove(0);
    }
    tenant.tasks.push(task);
    user.set_session_data(tenant);
    Ok(())
}

async fn get_task(user: &mut GooseUser) -> TransactionResult {
    let tenant = tenant(user).await?;
    let task = pick(user, &tenant.tasks)?;
    let empty: Option<&()> = None;
    call(
        user,
        GooseMethod::Get,
        &format!("/v1/tasks/{task}"),
        "/v1/tasks/{id}",
        Some(&tenant.token),
        empty,
        200,
    )
    .await?;
    Ok(())
}

async fn patch_task(user: &mut GooseUser) -> TransactionResult {
    let tenant = tenant(user).await?;
    let task = pick(user, &tenant.tasks)?;
    let status = ["todo", "in_progress", "done"][user.get_iterations() % 3];
    let body = json!({ "status": status, "title": format!("task at iteration {}", user.get_iterations()) });
    call(
        user,
        GooseMethod::Patch,
        &format!("/v1/tasks/{task}"),
        "/v1/tasks/{id}",
        Some(&tenant.token),
        Some(&body),
        200,
    )
    .await?;
    Ok(())
}

async fn create_project(user: &mut GooseUser) -> TransactionResult {
    let mut tenant = tenant(user).await?;
    let project = new_project(user, &tenant, tenant.projects.len()).await?;
    if tenant.projects.len() < KEPT_PROJECTS {
        tenant.projects.push(project);
        user.set_session_data(tenant);
        return Ok(());
    }
    // A fresh project has no tasks, so deleting it never invalidates a remembered task id.
    let empty: Option<&()> = None;
    call(
        user,
        GooseMethod::Delete,
        &format!("/v1/projects/{project}"),
        "/v1/projects/{id}",
        Some(&tenant.token),
        empty,
        204,
    )
    .await?;
    Ok(())
}
