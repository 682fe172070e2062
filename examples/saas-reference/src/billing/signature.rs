//! Verification of Stripe's `Stripe-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of
//! "<t>.<raw body>">` (several `v1` during secret rotation), within a timestamp tolerance that
//! bounds replay of a captured request.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No parsable `t=` and `v1=`.
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    /// Outside the tolerance.
    #[error("the webhook timestamp is outside the tolerance")]
    Stale,
    /// No `v1` matches.
    #[error("no signature matches the payload")]
    Mismatch,
}

/// The `v1` signature of `payload` at `timestamp` (what Stripe sends; tests sign with it).
#[must_use]
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// Checks `header` against the raw `payload` at time `now` (unix seconds).
///
/// # Errors
/// See [`SignatureError`].
pub fn verify(
    secret: &str,
    header: &str,
    payload: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => candidates.extend(hex::decode(sig).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return Err(SignatureError::Malformed);
    };
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance.as_secs() {
        return Err(SignatureError::Stale);
    }
    let matches = candidates.iter().any(|candidate| {
        let mut mac = mac(secret);
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        // verify_slice compares in constant time.
        mac.verify_slice(candidate).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOLERANCE: Duration = Duration::from_secs(300);

    #[test]
    fn stripe_signatures_verify() {
        let body = br#"{"id":"evt_1"}"#;
        let header = format!("t=1000,v1={}", sign("whsec_x", 1000, body));
        assert_eq!(verify("whsec_x", &header, body, 1100, TOLERANCE), Ok(()));
        let rotated = format!("t=1000,v1=00ff,v1={}", sign("whsec_x", 1000, body));
        assert_eq!(verify("whsec_x", &rotated, body, 1000, TOLERANCE), Ok(()));
    }

    #[test]
    fn tampering_staleness_and_garbage_are_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let header = format!("t=1000,v1={}", sign("whsec_x", 1000, body));
        assert_eq!(
            verify("whsec_x", &header, b"{}", 1000, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_y", &header, body, 1000, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_x", &header, body, 1301, TOLERANCE),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("whsec_x", "v1=abcd", body, 1000, TOLERANCE),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("whsec_x", "t=1000", body, 1000, TOLERANCE),
            Err(SignatureError::Malformed)
        );
    }
}
