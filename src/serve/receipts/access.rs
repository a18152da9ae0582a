//! Who may open a read-receipt WebSocket. Receipts are private: with a JWT key
//! configured, a client proves its user with a bearer JWT whose `sub` is the user
//! id; without one, only clients on loopback are served. Open sockets are capped;
//! one more is closed with 1013 (try again later) and counted.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use kaftop_core::config::JwtKey;

/// Why the JWT key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("jwt_public_key {path}: {reason}")]
    PublicKey { path: String, reason: String },
}

/// The read-receipt endpoints' gate, shared by their connections.
pub struct Access {
    slots: Arc<Semaphore>,
    refused: AtomicU64,
    jwt: Option<(DecodingKey, Validation)>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("free", &self.slots.available_permits())
            .field("jwt", &self.jwt.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

impl Access {
    /// Up to `max_clients` sockets at once, loopback clients only.
    pub fn loopback(max_clients: usize) -> Self {
        Access {
            slots: Arc::new(Semaphore::new(max_clients)),
            refused: AtomicU64::new(0),
            jwt: None,
        }
    }

    /// Up to `max_clients` sockets at once, each proving its user with a JWT
    /// verified by `key`, from anywhere.
    pub fn with_jwt(max_clients: usize, key: &JwtKey) -> Result<Self, AccessError> {
        let (decoding, algorithm) = match key {
            JwtKey::Hs256 { secret, .. } => (
                DecodingKey::from_secret(secret.expose().as_bytes()),
                Algorithm::HS256,
            ),
            JwtKey::Rs256 { public_key } => {
                let err = |reason: String| AccessError::PublicKey {
                    path: public_key.display().to_string(),
                    reason,
                };
                let pem = std::fs::read(public_key).map_err(|e| err(e.to_string()))?;
                let key = DecodingKey::from_rsa_pem(&pem).map_err(|e| err(e.to_string()))?;
                (key, Algorithm::RS256)
            }
        };
        Ok(Access {
            jwt: Some((decoding, Validation::new(algorithm))),
            ..Access::loopback(max_clients)
        })
    }

    /// Sockets refused for the cap since the start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    pub(super) fn requires_jwt(&self) -> bool {
        self.jwt.is_some()
    }

    /// Whether a client at `peer` may connect at all: anyone with JWTs, else only
    /// loopback (an unknown peer is not loopback).
    pub(super) fn admits(&self, peer: Option<SocketAddr>) -> Result<(), &'static str> {
        match peer {
            _ if self.jwt.is_some() => Ok(()),
            Some(p) if p.ip().is_loopback() || p.ip().to_canonical().is_loopback() => Ok(()),
            _ => Err("read receipts are private: without `jwt_secret_env` or `jwt_public_key` in [serve] they are served on loopback only"),
        }
    }

    /// A slot for one more socket, or `None` (counted) when all are taken.
    pub(super) fn slot(&self) -> Option<OwnedSemaphorePermit> {
        let permit = self.slots.clone().try_acquire_owned().ok();
        if permit.is_none() {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        permit
    }

    /// The user a JWT (with or without its `Bearer ` prefix) proves, or why not.
    pub(super) fn user_of(&self, token: &str) -> Result<i64, String> {
        let Some((key, validation)) = &self.jwt else {
            return Err("no JWT key is configured".into());
        };
        let token = token.trim();
        let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
        let data = jsonwebtoken::decode::<Claims>(token, key, validation)
            .map_err(|e| format!("the token is not valid: {e}"))?;
        match data.claims.sub.trim().parse::<i64>() {
            Ok(user) if user > 0 => Ok(user),
            _ => Err(format!(
                "the token's subject must be the user id, a positive integer, not {:?}",
                data.claims.sub
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use kaftop_core::config::Secret;

    fn token(secret: &str, sub: &str, exp_in: i64) -> String {
        let exp = chrono::Utc::now().timestamp() + exp_in;
        let claims = serde_json::json!({ "sub": sub, "exp": exp });
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn a_jwt_names_its_user() {
        let key = JwtKey::Hs256 {
            env: "X".into(),
            secret: Secret::new("s3cret"),
        };
        let a = Access::with_jwt(2, &key).unwrap();
        assert_eq!(a.user_of(&token("s3cret", "100", 60)), Ok(100));
        let bearer = format!("Bearer {}", token("s3cret", "7", 60));
        assert_eq!(a.user_of(&bearer), Ok(7));
        for bad in [
            token("other", "100", 60),
            token("s3cret", "100", -3600),
            token("s3cret", "-5", 60),
            token("s3cret", "alice", 60),
            "not-a-jwt".to_string(),
        ] {
            assert!(a.user_of(&bad).is_err(), "{bad}");
        }
        assert!(a.admits(Some("10.1.2.3:5000".parse().unwrap())).is_ok());
    }

    #[test]
    fn without_a_key_only_loopback_and_a_cap() {
        let a = Access::loopback(1);
        assert!(a.admits(Some("127.0.0.1:5000".parse().unwrap())).is_ok());
        assert!(a
            .admits(Some("[::ffff:127.0.0.1]:5000".parse().unwrap()))
            .is_ok());
        assert!(a.admits(Some("10.1.2.3:5000".parse().unwrap())).is_err());
        assert!(a.admits(None).is_err());
        let first = a.slot();
        assert!(first.is_some());
        assert!(a.slot().is_none());
        assert_eq!(a.refused(), 1);
        drop(first);
        assert!(a.slot().is_some());
    }
}
