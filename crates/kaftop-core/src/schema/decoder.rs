//! Decoding a record's key or value: a framed record through the registry (its
//! schema compiled once and cached by id), or a topic's local schema file. What
//! cannot be decoded comes back with the reason, for the caller to show raw.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value as Json;

use super::avro::AvroSchema;
use super::build::{Build, JsonBuild};
use super::protobuf::ProtoSchema;
use super::select::Select;
use super::{json, wire, RegisteredSchema, SchemaError, SchemaKind, SchemaSource};

/// How long a failed schema lookup is remembered before the registry is asked
/// again: a registry that is down costs one timeout, not one per record.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// References deeper than this are refused (a cycle).
const MAX_REFERENCE_DEPTH: usize = 16;

/// A schema file named for a topic in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSchema {
    pub kind: SchemaKind,
    pub text: String,
    /// Where it came from, to show.
    pub file: String,
}

/// Which schema decoded a key or value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaInfo {
    pub kind: SchemaKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// The Protobuf message type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A local schema file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl SchemaInfo {
    /// One line: `Avro · subject orders-value v3 · id 12`.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.kind.to_string()];
        if let Some(m) = &self.message {
            parts.push(m.clone());
        }
        match (&self.subject, self.version) {
            (Some(s), Some(v)) => parts.push(format!("subject {s} v{v}")),
            (Some(s), None) => parts.push(format!("subject {s}")),
            _ => {}
        }
        if let Some(id) = self.id {
            parts.push(format!("id {id}"));
        }
        if let Some(f) = &self.file {
            parts.push(f.clone());
        }
        parts.join(" · ")
    }
}

/// The outcome for one key or value.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// Not in the wire format and no local schema: shown as bytes are.
    Plain,
    Value {
        json: Json,
        schema: SchemaInfo,
    },
    /// Framed (or meant for a local schema) but not decodable: shown raw with this.
    Failed(String),
}

/// A key or value decoded, before its schema is described.
enum Outcome<T> {
    Plain,
    Value {
        out: T,
        /// Which schema decoded it, when asked for.
        schema: Option<SchemaInfo>,
    },
    Failed(String),
}

enum Parsed {
    Avro(Box<AvroSchema>),
    Proto(ProtoSchema),
    Json,
}

struct Compiled {
    parsed: Parsed,
    info: SchemaInfo,
    subjects: Vec<(String, i32)>,
}

impl Compiled {
    /// The schema's description for a record of `topic`: of the subjects sharing
    /// the id, the topic's own (`TOPIC-value`, `TOPIC-key`) first.
    fn info_for(&self, topic: &str, is_key: bool, message: Option<String>) -> SchemaInfo {
        let own = format!("{topic}-{}", if is_key { "key" } else { "value" });
        let pick = self
            .subjects
            .iter()
            .filter(|(s, _)| *s == own)
            .max_by_key(|(_, v)| *v)
            .or_else(|| self.subjects.iter().max_by_key(|(_, v)| *v));
        let mut info = SchemaInfo {
            message,
            ..self.info.clone()
        };
        if let Some((subject, version)) = pick {
            info.subject = Some(subject.clone());
            info.version = Some(*version);
        }
        info
    }
}

#[derive(Default)]
struct Cache {
    by_id: HashMap<u32, Arc<Compiled>>,
    failed: HashMap<u32, (Instant, SchemaError)>,
}

/// Tells decoders apart in [`RECENT`].
static NEXT_UID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The schema this thread decoded with last, as (decoder, schema id, schema):
    /// a topic's records mostly share one id, and taking it from here spares each
    /// record the shared cache's lock and reference count, which threads decoding
    /// side by side otherwise contend on (measured: 8 % of a search's time).
    static RECENT: Cell<Option<(u64, u32, Arc<Compiled>)>> = const { Cell::new(None) };
}

