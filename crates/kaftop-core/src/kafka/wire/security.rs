//! The profile's security settings as the protocol client reads them: the same
//! librdkafka properties (`security.protocol`, `sasl.*`, `ssl.*`) the librdkafka
//! path is configured with. A property this client does not speak makes the
//! profile [`WireError::Profile`], and the refresh stays on librdkafka.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::error::WireError;
use crate::config::Secretish;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mechanism {
    Plain,
    ScramSha256,
    ScramSha512,
}

impl Mechanism {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

#[derive(Clone)]
pub(crate) struct Sasl {
    pub(crate) mechanism: Mechanism,
    pub(crate) username: String,
    pub(crate) password: String,
}

impl fmt::Debug for Sasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sasl")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Default)]
pub(crate) struct Tls {
    /// `None`: the system's default trust store.
    pub(crate) ca: Option<PathBuf>,
    pub(crate) certificate: Option<PathBuf>,
    pub(crate) key: Option<PathBuf>,
    pub(crate) key_password: Option<String>,
    pub(crate) verify_certificate: bool,
    pub(crate) verify_hostname: bool,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("ca", &self.ca)
            .field("certificate", &self.certificate)
            .field("key", &self.key)
            .field("verify_certificate", &self.verify_certificate)
            .field("verify_hostname", &self.verify_hostname)
            .finish_non_exhaustive()
    }
}

/// How a connection is secured.
#[derive(Debug, Clone, Default)]
pub(crate) struct Security {
    pub(crate) sasl: Option<Sasl>,
    pub(crate) tls: Option<Tls>,
}

/// Properties that only tune librdkafka itself and change nothing on the wire.
fn librdkafka_only(key: &str) -> bool {
    !(key.starts_with("sasl.") || key.starts_with("ssl."))
}

impl Security {
    /// The security of a profile's librdkafka properties.
    pub(crate) fn of(props: &BTreeMap<String, Secretish>) -> Result<Security, WireError> {
        let get = |k: &str| props.get(k).map(|v| v.value().to_string());
        let protocol = get("security.protocol")
            .unwrap_or_else(|| "plaintext".into())
            .to_ascii_lowercase();
        let (sasl_on, tls_on) = match protocol.as_str() {
            "plaintext" => (false, false),
            "ssl" => (false, true),
            "sasl_plaintext" => (true, false),
            "sasl_ssl" => (true, true),
            other => return Err(WireError::Profile(format!("security.protocol {other}"))),
        };
        let known = [
            "sasl.mechanism",
            "sasl.mechanisms",
            "sasl.username",
            "sasl.password",
            "ssl.ca.location",
            "ssl.certificate.location",
            "ssl.key.location",
            "ssl.key.password",
            "ssl.endpoint.identification.algorithm",
            "enable.ssl.certificate.verification",
        ];
        if let Some(k) = props
            .keys()
            .find(|k| !librdkafka_only(k) && !known.contains(&k.as_str()))
        {
            return Err(WireError::Profile(format!("property {k}")));
        }
        let sasl = if sasl_on {
            let mech = get("sasl.mechanism")
                .or_else(|| get("sasl.mechanisms"))
                .unwrap_or_else(|| "GSSAPI".into());
            let mechanism = match mech.to_ascii_uppercase().as_str() {
                "PLAIN" => Mechanism::Plain,
                "SCRAM-SHA-256" => Mechanism::ScramSha256,
                "SCRAM-SHA-512" => Mechanism::ScramSha512,
                other => return Err(WireError::Profile(format!("SASL mechanism {other}"))),
            };
            Some(Sasl {
                mechanism,
                username: get("sasl.username").unwrap_or_default(),
                password: get("sasl.password").unwrap_or_default(),
            })
        } else {
            None
        };
        let tls = tls_on.then(|| Tls {
            ca: get("ssl.ca.location")
                .filter(|v| v != "probe")
                .map(PathBuf::from),
            certificate: get("ssl.certificate.location").map(PathBuf::from),
            key: get("ssl.key.location").map(PathBuf::from),
            key_password: get("ssl.key.password"),
            verify_certificate: get("enable.ssl.certificate.verification")
                .is_none_or(|v| v != "false"),
            // librdkafka's default (since 2.0) is `https`: check the host name.
            verify_hostname: get("ssl.endpoint.identification.algorithm")
                .is_none_or(|v| v.eq_ignore_ascii_case("https")),
        });
        Ok(Security { sasl, tls })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(kv: &[(&str, &str)]) -> BTreeMap<String, Secretish> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), Secretish::Plain(v.to_string())))
            .collect()
    }

    #[test]
    fn reads_the_profiles_security() {
        let s = Security::of(&props(&[])).unwrap();
        assert!(s.sasl.is_none() && s.tls.is_none());
        let s = Security::of(&props(&[
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("sasl.username", "u"),
            ("sasl.password", "hunter2"),
            ("ssl.ca.location", "/ca.pem"),
            ("ssl.endpoint.identification.algorithm", "none"),
            ("linger.ms", "5"),
        ]))
        .unwrap();
        let sasl = s.sasl.unwrap();
        assert_eq!(sasl.mechanism, Mechanism::ScramSha512);
        assert!(!format!("{sasl:?}").contains("hunter2"));
        let tls = s.tls.unwrap();
        assert_eq!(tls.ca, Some(PathBuf::from("/ca.pem")));
        assert!(!tls.verify_hostname && tls.verify_certificate);
    }

    #[test]
    fn what_it_does_not_speak_stays_on_librdkafka() {
        for kv in [
            vec![("security.protocol", "SASL_PLAINTEXT")],
            vec![
                ("security.protocol", "SASL_SSL"),
                ("sasl.mechanism", "OAUTHBEARER"),
            ],
            vec![
                ("security.protocol", "SSL"),
                ("ssl.keystore.location", "k.p12"),
            ],
        ] {
            assert!(
                matches!(Security::of(&props(&kv)), Err(WireError::Profile(_))),
                "{kv:?}"
            );
        }
    }
}
