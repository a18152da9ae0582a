//! JSON Schema: the record after the frame is JSON text.

use serde_json::Value as Json;

use super::SchemaError;

pub(super) fn decode(body: &[u8]) -> Result<Json, SchemaError> {
    serde_json::from_slice(body).map_err(|e| SchemaError::Corrupt(format!("not JSON: {e}")))
}
