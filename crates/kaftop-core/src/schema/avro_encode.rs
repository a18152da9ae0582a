//! Avro from JSON, as a person types it: the schema walked beside the JSON so a
//! value that does not fit is refused with the field that is wrong. Accepts what
//! the decoder shows (decimals as strings, timestamps in RFC 3339, bytes as
//! base64) and the plain forms (decimals as numbers, timestamps as numbers);
//! unions as the plain value or as `{"type": value}`; missing fields take their
//! defaults.

use apache_avro::schema::{Name, RecordSchema, Schema, UnionSchema};
use apache_avro::types::Value;
use base64::Engine as _;
use serde_json::Value as Json;

use super::avro::AvroSchema;
use super::encode::{got, Path};
use super::SchemaError;

type Fit = Result<Value, SchemaError>;

impl AvroSchema {
    /// The Avro binary encoding of `json` (no framing).
    pub(super) fn encode(&self, json: &Json) -> Result<Vec<u8>, SchemaError> {
        let value = self.value(json, &self.schema, &mut Path::default())?;
        let written = if self.schemata.is_empty() {
            apache_avro::to_avro_datum(&self.schema, value)
        } else {
            apache_avro::to_avro_datum_schemata(&self.schema, self.schemata.iter().collect(), value)
        };
        written.map_err(|e| SchemaError::Mismatch(format!("the value does not fit: {e}")))
    }