/// Decodes records with a registry and/or local schemas; shared between threads.
pub struct Decoder {
    uid: u64,
    source: Option<Arc<dyn SchemaSource>>,
    /// (topic, is key) → its local schema.
    local: HashMap<(String, bool), Result<Arc<Compiled>, String>>,
    /// Read by every record, written once per schema id: readers do not wait on
    /// each other (a search decodes on several threads).
    cache: RwLock<Cache>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("registry", &self.source.is_some())
            .field("local", &self.local.len())
            .finish()
    }
}

impl Decoder {
    /// `local` maps (topic, is key) to a schema file's contents; a file that does
    /// not compile is reported on every record of its topic.
    pub fn new(
        source: Option<Arc<dyn SchemaSource>>,
        local: Vec<((String, bool), LocalSchema)>,
    ) -> Decoder {
        let local = local
            .into_iter()
            .map(|(at, schema)| {
                let info = SchemaInfo {
                    kind: schema.kind,
                    id: None,
                    subject: None,
                    version: None,
                    message: None,
                    file: Some(schema.file.clone()),
                };
                let compiled = parse(schema.kind, &schema.text, &[], &[])
                    .map(|parsed| {
                        Arc::new(Compiled {
                            parsed,
                            info,
                            subjects: Vec::new(),
                        })
                    })
                    .map_err(|e| format!("{}: {e}", schema.file));
                (at, compiled)
            })
            .collect();
        Decoder {
            uid: NEXT_UID.fetch_add(1, Relaxed),
            source,
            local,
            cache: RwLock::new(Cache::default()),
        }
    }

    /// Whether this decoder can decode anything at all.
    pub fn is_active(&self) -> bool {
        self.source.is_some() || !self.local.is_empty()
    }

    pub fn decode(&self, topic: &str, bytes: Option<&[u8]>, is_key: bool) -> Decoded {
        match self.outcome(topic, bytes, is_key, &Select::All, true, &mut JsonBuild) {
            Outcome::Plain => Decoded::Plain,
            Outcome::Failed(e) => Decoded::Failed(e),
            Outcome::Value { out, schema } => Decoded::Value {
                json: out,
                schema: schema.expect("asked for"),
            },
        }
    }

    /// As [`Decoder::decode`], into `b`'s tree and without naming the schema:
    /// `Ok(None)` where `decode` says [`Decoded::Plain`], `Err` with its reason
    /// where it says [`Decoded::Failed`]. Of an Avro record only the parts
    /// `select` names are built (other formats are built whole). A search's path,
    /// once per record.
    pub fn decode_into<B: Build>(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
        is_key: bool,
        select: &Select,
        b: &mut B,
    ) -> Result<Option<B::Out>, String> {
        match self.outcome(topic, bytes, is_key, select, false, b) {
            Outcome::Plain => Ok(None),
            Outcome::Failed(e) => Err(e),
            Outcome::Value { out, .. } => Ok(Some(out)),
        }
    }

    /// Decodes `bytes` into `b`'s tree, naming the schema when `info`.
    fn outcome<B: Build>(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
        is_key: bool,
        select: &Select,
        info: bool,
        b: &mut B,
    ) -> Outcome<B::Out> {
        let Some(bytes) = bytes else {
            return Outcome::Plain;
        };
        // Most profiles name no local schema: no key built per record then.
        let local = match self.local.is_empty() {
            true => None,
            false => self.local.get(&(topic.to_string(), is_key)),
        };
        if let Some(local) = local {
            return match local {
                Ok(compiled) => self.decode_local(compiled, bytes, select, info, b),
                Err(e) => Outcome::Failed(e.clone()),
            };
        }
        let (Some(_), Some(framed)) = (&self.source, wire::frame(bytes)) else {
            return Outcome::Plain;
        };
        let decoded = self.with_compiled(framed.id, |compiled| {
            let (out, message) = decode_body(compiled, framed.body, true, select, b)?;
            let schema = info.then(|| compiled.info_for(topic, is_key, message));
            Ok((out, schema))
        });
        match decoded {
            Ok((out, schema)) => Outcome::Value { out, schema },
            Err(e) => Outcome::Failed(format!("schema id {}: {e}", framed.id)),
        }
    }

