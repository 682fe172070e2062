//! Password hashing with Argon2id, off the async runtime (hashing is deliberately slow).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};

/// Hashes and verifies passwords with fixed Argon2id parameters.
#[derive(Debug, Clone)]
pub struct Passwords {
    params: Params,
}

impl Passwords {
    /// Argon2id with `memory_kib` of memory, 2 passes, 1 lane (OWASP's 19 MiB is the default).
    ///
    /// # Errors
    /// Parameters argon2 refuses (memory under 8 KiB).
    pub fn new(memory_kib: u32) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, 2, 1, None)
            .map_err(|e| anyhow::anyhow!("ARGON2_MEMORY_KIB: {e}"))?;
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string for `password`.
    ///
    /// # Errors
    /// 422 for a password shorter than 8 or longer than 256 characters.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        if !(8..=256).contains(&password.chars().count()) {
            return Err(AppError::invalid("password", "must be 8-256 characters"));
        }
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
                .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| anyhow::anyhow!("hashing: {e}"))
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(AppError::Internal)
    }

    /// Whether `password` matches `phc` (false for a malformed hash).
    ///
    /// # Errors
    /// Only when the blocking task dies.
    pub async fn verify(&self, password: String, phc: String) -> AppResult<bool> {
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc)
                .is_ok_and(|hash| argon2.verify_password(password.as_bytes(), &hash).is_ok())
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() -> anyhow::Result<()> {
        let passwords = Passwords::new(64)?;
        let a = passwords.hash("correct horse".into()).await?;
        let b = passwords.hash("correct horse".into()).await?;
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(passwords.verify("correct horse".into(), a.clone()).await?);
        assert!(!passwords.verify("wrong horse!".into(), a).await?);
        assert!(!passwords.verify("x".into(), "not a hash".into()).await?);
        assert!(passwords.hash("short".into()).await.is_err());
        Ok(())
    }
}
