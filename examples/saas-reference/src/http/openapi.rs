//! The OpenAPI 3.1 document, written by hand: it is the contract, kept next to the router and
//! checked by a test that every route in it answers.

use serde_json::{Value, json};

fn op(summary: &str, secured: bool, body: Option<&str>, ok: (&str, &str)) -> Value {
    let mut op = json!({
        "summary": summary,
        "responses": {
            ok.0: { "description": ok.1, "content": { "application/json": {} } },
            "default": { "description": "an error", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
        }
    });
    if let Some(schema) = body {
        op["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
        });
    }
    if !secured {
        op["security"] = json!([]);
    }
    op
}

fn id_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }])
}

fn page_params(extra: &[(&str, &str)]) -> Value {
    let mut params = vec![
        json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 50 } }),
        json!({ "name": "cursor", "in": "query", "schema": { "type": "string", "format": "uuid" } }),
    ];
    for (name, description) in extra {
        params.push(json!({ "name": name, "in": "query", "description": description, "schema": { "type": "string" } }));
    }
    Value::Array(params)
}

/// The document served at `/openapi.json`.
#[must_use]
pub fn document() -> Value {
    let mut projects_get = op("List projects", true, None, ("200", "{items, next_cursor}"));
    projects_get["parameters"] = page_params(&[("q", "name contains (case-insensitive)")]);
    let mut tasks_get = op(
        "List a project's tasks",
        true,
        None,
        ("200", "{items, next_cursor}"),
    );
    tasks_get["parameters"] = page_params(&[
        ("status", "todo | in_progress | done"),
        ("assignee_id", "user id"),
    ]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "saas-reference",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Multi-tenant project/task API. Authenticate with `Authorization: Bearer <access_token>`; the tenant comes from the token, and `X-Tenant: <slug>` or a `<slug>.` subdomain, when given, must name the same tenant (else 403). Another tenant's object answers 404, exactly like a missing one. Errors are application/problem+json."
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
                "Problem": { "type": "object", "properties": { "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}, "errors": {"type": "array"} } },
                "Signup": { "type": "object", "required": ["organization", "slug", "email", "password"], "properties": { "organization": {"type": "string"}, "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"}, "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 8} } },
                "Login": { "type": "object", "required": ["slug", "email", "password"], "properties": { "slug": {"type": "string"}, "email": {"type": "string"}, "password": {"type": "string"} } },
                "Refresh": { "type": "object", "required": ["refresh_token"], "properties": { "refresh_token": {"type": "string"} } },
                "ProjectInput": { "type": "object", "properties": { "name": {"type": "string", "maxLength": 200}, "description": {"type": "string"} } },
                "TaskInput": { "type": "object", "properties": { "title": {"type": "string", "maxLength": 500}, "status": {"enum": ["todo", "in_progress", "done"]}, "assignee_id": {"type": ["string", "null"], "format": "uuid"}, "estimate": {"type": ["integer", "null"], "minimum": 0} } },
                "CommentInput": { "type": "object", "required": ["body"], "properties": { "body": {"type": "string"} } },
                "Acceptance": { "type": "object", "required": ["password"], "properties": { "password": {"type": "string", "minLength": 8, "maxLength": 256} } },
                "InvitationInput": { "type": "object", "required": ["email"], "properties": { "email": {"type": "string"}, "role": {"enum": ["admin", "member"]} } }
            }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/v1/signup": { "post": op("Create an organization and its owner", false, Some("Signup"), ("201", "{tenant{id,slug}, user{id,email}, access_token, refresh_token}")) },
            "/v1/auth/login": { "post": op("Password login", false, Some("Login"), ("200", "{access_token, refresh_token, expires_in}")) },
            "/v1/auth/refresh": { "post": op("Rotate a refresh token (reuse revokes the login)", false, Some("Refresh"), ("200", "a new token pair")) },
            "/v1/auth/logout": { "post": op("Revoke a login", false, Some("Refresh"), ("204", "revoked")) },
            "/v1/me": { "get": op("The caller and their organization", true, None, ("200", "user, role, tenant")) },
            "/v1/members": { "get": op("Members and roles", true, None, ("200", "{items}")) },
            "/v1/invitations": {
                "get": op("Invitations (owner/admin)", true, None, ("200", "{items}")),
                "post": op("Invite by email (owner/admin)", true, Some("InvitationInput"), ("201", "the invitation"))
            },
            "/v1/invitations/{token}/accept": {
                "parameters": [{ "name": "token", "in": "path", "required": true, "description": "the token of the invitation email's link", "schema": { "type": "string" } }],
                "post": op("Accept an invitation: become a member with the invited role (once, before it expires; 404 unknown token, 410 used or expired, 409 already a member)", false, Some("Acceptance"), ("201", "{tenant{id,slug}, user{id,email}, role, access_token, refresh_token}"))
            },
            "/v1/projects": { "get": projects_get, "post": op("Create a project (plan limits apply: 402)", true, Some("ProjectInput"), ("201", "the project")) },
            "/v1/projects/{id}": {
                "parameters": id_param(),
                "get": op("A project", true, None, ("200", "the project")),
                "patch": op("Change a project", true, Some("ProjectInput"), ("200", "the project")),
                "delete": op("Delete a project and its tasks (owner/admin)", true, None, ("204", "deleted"))
            },
            "/v1/projects/{id}/tasks": { "parameters": id_param(), "get": tasks_get, "post": op("Create a task", true, Some("TaskInput"), ("201", "the task")) },
            "/v1/tasks/{id}": {
                "parameters": id_param(),
                "get": op("A task", true, None, ("200", "the task")),
                "patch": op("Change a task", true, Some("TaskInput"), ("200", "the task")),
                "delete": op("Delete a task", true, None, ("204", "deleted"))
            },
            "/v1/tasks/{id}/comments": {
                "parameters": id_param(),
                "get": op("A task's comments", true, None, ("200", "{items}")),
                "post": op("Comment on a task", true, Some("CommentInput"), ("201", "the comment"))
            },
            "/v1/comments/{id}": { "parameters": id_param(), "delete": op("Delete a comment (author or owner/admin)", true, None, ("204", "deleted")) },
            "/v1/billing": { "get": op("Plan and subscription", true, None, ("200", "plan, subscription_status, max_projects")) },
            "/v1/billing/checkout": { "post": op("Start a Stripe Checkout for the pro plan (owner/admin)", true, None, ("200", "{id, url}")) },
            "/v1/billing/webhook": { "post": op("Stripe webhook (Stripe-Signature verified)", false, None, ("200", "{received, result}")) },
            "/v1/usage": { "get": op("Latest usage rollup", true, None, ("200", "{latest}")) },
            "/v1/usage/rollup": { "post": op("Queue a usage rollup (owner/admin)", true, None, ("202", "queued")) },
            "/healthz": { "get": op("Liveness", false, None, ("200", "ok")) },
            "/readyz": { "get": op("Readiness (database)", false, None, ("200", "ready")) },
            "/metrics": { "get": op("Prometheus metrics", false, None, ("200", "text format")) },
            "/openapi.json": { "get": op("This document", false, None, ("200", "OpenAPI 3.1")) }
        }
    })
}