    fn value(&self, json: &Json, schema: &Schema, path: &mut Path) -> Fit {
        let schema = self.resolve(schema);
        let expected =
            |what: &str| Err(path.mismatch(format!("expected {what}, got {}", got(json))));
        match schema {
            Schema::Null if json.is_null() => Ok(Value::Null),
            Schema::Null => expected("null"),
            Schema::Boolean => json
                .as_bool()
                .map_or_else(|| expected("true or false"), |b| Ok(Value::Boolean(b))),
            Schema::Int => int(json).map_or_else(|| expected("an int"), |i| Ok(Value::Int(i))),
            Schema::Long => json
                .as_i64()
                .map_or_else(|| expected("a long"), |i| Ok(Value::Long(i))),
            Schema::Float => json
                .as_f64()
                .map_or_else(|| expected("a number"), |f| Ok(Value::Float(f as f32))),
            Schema::Double => json
                .as_f64()
                .map_or_else(|| expected("a number"), |f| Ok(Value::Double(f))),
            Schema::String => json
                .as_str()
                .map_or_else(|| expected("a string"), |s| Ok(Value::String(s.into()))),
            Schema::Uuid => match json.as_str().map(apache_avro::Uuid::parse_str) {
                Some(Ok(u)) => Ok(Value::Uuid(u)),
                _ => expected("a UUID"),
            },
            Schema::Bytes => {
                base64(json).map_or_else(|| expected("bytes in base64"), |b| Ok(Value::Bytes(b)))
            }
            Schema::Fixed(f) => match base64(json) {
                Some(b) if b.len() == f.size => Ok(Value::Fixed(f.size, b)),
                _ => expected(&format!("{} bytes in base64", f.size)),
            },
            Schema::Enum(e) => match json
                .as_str()
                .and_then(|s| e.symbols.iter().position(|x| x == s))
            {
                Some(i) => Ok(Value::Enum(i as u32, e.symbols[i].clone())),
                None => expected(&format!("one of {}", e.symbols.join(", "))),
            },
            Schema::Array(a) => {
                let Some(items) = json.as_array() else {
                    return expected("an array");
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push_index(i);
                    out.push(self.value(item, &a.items, path)?);
                    path.pop();
                }
                Ok(Value::Array(out))
            }
            Schema::Map(m) => {
                let Some(entries) = json.as_object() else {
                    return expected("an object (a map)");
                };
                let mut out = std::collections::HashMap::with_capacity(entries.len());
                for (k, v) in entries {
                    path.push_key(k);
                    out.insert(k.clone(), self.value(v, &m.types, path)?);
                    path.pop();
                }
                Ok(Value::Map(out))
            }
            Schema::Union(u) => self.union(json, u, path),
            Schema::Record(r) => self.record(json, r, path),
            Schema::Decimal(d) => match decimal_bytes(json, d.precision, d.scale) {
                // A fixed too small for the schema's precision: refused here, as
                // the Avro writer would otherwise fail on it.
                Ok(b) => match &*d.inner {
                    Schema::Fixed(f) if b.len() > f.size => Err(path.mismatch(format!(
                        "{} needs {} bytes, the schema's fixed holds {}",
                        got(json),
                        b.len(),
                        f.size
                    ))),
                    _ => Ok(Value::Decimal(apache_avro::Decimal::from(b))),
                },
                Err(why) => Err(path.mismatch(why)),
            },
            Schema::Date => match json.as_str() {
                Some(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => Ok(Value::Date((d - epoch_day()).num_days() as i32)),
                    Err(_) => expected("a date (YYYY-MM-DD) or days since 1970"),
                },
                None => int(json).map_or_else(
                    || expected("a date (YYYY-MM-DD) or days since 1970"),
                    |d| Ok(Value::Date(d)),
                ),
            },
            Schema::TimeMillis => match (int(json), time_nanos(json)) {
                (Some(ms), _) => Ok(Value::TimeMillis(ms)),
                (None, Some(n)) => Ok(Value::TimeMillis((n / 1_000_000) as i32)),
                _ => expected("a time of day (HH:MM:SS.sss) or milliseconds"),
            },
            Schema::TimeMicros => match (json.as_i64(), time_nanos(json)) {
                (Some(us), _) => Ok(Value::TimeMicros(us)),
                (None, Some(n)) => Ok(Value::TimeMicros(n / 1_000)),
                _ => expected("a time of day (HH:MM:SS.ssssss) or microseconds"),
            },
            Schema::TimestampMillis | Schema::LocalTimestampMillis => timestamp(json, 1_000_000)
                .map_or_else(
                    || expected("a timestamp (RFC 3339) or milliseconds since 1970"),
                    |t| {
                        Ok(if matches!(schema, Schema::TimestampMillis) {
                            Value::TimestampMillis(t)
                        } else {
                            Value::LocalTimestampMillis(t)
                        })
                    },
                ),
            Schema::TimestampMicros | Schema::LocalTimestampMicros => timestamp(json, 1_000)
                .map_or_else(
                    || expected("a timestamp (RFC 3339) or microseconds since 1970"),
                    |t| {
                        Ok(if matches!(schema, Schema::TimestampMicros) {
                            Value::TimestampMicros(t)
                        } else {
                            Value::LocalTimestampMicros(t)
                        })
                    },
                ),
            Schema::TimestampNanos | Schema::LocalTimestampNanos => timestamp(json, 1).map_or_else(
                || expected("a timestamp (RFC 3339) or nanoseconds since 1970"),
                |t| {
                    Ok(if matches!(schema, Schema::TimestampNanos) {
                        Value::TimestampNanos(t)
                    } else {
                        Value::LocalTimestampNanos(t)
                    })
                },
            ),
            Schema::Duration => {
                let part = |k: &str| {
                    json.get(k)
                        .and_then(Json::as_u64)
                        .and_then(|v| u32::try_from(v).ok())
                };
                match (part("months"), part("days"), part("millis")) {
                    (Some(m), Some(d), Some(ms)) => {
                        Ok(Value::Duration(apache_avro::Duration::new(
                            apache_avro::Months::new(m),
                            apache_avro::Days::new(d),
                            apache_avro::Millis::new(ms),
                        )))
                    }
                    _ => expected("{\"months\", \"days\", \"millis\"}"),
                }
            }
            Schema::BigDecimal => {
                Err(path.mismatch("big-decimal values cannot be published yet".into()))
            }
            Schema::Ref { name } => Err(SchemaError::Invalid(format!(
                "unknown type {}",
                name.fullname(None)
            ))),
        }
    }

