//! Cross-tenant access to every object route answers 404, exactly like a missing id, and changes
//! nothing; the schema passes the Citus readiness checker.

mod common;

use axum::http::{Method, StatusCode};
use common::{app, id_of, slug};
use serde_json::json;
use tenancy_sqlx::citus::{ReadinessOptions, check_readiness};
use tenancy_sqlx::core::TableName;

#[tokio::test]
async fn another_tenants_objects_are_invisible_and_untouched() -> anyhow::Result<()> {
    let app = app().await?;
    let a = app.signup(&slug("alpha")).await?;
    let b = app.signup(&slug("bravo")).await?;
    let project = id_of(
        &app.post("/v1/projects", &a.access, json!({"name": "secret"}))
            .await?,
    )?;
    let task = id_of(
        &app.post(
            &format!("/v1/projects/{project}/tasks"),
            &a.access,
            json!({"title": "t"}),
        )
        .await?,
    )?;
    let comment = id_of(
        &app.post(
            &format!("/v1/tasks/{task}/comments"),
            &a.access,
            json!({"body": "c"}),
        )
        .await?,
    )?;
    // Warm A's cache so B cannot be served from it either.
    app.get(&format!("/v1/projects/{project}"), &a.access)
        .await?;
    let missing = uuid::Uuid::now_v7();

    let attempts = |id: &str, missing_id: &str| {
        vec![
            (Method::GET, format!("/v1/projects/{id}"), None),
            (
                Method::PATCH,
                format!("/v1/projects/{id}"),
                Some(json!({"name": "pwned"})),
            ),
            (Method::DELETE, format!("/v1/projects/{id}"), None),
            (Method::GET, format!("/v1/projects/{id}/tasks"), None),
            (
                Method::POST,
                format!("/v1/projects/{id}/tasks"),
                Some(json!({"title": "x"})),
            ),
            (Method::GET, format!("/v1/tasks/{missing_id}"), None),
            (
                Method::PATCH,
                format!("/v1/tasks/{missing_id}"),
                Some(json!({"title": "pwned"})),
            ),
            (Method::DELETE, format!("/v1/tasks/{missing_id}"), None),
            (
                Method::GET,
                format!("/v1/tasks/{missing_id}/comments"),
                None,
            ),
            (
                Method::POST,
                format!("/v1/tasks/{missing_id}/comments"),
                Some(json!({"body": "x"})),
            ),
        ]
    };
    let foreign: Vec<_> = attempts(&project, &task)
        .into_iter()
        .chain([(Method::DELETE, format!("/v1/comments/{comment}"), None)])
        .collect();
    let absent: Vec<_> = attempts(&missing.to_string(), &missing.to_string())
        .into_iter()
        .chain([(Method::DELETE, format!("/v1/comments/{missing}"), None)])
        .collect();
    for ((method, uri, body), (_, absent_uri, _)) in foreign.into_iter().zip(absent) {
        let theirs = app
            .request(method.clone(), &uri, Some(&b.access), body.clone(), &[])
            .await?;
        let nothing = app
            .request(method.clone(), &absent_uri, Some(&b.access), body, &[])
            .await?;
        assert_eq!(
            theirs.status,
            StatusCode::NOT_FOUND,
            "{method} {uri}: {}",
            theirs.body
        );
        assert_eq!(
            theirs.body, nothing.body,
            "{method} {uri}: indistinguishable from a missing id"
        );
    }
    // Assigning a task to another tenant's user is refused too.
    let own = id_of(
        &app.post("/v1/projects", &b.access, json!({"name": "mine"}))
            .await?,
    )?;
    let foreign_assignee = app
        .post(
            &format!("/v1/projects/{own}/tasks"),
            &b.access,
            json!({"title": "x", "assignee_id": a.user}),
        )
        .await?;
    assert_eq!(foreign_assignee.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A sees everything exactly as before.
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &a.access)
            .await?
            .body["name"],
        "secret"
    );
    let tasks = app
        .get(&format!("/v1/projects/{project}/tasks"), &a.access)
        .await?;
    assert_eq!(tasks.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(tasks.body["items"][0]["title"], "t");
    assert_eq!(
        app.get(&format!("/v1/tasks/{task}/comments"), &a.access)
            .await?
            .body["items"][0]["body"],
        "c"
    );
    assert_eq!(
        app.get("/v1/projects", &b.access).await?.body["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let malformed = app.get("/v1/projects/not-a-uuid", &b.access).await?;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn migrations_are_ready_for_citus() -> anyhow::Result<()> {
    let app = app().await?;
    let catalog = saas_reference::db::catalog()?;
    let options = ReadinessOptions::default().tenant_table(TableName::parse("organizations")?);
    let report = check_readiness(app.db.pool(), &catalog, &options).await?;
    let blockers: Vec<String> = report.blockers().map(|f| format!("{f:?}")).collect();
    assert!(blockers.is_empty(), "{blockers:#?}");
    assert!(report.is_ready());
    assert_eq!(report.findings().len(), 0, "{report}");
    Ok(())
}
