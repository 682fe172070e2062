//! Shared test harness: the app on its own database, driven through `tower::ServiceExt::oneshot`.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use saas_reference::auth::Principal;
use saas_reference::auth::tokens::AccessTokens;
use saas_reference::{AppState, Config};
use serde_json::{Value, json};
use tenancy_testing::TestDatabase;
use tower::ServiceExt as _;
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub db: TestDatabase,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Response {
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A signed-up tenant with its owner's tokens.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub user: Uuid,
    pub access: String,
    pub refresh: String,
}

pub async fn app() -> anyhow::Result<TestApp> {
    app_with(&[]).await
}

pub async fn app_with(vars: &[(&str, &str)]) -> anyhow::Result<TestApp> {
    app_on(
        TestDatabase::builder().max_connections(2).create().await?,
        vars,
    )
    .await
}

/// The app (migrated) on `db`.
pub async fn app_on(db: TestDatabase, vars: &[(&str, &str)]) -> anyhow::Result<TestApp> {
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), db.url().to_owned()),
        ("JWT_SECRET".into(), JWT_SECRET.into()),
        ("ARGON2_MEMORY_KIB".into(), "64".into()),
        ("DATABASE_MAX_CONNECTIONS".into(), "8".into()),
        ("MAX_BODY_BYTES".into(), "4096".into()),
    ]);
    for (name, value) in vars {
        env.insert((*name).to_owned(), (*value).to_owned());
    }
    let config = Config::from_lookup(|name| env.get(name).cloned())?;
    let state = AppState::connect(config).await?;
    let router = saas_reference::http::router(state.clone());
    Ok(TestApp { state, router, db })
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Response> {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&body)?)
            }
            None => Body::empty(),
        };
        self.send(builder.body(body)?).await
    }

    pub async fn send(&self, request: Request<Body>) -> anyhow::Result<Response> {
        let response = self.router.clone().oneshot(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await?.to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    pub async fn get(&self, uri: &str, token: &str) -> anyhow::Result<Response> {
        self.request(Method::GET, uri, Some(token), None, &[]).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> anyhow::Result<Response> {
        self.request(Method::POST, uri, Some(token), Some(body), &[])
            .await
    }

    pub async fn patch(&self, uri: &str, token: &str, body: Value) -> anyhow::Result<Response> {
        self.request(Method::PATCH, uri, Some(token), Some(body), &[])
            .await
    }

    pub async fn delete(&self, uri: &str, token: &str) -> anyhow::Result<Response> {
        self.request(Method::DELETE, uri, Some(token), None, &[])
            .await
    }

    pub async fn signup(&self, slug: &str) -> anyhow::Result<Tenant> {
        let response = self
            .request(
                Method::POST,
                "/v1/signup",
                None,
                Some(json!({
                    "organization": format!("{slug} Inc"),
                    "slug": slug,
                    "email": format!("owner@{slug}.example.com"),
                    "password": "correct horse battery",
                })),
                &[],
            )
            .await?;
        anyhow::ensure!(
            response.status == StatusCode::CREATED,
            "signup: {} {}",
            response.status,
            response.body
        );
        let b = &response.body;
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("missing field in {b}"))
        };
        Ok(Tenant {
            id: text(&b["tenant"]["id"])?.parse()?,
            slug: text(&b["tenant"]["slug"])?,
            user: text(&b["user"]["id"])?.parse()?,
            access: text(&b["access_token"])?,
            refresh: text(&b["refresh_token"])?,
        })
    }

    /// An access token for a principal, signed with the test key (as a login would issue).
    pub fn token_for(&self, principal: &Principal) -> anyhow::Result<String> {
        AccessTokens::new(JWT_SECRET.as_bytes(), Duration::from_secs(300)).issue(principal)
    }
}

pub fn id_of(response: &Response) -> anyhow::Result<String> {
    response.body["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no id in {} {}", response.status, response.body))
}

/// A slug unique to this test run.
pub fn slug(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..8])
}
