//! Stripe billing: customers and checkout through Stripe's API (any base URL), signed webhooks
//! applied idempotently and in order, and the plan limits they change.

pub mod events;
pub mod signature;
pub mod stripe;

use crate::config::BillingConfig;

/// The most projects `plan` allows (`None`: unlimited).
#[must_use]
pub fn project_limit(config: &BillingConfig, plan: &str) -> Option<i64> {
    match plan {
        "enterprise" => None,
        "pro" => Some(config.pro_max_projects),
        _ => Some(config.free_max_projects),
    }
}
