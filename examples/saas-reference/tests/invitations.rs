//! Invitation acceptance: a token from the invitation email works once, before it expires, only
//! for the organisation that issued it, and makes the invitee a member of that organisation only.

mod common;

use axum::http::{Method, StatusCode};
use common::{Tenant, TestApp, app, id_of, slug};
use serde_json::{Value, json};

const PASSWORD: &str = "invited password 1";

/// Invites `email` into `tenant` and returns the token of the acceptance link the email job
/// carries (what the invitee would click).
async fn invite(app: &TestApp, tenant: &Tenant, email: &str, role: &str) -> anyhow::Result<String> {
    let invited = app
        .post(
            "/v1/invitations",
            &tenant.access,
            json!({"email": email, "role": role}),
        )
        .await?;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.body["accepted"], false);
    let url: String = sqlx::query_scalar(
        "SELECT payload->>'accept_url' FROM jobs WHERE payload->>'email' = $1 AND tenant_id = $2",
    )
    .bind(email)
    .bind(tenant.id)
    .fetch_one(app.db.pool())
    .await?;
    let token = url
        .strip_suffix("/accept")
        .and_then(|rest| rest.rsplit('/').next())
        .ok_or_else(|| anyhow::anyhow!("no token in {url}"))?;
    assert!(token.starts_with(&format!("inv.{}.", tenant.id)), "{token}");
    let stored: Option<String> =
        sqlx::query_scalar("SELECT token_hash FROM invitations WHERE email = $1")
            .bind(email)
            .fetch_one(app.db.pool())
            .await?;
    assert!(
        stored.is_some_and(|hash| !hash.contains(token)),
        "only a hash is stored"
    );
    Ok(token.to_owned())
}

async fn accept(app: &TestApp, token: &str) -> anyhow::Result<common::Response> {
    app.request(
        Method::POST,
        &format!("/v1/invitations/{token}/accept"),
        None,
        Some(json!({ "password": PASSWORD })),
        &[],
    )
    .await
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_invitation_is_accepted_once_into_its_own_organisation() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let other = app.signup(&slug("other")).await?;
    let acme_project = id_of(
        &app.post("/v1/projects", &acme.access, json!({"name": "Acme work"}))
            .await?,
    )?;
    let other_project = id_of(
        &app.post("/v1/projects", &other.access, json!({"name": "Other work"}))
            .await?,
    )?;
    let token = invite(&app, &acme, "bob@example.com", "member").await?;

    let accepted = accept(&app, &token).await?;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(accepted.body["tenant"]["id"], acme.id.to_string());
    assert_eq!(accepted.body["tenant"]["slug"], acme.slug);
    assert_eq!(accepted.body["user"]["email"], "bob@example.com");
    assert_eq!(accepted.body["role"], "member");
    let bob = accepted.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Bob sees Acme's projects and nothing of the other organisation.
    let listed = app.get("/v1/projects", &bob).await?;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(ids(&listed.body), [acme_project]);
    let foreign = app
        .get(&format!("/v1/projects/{other_project}"), &bob)
        .await?;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    // With the invited role: a member cannot invite.
    let forbidden = app
        .post("/v1/invitations", &bob, json!({"email": "eve@example.com"}))
        .await?;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    // Listed as a member, the invitation shows as accepted, and the password logs in.
    let members = app.get("/v1/members", &acme.access).await?;
    assert!(
        members.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["email"] == "bob@example.com" && m["role"] == "member"),
        "{}",
        members.body
    );
    let invitations = app.get("/v1/invitations", &acme.access).await?;
    assert_eq!(invitations.body["items"][0]["accepted"], true);
    let login = app
        .request(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"slug": acme.slug, "email": "bob@example.com", "password": PASSWORD})),
            &[],
        )
        .await?;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);

    // The token works once.
    let again = accept(&app, &token).await?;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
    assert_eq!(again.content_type(), "application/problem+json");
    Ok(())
}

#[tokio::test]
async fn an_expired_invitation_is_refused() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let token = invite(&app, &acme, "late@example.com", "admin").await?;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 second'")
        .execute(app.db.pool())
        .await?;
    let expired = accept(&app, &token).await?;
    assert_eq!(expired.status, StatusCode::GONE, "{}", expired.body);
    assert!(
        expired.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
        .bind("late@example.com")
        .fetch_one(app.db.pool())
        .await?;
    assert_eq!(users, 0, "nobody joined");
    Ok(())
}

#[tokio::test]
async fn a_token_cannot_join_another_organisation() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let other = app.signup(&slug("other")).await?;
    let token = invite(&app, &acme, "mallory@example.com", "admin").await?;
    // The same secret with the other tenant in the tenant segment: unknown there.
    let forged = token.replacen(&acme.id.to_string(), &other.id.to_string(), 1);
    assert_ne!(forged, token);
    for bad in [
        forged.as_str(),
        "inv.not-a-tenant.secret",
        "garbage",
        &format!("rt.{}.{}", acme.id, "x"),
    ] {
        let refused = accept(&app, bad).await?;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{bad}: {}",
            refused.body
        );
    }
    let joined: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
        .bind("mallory@example.com")
        .fetch_one(app.db.pool())
        .await?;
    assert_eq!(joined, 0);
    // The genuine token still works, and only for its own organisation.
    let accepted = accept(&app, &token).await?;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(accepted.body["tenant"]["id"], acme.id.to_string());
    assert_eq!(accepted.body["role"], "admin");
    Ok(())
}

#[tokio::test]
async fn accepting_needs_a_valid_password_and_a_fresh_email() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let token = invite(&app, &acme, "short@example.com", "member").await?;
    let short = app
        .request(
            Method::POST,
            &format!("/v1/invitations/{token}/accept"),
            None,
            Some(json!({ "password": "short" })),
            &[],
        )
        .await?;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A failed attempt does not use the token up.
    assert_eq!(accept(&app, &token).await?.status, StatusCode::CREATED);

    // Inviting someone who is already a member: accepting conflicts, and the existing
    // membership keeps its role.
    let owner_email = format!("owner@{}.example.com", acme.slug);
    let token = invite(&app, &acme, &owner_email, "member").await?;
    let conflict = accept(&app, &token).await?;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    let role: String = sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
         WHERE u.email = $1",
    )
    .bind(&owner_email)
    .fetch_one(app.db.pool())
    .await?;
    assert_eq!(role, "owner");
    Ok(())
}
