//! The schema registry's HTTP client (Confluent REST API) behind
//! [`SchemaSource`], and the [`Decoder`] a profile's `[registry]` makes.

use std::sync::Arc;

use anyhow::{Context, Result};
use kaftop_core::config::{RegistryAuth, RegistrySettings, Resolved};
use kaftop_core::schema::Decoder;
use kaftop_core::schema::{
    LocalSchema, Reference, RegisteredSchema, SchemaError, SchemaKind, SchemaSource,
};
use serde::Deserialize;

/// A registry at `url`, with the profile's credentials and CA.
pub(crate) struct HttpRegistry {
    agent: ureq::Agent,
    url: String,
    authorization: Option<String>,
}

#[derive(Deserialize)]
struct SchemaAnswer {
    schema: String,
    #[serde(rename = "schemaType")]
    schema_type: Option<String>,
    #[serde(default)]
    references: Vec<ReferenceAnswer>,
    id: Option<u32>,
    subject: Option<String>,
    version: Option<i32>,
}

#[derive(Deserialize)]
struct ReferenceAnswer {
    name: String,
    subject: String,
    version: i32,
}

#[derive(Deserialize)]
struct SubjectVersion {
    subject: String,
    version: i32,
}

impl HttpRegistry {
    pub(crate) fn new(settings: &RegistrySettings, url: &str) -> Result<HttpRegistry> {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false);
        if let Some(ca) = &settings.ca_location {
            let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
            let certs = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect::<Vec<_>>();
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)))
                    .build(),
            );
        }
        let authorization = match &settings.auth {
            RegistryAuth::None => None,
            RegistryAuth::Basic { username, password } => {
                use base64::Engine as _;
                let pair = format!("{username}:{}", password.expose());
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
            RegistryAuth::Bearer(token) => Some(format!("Bearer {}", token.expose())),
        };
        Ok(HttpRegistry {
            agent: config.build().new_agent(),
            url: url.trim_end_matches('/').to_string(),
            authorization,
        })
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, SchemaError> {
        let mut req = self.agent.get(format!("{}{path}", self.url)).header(
            "Accept",
            "application/vnd.schemaregistry.v1+json, application/json",
        );
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        // The error's text names the URL, never the credentials.
        let mut resp = req
            .call()
            .map_err(|e| SchemaError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| SchemaError::Unreachable(e.to_string()))?;
        match status {
            200..=299 => serde_json::from_str(&body).map_err(|e| SchemaError::Registry {
                status,
                message: format!("unexpected answer: {e}"),
            }),
            401 | 403 => Err(SchemaError::Unauthorized(status)),
            404 => Err(SchemaError::NotFound(what.to_string())),
            _ => Err(SchemaError::Registry {
                status,
                message: registry_message(&body),
            }),
        }
    }
}

/// The `message` of the registry's error body, or the body cut short.
fn registry_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn registered(a: SchemaAnswer, id: u32) -> Result<RegisteredSchema, SchemaError> {
    Ok(RegisteredSchema {
        id: a.id.unwrap_or(id),
        kind: SchemaKind::from_registry(a.schema_type.as_deref())?,
        text: a.schema,
        references: a
            .references
            .into_iter()
            .map(|r| Reference {
                name: r.name,
                subject: r.subject,
                version: r.version,
            })
            .collect(),
        subject: a.subject,
        version: a.version,
        subjects: Vec::new(),
    })
}

fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl SchemaSource for HttpRegistry {
    fn by_id(&self, id: u32) -> Result<RegisteredSchema, SchemaError> {
        let answer: SchemaAnswer = self.get(&format!("/schemas/ids/{id}"), &format!("id {id}"))?;
        let mut schema = registered(answer, id)?;
        // Which subject and version it is, when the registry says (shown in the detail).
        if let Ok(versions) =
            self.get::<Vec<SubjectVersion>>(&format!("/schemas/ids/{id}/versions"), "versions")
        {
            schema.subjects = versions
                .into_iter()
                .map(|v| (v.subject, v.version))
                .collect();
        }
        Ok(schema)
    }

    fn by_subject(
        &self,
        subject: &str,
        version: Option<i32>,
    ) -> Result<RegisteredSchema, SchemaError> {
        let v = version.map_or_else(|| "latest".to_string(), |v| v.to_string());
        let answer: SchemaAnswer = self.get(
            &format!("/subjects/{}/versions/{v}", encode(subject)),
            &format!("subject {subject} version {v}"),
        )?;
        let id = answer.id.unwrap_or(0);
        registered(answer, id)
    }
}

/// The decoder for a profile: its registry and local schema files (`None` when
/// it has neither).
pub(crate) fn decoder(cfg: &Resolved) -> Result<Option<Arc<Decoder>>> {
    let Some(settings) = &cfg.registry else {
        return Ok(None);
    };
    let source: Option<Arc<dyn SchemaSource>> = match &settings.url {
        Some(url) => Some(Arc::new(HttpRegistry::new(settings, url)?)),
        None => None,
    };
    let mut local = Vec::new();
    for f in &settings.local {
        let text = std::fs::read_to_string(&f.path)
            .with_context(|| format!("reading schema file {}", f.path.display()))?;
        local.push((
            (f.topic.clone(), f.is_key),
            LocalSchema {
                kind: f.kind,
                text,
                file: f.path.display().to_string(),
            },
        ));
    }
    Ok(Some(Arc::new(Decoder::new(source, local))))
}