    fn record(&self, json: &Json, r: &RecordSchema, path: &mut Path) -> Fit {
        let Some(given) = json.as_object() else {
            return Err(path.mismatch(format!(
                "expected an object ({}), got {}",
                r.name.fullname(None),
                got(json)
            )));
        };
        // A name the schema does not have is a typo more often than not: refused.
        if let Some(extra) = given
            .keys()
            .find(|k| !r.fields.iter().any(|f| &f.name == *k))
        {
            path.push_field(extra);
            return Err(path.mismatch(format!("not a field of {}", r.name.fullname(None))));
        }
        let mut out = Vec::with_capacity(r.fields.len());
        for field in &r.fields {
            path.push_field(&field.name);
            let value = match (given.get(&field.name), &field.default) {
                (Some(v), _) => self.value(v, &field.schema, path)?,
                (None, Some(default)) => self.default(default, &field.schema, path)?,
                (None, None) => {
                    return Err(path.mismatch("missing, and the schema gives no default".into()))
                }
            };
            path.pop();
            out.push((field.name.clone(), value));
        }
        Ok(Value::Record(out))
    }

    /// A field's default: for a union, a value of its first type.
    fn default(&self, default: &Json, schema: &Schema, path: &mut Path) -> Fit {
        match self.resolve(schema) {
            Schema::Union(u) => {
                let first = u
                    .variants()
                    .first()
                    .ok_or_else(|| path.mismatch("an empty union".into()))?;
                Ok(Value::Union(0, Box::new(self.value(default, first, path)?)))
            }
            other => self.value(default, other, path),
        }
    }

    fn union(&self, json: &Json, u: &UnionSchema, path: &mut Path) -> Fit {
        let variants = u.variants();
        let branch = |i: usize, v: Value| Ok(Value::Union(i as u32, Box::new(v)));
        if json.is_null() {
            if let Some(i) = variants.iter().position(|v| matches!(v, Schema::Null)) {
                return branch(i, Value::Null);
            }
        }
        // Avro's JSON encoding: {"type name": value}.
        if let Some((k, inner)) = json
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.iter().next())
        {
            if let Some(i) = variants
                .iter()
                .position(|v| self.type_names(v).iter().any(|n| n == k))
            {
                return branch(i, self.value(inner, &variants[i], path)?);
            }
        }
        let candidates: Vec<usize> = (0..variants.len())
            .filter(|&i| !matches!(variants[i], Schema::Null))
            .collect();
        let mut first_error = None;
        for &i in &candidates {
            match self.value(json, &variants[i], path) {
                Ok(v) => return branch(i, v),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (candidates.len(), first_error) {
            // One type besides null: its own complaint names the field inside.
            (1, Some(e)) => Err(e),
            _ => {
                let names: Vec<String> = variants
                    .iter()
                    .filter_map(|v| self.type_names(v).into_iter().next())
                    .collect();
                Err(path.mismatch(format!(
                    "expected one of the union's types ({}), got {}",
                    names.join(", "),
                    got(json)
                )))
            }
        }
    }

    /// The names a union branch answers to in `{"type": value}` (full name first).
    fn type_names(&self, schema: &Schema) -> Vec<String> {
        let named = |n: &Name| vec![n.fullname(None), n.name.clone()];
        match self.resolve(schema) {
            Schema::Record(r) => named(&r.name),
            Schema::Enum(e) => named(&e.name),
            Schema::Fixed(f) => named(&f.name),
            Schema::Ref { name } => named(name),
            Schema::Null => vec!["null".into()],
            Schema::Boolean => vec!["boolean".into()],
            Schema::Int | Schema::Date | Schema::TimeMillis => vec!["int".into()],
            Schema::Long
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => vec!["long".into()],
            Schema::Float => vec!["float".into()],
            Schema::Double => vec!["double".into()],
            Schema::Bytes | Schema::BigDecimal => vec!["bytes".into()],
            Schema::Decimal(d) => match &*d.inner {
                Schema::Fixed(f) => named(&f.name),
                _ => vec!["bytes".into()],
            },
            Schema::String | Schema::Uuid => vec!["string".into()],
            Schema::Array(_) => vec!["array".into()],
            Schema::Map(_) => vec!["map".into()],
            Schema::Union(_) => vec!["union".into()],
            Schema::Duration => vec!["fixed".into()],
        }
    }
}

fn int(json: &Json) -> Option<i32> {
    json.as_i64().and_then(|i| i32::try_from(i).ok())
}

fn base64(json: &Json) -> Option<Vec<u8>> {
    json.as_str()
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
}

fn epoch_day() -> chrono::NaiveDate {
    chrono::NaiveDate::default()
}

fn time_nanos(json: &Json) -> Option<i64> {
    let t = chrono::NaiveTime::parse_from_str(json.as_str()?, "%H:%M:%S%.f").ok()?;
    (t - chrono::NaiveTime::MIN).num_nanoseconds()
}

/// An integer count of `unit_nanos`, or an RFC 3339 time in that unit.
fn timestamp(json: &Json, unit_nanos: i64) -> Option<i64> {
    if let Some(n) = json.as_i64() {
        return Some(n);
    }
    let t = chrono::DateTime::parse_from_rfc3339(json.as_str()?).ok()?;
    let nanos = i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
    i64::try_from(nanos / i128::from(unit_nanos)).ok()
}

/// The most significant digits a JSON number can carry through an f64 and come
/// out as typed; a longer one may already have lost digits.
const FLOAT_DIGITS: usize = 15;

/// A JSON number with a fraction or an exponent as plain decimal text (`1e25` →
/// `10000000000000000000000000`), refused when it has more significant digits
/// than an f64 keeps: those digits may not be the ones typed.
fn float_text(n: &serde_json::Number, json: &Json) -> Result<String, String> {
    let text = n.to_string();
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.parse::<i64>()
                .map_err(|_| format!("expected a decimal number, got {}", got(json)))?,
        ),
        None => (text.as_str(), 0),
    };
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int_part, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int_part}{frac}");
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    if significant > FLOAT_DIGITS {
        return Err(format!(
            "a JSON number keeps only {FLOAT_DIGITS} significant digits exactly, got {}: \
             write the decimal as a string (\"12345678901234567890.12\")",
            got(json)
        ));
    }
    // Where the point goes in `digits`, after the exponent moves it.
    let point = i64::try_from(int_part.len())
        .unwrap_or(i64::MAX)
        .saturating_add(exp);
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    if !(-1000..=1000).contains(&point) {
        return Err(format!("expected a decimal number, got {}", got(json)));
    }
    let plain = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= len {
        format!("{digits}{}", "0".repeat((point - len) as usize))
    } else {
        let (i, f) = digits.split_at(point as usize);
        format!("{i}.{f}")
    };
    Ok(if negative { format!("-{plain}") } else { plain })
}

