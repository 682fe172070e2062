//! A small Stripe API client: form-encoded requests, bearer key, idempotency keys, and Stripe's
//! `{"error": {"message"}}` errors.

use std::time::Duration;

use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;

/// A Stripe client for one account.
#[derive(Clone, Debug)]
pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    key: String,
}

/// The part of a Checkout Session the app returns.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct CheckoutSession {
    /// `cs_...`.
    pub id: String,
    /// Where to send the customer.
    pub url: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct StripeError {
    error: StripeErrorBody,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    message: String,
}

impl StripeClient {
    /// A client for the API at `base` (e.g. `https://api.stripe.com`) with secret `key`.
    #[must_use]
    pub fn new(http: reqwest::Client, base: &str, key: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        }
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        idempotency_key: &str,
        form: &[(&str, String)],
    ) -> Result<T, AppError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", idempotency_key)
            .timeout(Duration::from_secs(10))
            .form(form)
            .send()
            .await
            .map_err(|e| AppError::Unavailable(format!("Stripe is unreachable: {e}")))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| AppError::Unavailable(format!("Stripe answered badly: {e}")))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<StripeError>(&body)
                .map_or_else(|_| status.to_string(), |e| e.error.message);
            return Err(AppError::Unavailable(format!("Stripe refused: {message}")));
        }
        serde_json::from_slice(&body)
            .map_err(|e| AppError::Unavailable(format!("unexpected Stripe response: {e}")))
    }

    /// Creates the customer of `tenant` (idempotent per tenant) and returns its id.
    ///
    /// # Errors
    /// 503 when Stripe is unreachable or refuses.
    pub async fn create_customer(&self, tenant: Uuid, name: &str) -> Result<String, AppError> {
        let form = [
            ("name", name.to_owned()),
            ("metadata[tenant_id]", tenant.to_string()),
        ];
        let created: Created = self
            .post("/v1/customers", &format!("customer-{tenant}"), &form)
            .await?;
        Ok(created.id)
    }

    /// Opens a subscription Checkout Session for `customer` buying `price`.
    ///
    /// # Errors
    /// 503 when Stripe is unreachable or refuses.
    pub async fn create_checkout_session(
        &self,
        tenant: Uuid,
        customer: &str,
        price: &str,
        success_url: &str,
    ) -> Result<CheckoutSession, AppError> {
        let form = [
            ("mode", "subscription".to_owned()),
            ("customer", customer.to_owned()),
            ("client_reference_id", tenant.to_string()),
            ("line_items[0][price]", price.to_owned()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("success_url", success_url.to_owned()),
        ];
        self.post("/v1/checkout/sessions", &Uuid::new_v4().to_string(), &form)
            .await
    }
}
