//! External OIDC access tokens (Ory Hydra style): RS256, verified through a JWKS the test serves
//! from a key it generates.

mod common;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{app_with, slug};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const ISSUER: &str = "http://hydra.test/";

/// A fresh RSA key: (private PEM, JWK public parts n and e).
async fn rsa_key(dir: &std::path::Path, name: &str) -> anyhow::Result<(Vec<u8>, String, String)> {
    let path = dir.join(format!("{name}.pem"));
    let status = tokio::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&path)
        .arg("2048")
        .output()
        .await?;
    anyhow::ensure!(
        status.status.success(),
        "openssl genrsa: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let modulus = tokio::process::Command::new("openssl")
        .args(["rsa", "-noout", "-modulus", "-in"])
        .arg(&path)
        .output()
        .await?;
    let hex_modulus = String::from_utf8(modulus.stdout)?
        .trim()
        .trim_start_matches("Modulus=")
        .to_owned();
    let n = URL_SAFE_NO_PAD.encode(hex::decode(hex_modulus)?);
    let e = URL_SAFE_NO_PAD.encode([1u8, 0, 1]);
    Ok((tokio::fs::read(&path).await?, n, e))
}

async fn jwks_server(keys: Value) -> anyhow::Result<String> {
    let router = Router::new().route(
        "/.well-known/jwks.json",
        get(move || async move { Json(keys) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{addr}/.well-known/jwks.json"))
}

fn sign(pem: &[u8], kid: &str, claims: &Value) -> anyhow::Result<String> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    Ok(jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem)?,
    )?)
}

#[tokio::test]
async fn hydra_tokens_verify_through_the_jwks() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("saas-oidc-{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::create_dir_all(&dir).await?;
    let (pem, n, e) = rsa_key(&dir, "hydra").await?;
    let (other_pem, _, _) = rsa_key(&dir, "attacker").await?;
    let jwks = jwks_server(json!({"keys": [{"kty": "RSA", "kid": "hydra-1", "alg": "RS256", "use": "sig", "n": n, "e": e}]})).await?;
    let app = app_with(&[
        ("OIDC_JWKS_URL", &jwks),
        ("OIDC_ISSUER", ISSUER),
        ("OIDC_AUDIENCE", "saas-api"),
    ])
    .await?;
    let acme = app.signup(&slug("acme")).await?;
    let other = app.signup(&slug("other")).await?;
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        + 300;
    let claims = |tenant: uuid::Uuid, sub: uuid::Uuid| json!({"iss": ISSUER, "aud": ["saas-api"], "sub": sub.to_string(), "exp": exp, "ext": {"tenant_id": tenant.to_string()}});

    let good = sign(&pem, "hydra-1", &claims(acme.id, acme.user))?;
    let me = app.get("/v1/me", &good).await?;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["tenant"]["id"], acme.id.to_string());
    assert_eq!(
        me.body["role"], "owner",
        "the role comes from the membership"
    );

    let mut wrong_issuer = claims(acme.id, acme.user);
    wrong_issuer["iss"] = json!("http://evil.test/");
    let mut wrong_audience = claims(acme.id, acme.user);
    wrong_audience["aud"] = json!(["other-api"]);
    let mut expired = claims(acme.id, acme.user);
    expired["exp"] = json!(1000);
    for (name, token) in [
        (
            "wrong key",
            sign(&other_pem, "hydra-1", &claims(acme.id, acme.user))?,
        ),
        (
            "unknown kid",
            sign(&pem, "nope", &claims(acme.id, acme.user))?,
        ),
        ("wrong issuer", sign(&pem, "hydra-1", &wrong_issuer)?),
        ("wrong audience", sign(&pem, "hydra-1", &wrong_audience)?),
        ("expired", sign(&pem, "hydra-1", &expired)?),
        // A user of acme claiming the other tenant is no member there.
        (
            "foreign tenant",
            sign(&pem, "hydra-1", &claims(other.id, acme.user))?,
        ),
    ] {
        let response = app.get("/v1/me", &token).await?;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            response.body
        );
    }
    // The external token is bound to its tenant like ours: X-Tenant must agree (checked by
    // tenancy_axum::TenantLayer, which the load-test baseline build leaves out).
    let mismatch = app
        .request(
            axum::http::Method::GET,
            "/v1/projects",
            Some(&good),
            None,
            &[("x-tenant", &other.slug)],
        )
        .await?;
    if cfg!(not(feature = "baseline")) {
        assert_eq!(mismatch.status, StatusCode::FORBIDDEN);
    }
    tokio::fs::remove_dir_all(&dir).await?;
    Ok(())
}
