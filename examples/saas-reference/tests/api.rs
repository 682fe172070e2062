//! The HTTP contract: signup/login/refresh, forged tokens, tenant agreement, bodies, validation,
//! pagination, filtering and role checks.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{app, id_of, slug};
use saas_reference::auth::Principal;
use saas_reference::domain::members::Role;
use serde_json::json;

#[tokio::test]
async fn signup_login_and_refresh_with_reuse_detection() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    assert!(acme.slug.starts_with("acme-"));

    let duplicate = app
        .request(Method::POST, "/v1/signup", None, Some(json!({"organization": "x", "slug": acme.slug, "email": "b@x.io", "password": "password123"})), &[])
        .await?;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.content_type(), "application/problem+json");

    let login = |password: &'static str| json!({"slug": acme.slug, "email": format!("OWNER@{}.example.com", acme.slug), "password": password});
    let ok = app
        .request(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(login("correct horse battery")),
            &[],
        )
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["expires_in"], 900);
    let access = ok.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        app.get("/v1/me", &access).await?.body["tenant"]["id"],
        acme.id.to_string()
    );
    let wrong = app
        .request(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(login("wrong password")),
            &[],
        )
        .await?;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let nobody = app
        .request(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"slug": "no-such-org", "email": "a@b.co", "password": "whatever1"})),
            &[],
        )
        .await?;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);

    // Rotation: each refresh token works once and yields a new pair.
    let refresh = |token: &str| json!({ "refresh_token": token });
    let first = app
        .request(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(refresh(&acme.refresh)),
            &[],
        )
        .await?;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second_token = first.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(second_token, acme.refresh);
    assert_eq!(
        app.get(
            "/v1/me",
            first.body["access_token"].as_str().unwrap_or_default()
        )
        .await?
        .status,
        StatusCode::OK
    );

    // Reuse of the rotated token revokes the family: the successor dies too.
    let reuse = app
        .request(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(refresh(&acme.refresh)),
            &[],
        )
        .await?;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    assert!(
        reuse.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("reuse")
    );
    let successor = app
        .request(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(refresh(&second_token)),
            &[],
        )
        .await?;
    assert_eq!(successor.status, StatusCode::UNAUTHORIZED);

    // Another login's family is unaffected; logout revokes it.
    let other = ok.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let out = app
        .request(
            Method::POST,
            "/v1/auth/logout",
            None,
            Some(refresh(&other)),
            &[],
        )
        .await?;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = app
        .request(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(refresh(&other)),
            &[],
        )
        .await?;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    Ok(())
}

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn forged_tokens_are_refused() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let victim = app.signup(&slug("victim")).await?;
    let mut parts = acme.access.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let mut claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?;

    // alg none, unsigned.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        payload
    );
    // Claims swapped to another tenant, original signature kept.
    claims["tid"] = json!(victim.id.to_string());
    let swapped = format!("{header}.{}.{signature}", b64(&claims));
    // Signed with another key.
    let wrong_key = saas_reference::auth::tokens::AccessTokens::new(
        &[9; 32],
        std::time::Duration::from_secs(60),
    )
    .issue(&Principal {
        tenant: victim.id,
        user: acme.user,
        role: Role::Owner,
    })?;
    // HS256 header over an RS256-style confusion: garbage signature.
    let garbage = format!("{header}.{payload}.AAAA");

    for (name, token) in [
        ("none", none),
        ("swapped", swapped),
        ("wrong key", wrong_key),
        ("garbage", garbage),
        ("empty", String::new()),
    ] {
        let response = app.get("/v1/projects", &token).await?;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(
            response.content_type(),
            "application/problem+json",
            "{name}"
        );
        assert_eq!(
            response
                .headers
                .get("www-authenticate")
                .map(|v| v.as_bytes()),
            Some(&b"Bearer"[..]),
            "{name}"
        );
    }
    let anonymous = app
        .request(Method::GET, "/v1/projects", None, None, &[])
        .await?;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/v1/projects", &acme.access).await?.status,
        StatusCode::OK,
        "the genuine token works"
    );
    Ok(())
}

