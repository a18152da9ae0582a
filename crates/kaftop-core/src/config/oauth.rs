//! `[security.oauthbearer]`: where a SASL/OAUTHBEARER token comes from. `oidc`
//! fetches one with OAuth client credentials from the identity provider's token
//! endpoint (librdkafka does the fetch and the refresh); `unsecured-jwt-test-only`
//! makes an unsigned token that only a broker with Kafka's unsecured validator
//! accepts, for tests against such a broker.

use serde::{Deserialize, Serialize};

use super::secrets::{mask_opt, secret_value, Secretish};
use super::validate::FieldError;

/// The `oidc` method's name in the file and in librdkafka.
const OIDC: &str = "oidc";
/// The test-only method's name: it says what it is wherever it is written.
const UNSECURED: &str = "unsecured-jwt-test-only";

/// `[profiles.NAME.security.oauthbearer]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OauthBearerConfig {
    /// `oidc` or `unsecured-jwt-test-only`.
    pub method: String,
    /// `oidc`: the identity provider's token endpoint (`https://...`).
    pub token_endpoint_url: Option<String>,
    pub client_id: Option<String>,
    /// Discouraged: prefer `client_secret_env`.
    #[serde(serialize_with = "mask_opt")]
    pub client_secret: Option<String>,
    /// Name of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// `oidc`: the scope asked for (space separated), if the provider wants one.
    pub scope: Option<String>,
    /// `oidc`: SASL extensions, `key=value,...` (Confluent Cloud: `logicalCluster=lkc-…,identityPoolId=pool-…`).
    pub extensions: Option<String>,
    /// `unsecured-jwt-test-only`: the token's subject, the principal the broker sees.
    pub principal: Option<String>,
}

/// librdkafka properties of the table: (property, the table's field that set it,
/// value). Field names are relative to `[security]`.
pub(super) fn oauthbearer_properties(
    o: &OauthBearerConfig,
) -> Result<Vec<(&'static str, &'static str, Secretish)>, FieldError> {
    let plain = |v: &str| Secretish::Plain(v.to_string());
    match o.method.as_str() {
        OIDC => {
            if o.principal.is_some() {
                return Err(FieldError::new(
                    "oauthbearer.principal",
                    format!("belongs to method `{UNSECURED}`, not `{OIDC}`"),
                ));
            }
            let url = required(&o.token_endpoint_url, "oauthbearer.token_endpoint_url")?;
            check_url(url).map_err(|r| FieldError::new("oauthbearer.token_endpoint_url", r))?;
            let id = required(&o.client_id, "oauthbearer.client_id")?;
            let Some((field, secret)) = secret_value(
                &o.client_secret,
                &o.client_secret_env,
                "oauthbearer.client_secret",
                "oauthbearer.client_secret_env",
            )?
            else {
                return Err(FieldError::new(
                    "oauthbearer.client_secret_env",
                    "is needed by method `oidc`: the name of the environment variable \
                     holding the client secret",
                ));
            };
            let mut out = vec![
                ("sasl.oauthbearer.method", "oauthbearer.method", plain(OIDC)),
                (
                    "sasl.oauthbearer.token.endpoint.url",
                    "oauthbearer.token_endpoint_url",
                    plain(url),
                ),
                (
                    "sasl.oauthbearer.client.id",
                    "oauthbearer.client_id",
                    plain(id),
                ),
                (
                    "sasl.oauthbearer.client.secret",
                    field,
                    Secretish::Secret(secret),
                ),
            ];
            if let Some(scope) = &o.scope {
                let scope = non_empty(scope, "oauthbearer.scope")?;
                out.push(("sasl.oauthbearer.scope", "oauthbearer.scope", plain(scope)));
            }
            if let Some(ext) = &o.extensions {
                let ext = non_empty(ext, "oauthbearer.extensions")?;
                out.push((
                    "sasl.oauthbearer.extensions",
                    "oauthbearer.extensions",
                    plain(ext),
                ));
            }
            Ok(out)
        }
        UNSECURED => {
            for (v, field) in [
                (
                    o.token_endpoint_url.is_some(),
                    "oauthbearer.token_endpoint_url",
                ),
                (o.client_id.is_some(), "oauthbearer.client_id"),
                (o.client_secret.is_some(), "oauthbearer.client_secret"),
                (
                    o.client_secret_env.is_some(),
                    "oauthbearer.client_secret_env",
                ),
                (o.scope.is_some(), "oauthbearer.scope"),
                (o.extensions.is_some(), "oauthbearer.extensions"),
            ] {
                if v {
                    return Err(FieldError::new(
                        field,
                        format!("belongs to method `{OIDC}`, not `{UNSECURED}`"),
                    ));
                }
            }
            let principal = required(&o.principal, "oauthbearer.principal")?;
            if principal.contains(char::is_whitespace) {
                return Err(FieldError::new(
                    "oauthbearer.principal",
                    "cannot contain white space",
                ));
            }
            Ok(vec![
                (
                    "enable.sasl.oauthbearer.unsecure.jwt",
                    "oauthbearer.method",
                    plain("true"),
                ),
                (
                    "sasl.oauthbearer.config",
                    "oauthbearer.principal",
                    plain(&format!("principal={principal}")),
                ),
            ])
        }
        other => Err(FieldError::new(
            "oauthbearer.method",
            format!("`{other}` is not one of {OIDC}, {UNSECURED}"),
        )),
    }
}

/// A field the method needs, not empty.
fn required<'a>(v: &'a Option<String>, field: &'static str) -> Result<&'a str, FieldError> {
    match v {
        Some(v) => non_empty(v, field),
        None => Err(FieldError::new(field, "is needed by this method")),
    }
}

fn non_empty<'a>(v: &'a str, field: &'static str) -> Result<&'a str, FieldError> {
    if v.trim().is_empty() {
        Err(FieldError::new(field, "is empty"))
    } else {
        Ok(v)
    }
}

/// An `https://` (or, for a provider on loopback, `http://`) URL with a host.
fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("is not an http:// or https:// URL")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Never echoed: it could hold credentials.
    if host.contains('@') {
        return Err("holds credentials (`user:password@`): give the secret in                     `client_secret_env`"
            .into());
    }
    if host.is_empty() {
        return Err("has no host".into());
    }
    Ok(())
}