    /// Runs `f` with the schema of this id (see [`RECENT`], then [`Decoder::compiled`]).
    fn with_compiled<R>(
        &self,
        id: u32,
        f: impl FnOnce(&Compiled) -> Result<R, SchemaError>,
    ) -> Result<R, SchemaError> {
        // Taken out while `f` runs, so that a decoder called from within is safe.
        let recent = RECENT
            .take()
            .filter(|(uid, sid, _)| (*uid, *sid) == (self.uid, id));
        let compiled = match recent {
            Some((_, _, c)) => c,
            None => self.compiled(id)?,
        };
        let result = f(&compiled);
        RECENT.set(Some((self.uid, id, compiled)));
        result
    }

    fn decode_local<B: Build>(
        &self,
        compiled: &Compiled,
        bytes: &[u8],
        select: &Select,
        info: bool,
        b: &mut B,
    ) -> Outcome<B::Out> {
        // A framed record on a topic with a local schema: the schema is the file's.
        let (body, framed) = match wire::frame(bytes) {
            Some(f) if self.source.is_none() => (f.body, true),
            _ => (bytes, false),
        };
        match decode_body(compiled, body, framed, select, b) {
            Ok((out, message)) => Outcome::Value {
                out,
                schema: info.then(|| SchemaInfo {
                    message,
                    ..compiled.info.clone()
                }),
            },
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// The schema with this id, compiled, from the cache or the registry.
    fn compiled(&self, id: u32) -> Result<Arc<Compiled>, SchemaError> {
        {
            let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = cache.by_id.get(&id) {
                return Ok(Arc::clone(c));
            }
            if let Some((at, e)) = cache.failed.get(&id) {
                if at.elapsed() < RETRY_AFTER {
                    return Err(e.clone());
                }
            }
        }
        let result = self.fetch_and_compile(id);
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        match &result {
            Ok(c) => {
                cache.failed.remove(&id);
                cache.by_id.insert(id, Arc::clone(c));
            }
            Err(e) => {
                cache.failed.insert(id, (Instant::now(), e.clone()));
            }
        }
        result
    }

    fn fetch_and_compile(&self, id: u32) -> Result<Arc<Compiled>, SchemaError> {
        let source = self
            .source
            .as_ref()
            .ok_or_else(|| SchemaError::NoSchema("no registry configured".into()))?;
        let registered = source.by_id(id)?;
        Ok(Arc::new(compile(source.as_ref(), &registered)?))
    }

    /// The subject's schema (latest or `version`), as registered.
    pub fn for_subject(
        &self,
        subject: &str,
        version: Option<i32>,
    ) -> Result<RegisteredSchema, SchemaError> {
        let source = self
            .source
            .as_ref()
            .ok_or_else(|| SchemaError::NoSchema("no registry configured".into()))?;
        source.by_subject(subject, version)
    }
}

fn compile(source: &dyn SchemaSource, r: &RegisteredSchema) -> Result<Compiled, SchemaError> {
    let mut avro_refs = Vec::new();
    let mut proto_refs = Vec::new();
    collect_references(source, r, 0, &mut avro_refs, &mut proto_refs)?;
    let parsed = parse(r.kind, &r.text, &avro_refs, &proto_refs)?;
    Ok(Compiled {
        parsed,
        info: SchemaInfo {
            kind: r.kind,
            id: Some(r.id),
            subject: r.subject.clone(),
            version: r.version,
            message: None,
            file: None,
        },
        subjects: r.subjects.clone(),
    })
}

/// The referenced schemas' texts, dependencies first.
pub(super) fn collect_references(
    source: &dyn SchemaSource,
    r: &RegisteredSchema,
    depth: usize,
    avro: &mut Vec<String>,
    proto: &mut Vec<(String, String)>,
) -> Result<(), SchemaError> {
    if depth > MAX_REFERENCE_DEPTH {
        return Err(SchemaError::Invalid(
            "schema references nest too deep".into(),
        ));
    }
    for reference in &r.references {
        if proto.iter().any(|(name, _)| name == &reference.name) {
            continue;
        }
        let referenced = source.by_subject(&reference.subject, Some(reference.version))?;
        collect_references(source, &referenced, depth + 1, avro, proto)?;
        avro.push(referenced.text.clone());
        proto.push((reference.name.clone(), referenced.text));
    }
    Ok(())
}

fn parse(
    kind: SchemaKind,
    text: &str,
    avro_refs: &[String],
    proto_refs: &[(String, String)],
) -> Result<Parsed, SchemaError> {
    Ok(match kind {
        SchemaKind::Avro => Parsed::Avro(Box::new(AvroSchema::parse(text, avro_refs)?)),
        SchemaKind::Protobuf => Parsed::Proto(ProtoSchema::parse(text, proto_refs)?),
        SchemaKind::Json => {
            serde_json::from_str::<Json>(text)
                .map_err(|e| SchemaError::Invalid(format!("JSON Schema: {e}")))?;
            Parsed::Json
        }
    })
}

/// Decodes a body (after the 5-byte header when `framed`) into `b`'s tree and,
/// for Protobuf, the message type.
fn decode_body<B: Build>(
    compiled: &Compiled,
    body: &[u8],
    framed: bool,
    select: &Select,
    b: &mut B,
) -> Result<(B::Out, Option<String>), SchemaError> {
    match &compiled.parsed {
        Parsed::Avro(s) => Ok((super::avro_read::read_selected(s, body, select, b)?, None)),
        Parsed::Proto(s) => {
            let (json, name) = if framed {
                s.decode_framed(body)?
            } else {
                s.decode_first(body)?
            };
            Ok((b.json(json), Some(name)))
        }
        Parsed::Json => Ok((b.json(json::decode(body)?), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that answers every id with one schema text (no HTTP: the
    /// decoder's cache is what is tested).
    struct Fixed(&'static str);

    impl SchemaSource for Fixed {
        fn by_id(&self, id: u32) -> Result<RegisteredSchema, SchemaError> {
            Ok(RegisteredSchema {
                id,
                kind: SchemaKind::Avro,
                text: self.0.into(),
                references: Vec::new(),
                subject: None,
                version: None,
                subjects: Vec::new(),
            })
        }

        fn by_subject(&self, s: &str, _: Option<i32>) -> Result<RegisteredSchema, SchemaError> {
            Err(SchemaError::NotFound(s.into()))
        }
    }

    /// Two decoders whose registries give id 1 different schemas, used in turn on
    /// one thread: each decodes with its own (the thread's recent schema is its
    /// decoder's, not the last one used).
    #[test]
    fn decoders_on_one_thread_keep_their_own_schemas() {
        let long = Decoder::new(Some(Arc::new(Fixed(r#""long""#))), Vec::new());
        let string = Decoder::new(Some(Arc::new(Fixed(r#""string""#))), Vec::new());
        // The long 1; the string "a" (which the long schema would refuse).
        let one = [wire::header(1), vec![2]].concat();
        let a = [wire::header(1), vec![2, b'a']].concat();
        let got = |d: &Decoder, record: &[u8]| match d.decode("t", Some(record), false) {
            Decoded::Value { json, .. } => json,
            other => panic!("{other:?}"),
        };
        for _ in 0..3 {
            assert_eq!(got(&long, &one), serde_json::json!(1));
            assert_eq!(got(&string, &a), serde_json::json!("a"));
            // Through the search's path too.
            let into = long.decode_into("t", Some(&one), false, &Select::All, &mut JsonBuild);
            assert_eq!(into, Ok(Some(serde_json::json!(1))));
        }
    }
}
