//! Opaque bearer secrets that name their tenant: `<kind>.<tenant id>.<256 random bits>`.
//!
//! Refresh tokens (`rt`) and invitation tokens (`inv`) are presented before any tenant is known,
//! so the tenant travels in the clear and selects the scope; the random part is what proves
//! possession. Only its SHA-256 is stored, and it is looked up inside the named tenant's scope,
//! so editing the tenant segment finds nothing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new secret of `kind` for `tenant`.
///
/// # Example
/// ```
/// use saas_reference::auth::secret;
///
/// let tenant = uuid::Uuid::now_v7();
/// let token = secret::mint("inv", tenant);
/// assert_eq!(secret::tenant_of("inv", &token), Some(tenant));
/// assert_eq!(secret::tenant_of("rt", &token), None);
/// ```
#[must_use]
pub fn mint(kind: &str, tenant: Uuid) -> String {
    let random: [u8; 32] = rand::random();
    format!("{kind}.{tenant}.{}", URL_SAFE_NO_PAD.encode(random))
}

/// The tenant a secret of `kind` names, or `None` when it is not one.
#[must_use]
pub fn tenant_of(kind: &str, token: &str) -> Option<Uuid> {
    let mut parts = token.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(k), Some(tenant), Some(random)) if k == kind && !random.is_empty() => {
            tenant.parse().ok()
        }
        _ => None,
    }
}

/// What is stored instead of the secret: its SHA-256, hex.
#[must_use]
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_name_their_tenant_and_are_unguessable() {
        let tenant = Uuid::now_v7();
        let a = mint("rt", tenant);
        assert_eq!(tenant_of("rt", &a), Some(tenant));
        assert_ne!(a, mint("rt", tenant));
        assert_eq!(tenant_of("rt", "rt.not-a-uuid.x"), None);
        assert_eq!(tenant_of("rt", &format!("rt.{tenant}.")), None);
        assert_eq!(tenant_of("rt", "garbage"), None);
        assert_ne!(digest(&a), digest(&mint("rt", tenant)));
    }
}
