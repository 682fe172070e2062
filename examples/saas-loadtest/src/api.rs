//! The app's HTTP contract as the load test uses it: authenticated JSON requests named by route
//! (not by id, so the report has one line per endpoint), and the ids they answer with.

use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use serde::Serialize;
use serde_json::Value;

/// One signed-up tenant: its slug, its token and the objects the user created so far.
#[derive(Clone, Debug)]
pub(crate) struct Tenant {
    pub(crate) slug: String,
    pub(crate) token: String,
    pub(crate) projects: Vec<String>,
    pub(crate) tasks: Vec<String>,
}

/// Sends `method path` with the tenant's Bearer token and an optional JSON body, records it in
/// goose's metrics under `name`, and answers the parsed JSON body when the status is `expect`.
///
/// A different status, a transport error or a body that is not JSON is recorded as a failure of
/// the request and ends the transaction with an error, which goose counts and reports.
pub(crate) async fn call<B: Serialize>(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    name: &str,
    token: Option<&str>,
    body: Option<&B>,
    expect: u16,
) -> Result<Value, Box<TransactionError>> {
    let mut builder = user.get_request_builder(&method, path)?;
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    if let Some(body) = body {
        builder = builder.json(body);
    }
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .name(name)
        .expect_status_code(expect)
        .set_request_builder(builder)
        .build();
    let mut answer = user.request(request).await?;
    let response = match answer.response {
        Ok(response) => response,
        // The transport error is already recorded as the request's failure.
        Err(_) => {
            return Err(Box::new(TransactionError::RequestFailed {
                raw_request: Box::new(answer.request),
            }));
        }
    };
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if status != expect {
        let tag = format!(
            "{method} {name}: expected {expect}, got {status}: {}",
            clip(&text)
        );
        return Err(fail(user, &tag, &mut answer.request));
    }
    if text.is_empty() {
        return Ok(Value::Null);
    }
    match serde_json::from_str(&text) {
        Ok(value) => Ok(value),
        Err(e) => {
            let tag = format!("{method} {name}: body is not JSON ({e}): {}", clip(&text));
            Err(fail(user, &tag, &mut answer.request))
        }
    }
}

/// The field at JSON `pointer` of an answer to `request_name`, as text; its absence is a
/// transaction error that names the request and shows the answer.
pub(crate) fn field(
    value: &Value,
    pointer: &str,
    request_name: &str,
) -> Result<String, Box<TransactionError>> {
    match value.pointer(pointer) {
        Some(Value::String(s)) => Ok(s.clone()),
        // The contract leaves the id type open (UUID or integer); both work as path segments.
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(Box::new(TransactionError::Custom(format!(
            "{request_name}: the answer has no {pointer}: {}",
            clip(&value.to_string())
        )))),
    }
}

fn fail(
    user: &mut GooseUser,
    tag: &str,
    request: &mut GooseRequestMetric,
) -> Box<TransactionError> {
    match user.set_failure(tag, request, None, None) {
        Err(error) => error,
        // set_failure always answers Err; this keeps the type honest without a panic.
        Ok(()) => Box::new(TransactionError::RequestFailed {
            raw_request: Box::new(request.clone()),
        }),
    }
}

fn clip(text: &str) -> &str {
    let end = text.char_indices().nth(200).map_or(text.len(), |(i, _)| i);
    &text[..end]
}
