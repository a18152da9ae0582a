//! SCRAM (RFC 5802) as Kafka speaks it: the client's three messages and the
//! check of the server's signature. Kafka does not SASLprep the password (its
//! Java `ScramFormatter` takes the UTF-8 bytes as they are), so neither do we.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::error::WireError;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    fn digest(self) -> MessageDigest {
        match self {
            Hash::Sha256 => MessageDigest::sha256(),
            Hash::Sha512 => MessageDigest::sha512(),
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, WireError> {
        let key = PKey::hmac(key).map_err(ssl_error)?;
        let mut s = Signer::new(self.digest(), &key).map_err(ssl_error)?;
        s.update(data).map_err(ssl_error)?;
        s.sign_to_vec().map_err(ssl_error)
    }

    fn hash(self, data: &[u8]) -> Result<Vec<u8>, WireError> {
        openssl::hash::hash(self.digest(), data)
            .map(|d| d.to_vec())
            .map_err(ssl_error)
    }
}

fn ssl_error(e: openssl::error::ErrorStack) -> WireError {
    WireError::Protocol(format!("SCRAM: {e}"))
}

fn bad(what: &str) -> WireError {
    WireError::Authentication(format!("SASL authentication error: SCRAM: {what}"))
}

/// A SCRAM exchange in progress.
pub(crate) struct Scram {
    hash: Hash,
    client_first_bare: String,
    nonce: String,
    /// Set by the client-final message: what the server must sign.
    server_signature: Option<Vec<u8>>,
}

/// `=` and `,` escaped in a user name (RFC 5802 §5.1).
fn escape_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

impl Scram {
    /// A new exchange with a random nonce.
    pub(crate) fn new(hash: Hash, username: &str) -> Result<Scram, WireError> {
        let mut raw = [0u8; 24];
        openssl::rand::rand_bytes(&mut raw).map_err(ssl_error)?;
        Ok(Scram::with_nonce(hash, username, &B64.encode(raw)))
    }

    fn with_nonce(hash: Hash, username: &str, nonce: &str) -> Scram {
        Scram {
            hash,
            client_first_bare: format!("n={},r={nonce}", escape_name(username)),
            nonce: nonce.to_string(),
            server_signature: None,
        }
    }

    pub(crate) fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message answering the server-first `server_first`.
    pub(crate) fn client_final(
        &mut self,
        server_first: &[u8],
        password: &str,
    ) -> Result<String, WireError> {
        let text = std::str::from_utf8(server_first).map_err(|_| bad("server-first not UTF-8"))?;
        let field = |k: &str| {
            text.split(',')
                .find_map(|f| f.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
        };
        if let Some(e) = field("e") {
            return Err(bad(e));
        }
        let nonce = field("r").ok_or_else(|| bad("no nonce"))?;
        if !nonce.starts_with(&self.nonce) {
            return Err(bad("the server's nonce does not extend ours"));
        }
        let salt = field("s")
            .and_then(|s| B64.decode(s).ok())
            .ok_or_else(|| bad("no salt"))?;
        let iterations: usize = field("i")
            .and_then(|i| i.parse().ok())
            .filter(|i| *i > 0)
            .ok_or_else(|| bad("no iteration count"))?;
        let h = self.hash;
        let mut salted = vec![0u8; h.digest().size()];
        openssl::pkcs5::pbkdf2_hmac(
            password.as_bytes(),
            &salt,
            iterations,
            h.digest(),
            &mut salted,
        )
        .map_err(ssl_error)?;
        let client_key = h.hmac(&salted, b"Client Key")?;
        let stored_key = h.hash(&client_key)?;
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{text},{without_proof}", self.client_first_bare);
        let client_signature = h.hmac(&stored_key, auth_message.as_bytes())?;
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = h.hmac(&salted, b"Server Key")?;
        self.server_signature = Some(h.hmac(&server_key, auth_message.as_bytes())?);
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server-final message: the server knew the password too.
    pub(crate) fn verify_server_final(&self, server_final: &[u8]) -> Result<(), WireError> {
        let text = std::str::from_utf8(server_final).map_err(|_| bad("server-final not UTF-8"))?;
        if let Some(e) = text.strip_prefix("e=") {
            return Err(bad(e));
        }
        let v = text
            .split(',')
            .find_map(|f| f.strip_prefix("v="))
            .and_then(|v| B64.decode(v).ok())
            .ok_or_else(|| bad("no server signature"))?;
        match &self.server_signature {
            Some(expected) if expected.len() == v.len() && openssl::memcmp::eq(expected, &v) => {
                Ok(())
            }
            _ => Err(bad("the server's signature does not match")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3: the SCRAM-SHA-256 example exchange.
    #[test]
    fn the_rfc_7677_example() {
        let mut s = Scram::with_nonce(Hash::Sha256, "user", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(s.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let last = s.client_final(server_first, "pencil").unwrap();
        assert_eq!(
            last,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        s.verify_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(s.verify_server_final(b"v=AAAA").is_err());
    }

    #[test]
    fn refuses_a_server_that_does_not_extend_the_nonce() {
        let mut s = Scram::with_nonce(Hash::Sha512, "a=b,c", "abc");
        assert_eq!(s.client_first(), "n,,n=a=3Db=2Cc,r=abc");
        let e = s.client_final(b"r=xyz,s=QQ==,i=4096", "pw").unwrap_err();
        assert!(matches!(e, WireError::Authentication(_)));
        assert!(!e.to_string().contains("pw"));
    }
}