#[tokio::test]
#[cfg_attr(
    feature = "baseline",
    ignore = "the baseline build has no TenantLayer, so no X-Tenant/subdomain agreement check"
)]
async fn tenant_header_and_subdomain_must_agree_with_the_token() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let other = app.signup(&slug("other")).await?;
    let get = |headers: Vec<(&'static str, String)>| {
        let app = &app;
        let token = acme.access.clone();
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            app.request(Method::GET, "/v1/projects", Some(&token), None, &headers)
                .await
        }
    };
    assert_eq!(
        get(vec![("x-tenant", acme.slug.clone())]).await?.status,
        StatusCode::OK
    );
    assert_eq!(
        get(vec![("host", format!("{}.localhost:8080", acme.slug))])
            .await?
            .status,
        StatusCode::OK
    );
    let mismatch = get(vec![("x-tenant", other.slug.clone())]).await?;
    assert_eq!(mismatch.status, StatusCode::FORBIDDEN);
    assert_eq!(mismatch.content_type(), "application/problem+json");
    assert_eq!(
        get(vec![("host", format!("{}.localhost", other.slug))])
            .await?
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(vec![("x-tenant", "no-such-tenant".into())])
            .await?
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(vec![
            ("x-tenant", acme.slug.clone()),
            ("host", format!("{}.localhost", other.slug))
        ])
        .await?
        .status,
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn malformed_oversized_and_invalid_bodies_are_problems() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let raw = |body: Body, content_type: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/v1/projects")
            .header("authorization", format!("Bearer {}", acme.access))
            .header("content-type", content_type)
            .body(body)
    };
    let cases = [
        (
            raw(Body::from("{not json"), "application/json")?,
            StatusCode::BAD_REQUEST,
        ),
        (
            raw(Body::from(r#"{"name": 5}"#), "application/json")?,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            raw(Body::from(r#"{"name": "x"}"#), "text/plain")?,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            raw(
                Body::from(format!(r#"{{"name": "{}"}}"#, "x".repeat(10_000))),
                "application/json",
            )?,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            raw(Body::from(r#"{"name": "   "}"#), "application/json")?,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (request, expected) in cases {
        let response = app.send(request).await?;
        assert_eq!(response.status, expected, "{}", response.body);
        assert_eq!(response.content_type(), "application/problem+json");
        assert_eq!(response.body["status"], expected.as_u16());
    }
    let bad_signup = app
        .request(Method::POST, "/v1/signup", None, Some(json!({"organization": "", "slug": "Bad Slug", "email": "nope", "password": "password123"})), &[])
        .await?;
    assert_eq!(bad_signup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = bad_signup.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["organization", "slug", "email"]);
    assert_eq!(
        app.get("/v1/projects?limit=1000", &acme.access)
            .await?
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/v1/nowhere", &acme.access).await?.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.get("/v1/projects", &acme.access)
            .await?
            .headers
            .contains_key("x-request-id")
    );
    Ok(())
}

#[tokio::test]
async fn projects_and_tasks_crud_pagination_and_filters() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let t = &acme.access;
    let mut ids = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        let created = app.post("/v1/projects", t, json!({ "name": name })).await?;
        assert_eq!(created.status, StatusCode::CREATED);
        assert_eq!(created.body["name"], name);
        ids.push(id_of(&created)?);
    }
    let page1 = app.get("/v1/projects?limit=2", t).await?;
    assert_eq!(page1.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = page1.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let page2 = app
        .get(&format!("/v1/projects?limit=2&cursor={cursor}"), t)
        .await?;
    assert_eq!(page2.body["items"][0]["id"], ids[2]);
    assert!(page2.body.get("next_cursor").is_none());
    let filtered = app.get("/v1/projects?q=AMM", t).await?;
    assert_eq!(filtered.body["items"].as_array().map(Vec::len), Some(1));

    let p = &ids[0];
    let renamed = app
        .patch(&format!("/v1/projects/{p}"), t, json!({"name": "alpha 2"}))
        .await?;
    assert_eq!(renamed.body["name"], "alpha 2");
    assert_eq!(
        app.get(&format!("/v1/projects/{p}"), t).await?.body["name"],
        "alpha 2"
    );

    let task = app
        .post(
            &format!("/v1/projects/{p}/tasks"),
            t,
            json!({"title": "write", "estimate": 3, "assignee_id": acme.user}),
        )
        .await?;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.body);
    let task_id = id_of(&task)?;
    app.post(
        &format!("/v1/projects/{p}/tasks"),
        t,
        json!({"title": "test", "status": "done"}),
    )
    .await?;
    let done = app
        .get(&format!("/v1/projects/{p}/tasks?status=done"), t)
        .await?;
    assert_eq!(done.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(done.body["items"][0]["title"], "test");
    let mine = app
        .get(
            &format!("/v1/projects/{p}/tasks?assignee_id={}", acme.user),
            t,
        )
        .await?;
    assert_eq!(mine.body["items"][0]["id"], task_id);
    let moved = app
        .patch(
            &format!("/v1/tasks/{task_id}"),
            t,
            json!({"status": "in_progress", "assignee_id": null}),
        )
        .await?;
    assert_eq!(moved.body["status"], "in_progress");
    assert_eq!(moved.body["assignee_id"], serde_json::Value::Null);
    assert_eq!(moved.body["estimate"], 3);
    let bad = app
        .patch(&format!("/v1/tasks/{task_id}"), t, json!({"estimate": -1}))
        .await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let comment = app
        .post(
            &format!("/v1/tasks/{task_id}/comments"),
            t,
            json!({"body": "looks good"}),
        )
        .await?;
    assert_eq!(comment.status, StatusCode::CREATED);
    assert_eq!(
        app.get(&format!("/v1/tasks/{task_id}/comments"), t)
            .await?
            .body["items"][0]["body"],
        "looks good"
    );

    assert_eq!(
        app.delete(&format!("/v1/tasks/{task_id}"), t).await?.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1/tasks/{task_id}"), t).await?.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&format!("/v1/projects/{p}"), t).await?.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1/projects/{p}"), t).await?.status,
        StatusCode::NOT_FOUND,
        "the cache was invalidated"
    );
    Ok(())
}

#[tokio::test]
async fn members_cannot_manage() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let project = id_of(
        &app.post("/v1/projects", &acme.access, json!({"name": "p"}))
            .await?,
    )?;
    // The same user with the member role, as a login of a member would issue.
    let member = app.token_for(&Principal {
        tenant: acme.id,
        user: acme.user,
        role: Role::Member,
    })?;
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &member)
            .await?
            .status,
        StatusCode::OK
    );
    for response in [
        app.delete(&format!("/v1/projects/{project}"), &member)
            .await?,
        app.post("/v1/invitations", &member, json!({"email": "x@y.io"}))
            .await?,
        app.request(
            Method::POST,
            "/v1/billing/checkout",
            Some(&member),
            None,
            &[],
        )
        .await?,
    ] {
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
    }
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &acme.access)
            .await?
            .status,
        StatusCode::OK
    );
    let invited = app
        .post(
            "/v1/invitations",
            &acme.access,
            json!({"email": "x@y.io", "role": "admin"}),
        )
        .await?;
    assert_eq!(invited.status, StatusCode::CREATED);
    let owner_invite = app
        .post(
            "/v1/invitations",
            &acme.access,
            json!({"email": "z@y.io", "role": "owner"}),
        )
        .await?;
    assert_eq!(owner_invite.status, StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test]
async fn operational_endpoints() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    app.get("/v1/projects", &acme.access).await?;
    let get = |uri: &'static str| app.request(Method::GET, uri, None, None, &[]);
    assert_eq!(get("/healthz").await?.status, StatusCode::OK);
    assert_eq!(get("/readyz").await?.body["status"], "ready");
    let metrics = get("/metrics").await?;
    let text = metrics.body.as_str().unwrap_or_default();
    assert!(
        text.contains(
            r#"saas_http_requests_total{method="GET",route="/v1/projects",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("saas_job_queue_depth") && text.contains("saas_db_pool_connections"));
    assert!(
        !text.contains(&acme.id.to_string()),
        "no tenant ids in labels"
    );
    let openapi = get("/openapi.json").await?;
    assert_eq!(openapi.body["openapi"], "3.1.0");
    for path in [
        "/v1/signup",
        "/v1/auth/login",
        "/v1/projects",
        "/v1/projects/{id}",
        "/v1/projects/{id}/tasks",
        "/v1/tasks/{id}",
        "/v1/invitations/{token}/accept",
    ] {
        assert!(openapi.body["paths"].get(path).is_some(), "{path}");
    }
    Ok(())
}