/// A decimal written as a string or a number, as the two's-complement big-endian
/// unscaled value Avro stores, exact at any precision (the digits are converted
/// to base 256 as text, never through an integer type); more digits than the
/// schema holds, or more after the point than its scale, are refused.
pub(super) fn decimal_bytes(
    json: &Json,
    precision: usize,
    scale: usize,
) -> Result<Vec<u8>, String> {
    let text = match json {
        Json::String(s) => s.trim().to_string(),
        Json::Number(n) if n.is_f64() => float_text(n, json)?,
        // A whole number is exact at any size serde_json keeps as an integer.
        Json::Number(n) => n.to_string(),
        other => {
            return Err(format!(
                "expected a decimal (a string or a number), got {}",
                got(other)
            ))
        }
    };
    let bad = || format!("expected a decimal number, got {}", got(json));
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let (int_part, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac.is_empty()) || !all_digits(int_part) || !all_digits(frac) {
        return Err(bad());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > scale {
        return Err(format!(
            "expected at most {scale} digits after the point, got {}",
            got(json)
        ));
    }
    let digits = format!("{int_part}{frac}{}", "0".repeat(scale - frac.len()));
    let digits = digits.trim_start_matches('0');
    if digits.len() > precision {
        return Err(format!(
            "expected a decimal of at most {precision} digits, got {}",
            got(json)
        ));
    }
    // Base 10 to base 256, big end first.
    let mut magnitude: Vec<u8> = vec![0];
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in magnitude.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            magnitude.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    // Room for the sign bit.
    if magnitude[0] & 0x80 != 0 {
        magnitude.insert(0, 0);
    }
    if negative {
        let mut carry = true;
        for b in magnitude.iter_mut().rev() {
            *b = !*b;
            if carry {
                let (v, o) = b.overflowing_add(1);
                *b = v;
                carry = o;
            }
        }
    }
    Ok(magnitude)
}
