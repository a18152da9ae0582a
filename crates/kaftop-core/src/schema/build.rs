//! What a decoder builds a record into: JSON for the views and the exports, or a
//! caller's own value (`kaftop search` builds its filter's input directly, without
//! the JSON in between).

use serde_json::{Map, Value as Json};

/// A value tree built bottom up. Logical types arrive already in the words people
/// read (decimals and times as text), so a builder only knows JSON's shapes.
pub trait Build {
    type Out;
    fn null(&mut self) -> Self::Out;
    fn bool(&mut self, b: bool) -> Self::Out;
    fn int(&mut self, i: i64) -> Self::Out;
    fn float(&mut self, f: f64) -> Self::Out;
    fn string(&mut self, s: String) -> Self::Out;
    fn array(&mut self, items: Vec<Self::Out>) -> Self::Out;
    /// Fields in the order written.
    fn object(&mut self, fields: Vec<(String, Self::Out)>) -> Self::Out;
    /// A value another decoder produced as JSON (Protobuf, JSON Schema).
    fn json(&mut self, v: Json) -> Self::Out;
}

/// Builds `serde_json` values.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonBuild;

impl Build for JsonBuild {
    type Out = Json;
    fn null(&mut self) -> Json {
        Json::Null
    }
    fn bool(&mut self, b: bool) -> Json {
        b.into()
    }
    fn int(&mut self, i: i64) -> Json {
        i.into()
    }
    /// NaN and the infinities have no JSON number: their text.
    fn float(&mut self, f: f64) -> Json {
        serde_json::Number::from_f64(f).map_or_else(|| f.to_string().into(), Json::Number)
    }
    fn string(&mut self, s: String) -> Json {
        s.into()
    }
    fn array(&mut self, items: Vec<Json>) -> Json {
        Json::Array(items)
    }
    fn object(&mut self, fields: Vec<(String, Json)>) -> Json {
        Json::Object(fields.into_iter().collect::<Map<_, _>>())
    }
    fn json(&mut self, v: Json) -> Json {
        v
    }
}
