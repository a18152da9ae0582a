//! Avro's binary encoding read straight into a [`Build`]er, walking the schema
//! apache-avro parsed. apache-avro's own reader builds its `Value` tree (a `String`
//! per field name per record), which then had to become JSON and, for `kaftop
//! search`, the filter's value: three trees per record, measured as most of a
//! search's time (BENCHMARKS.md, "Search"). This reads each datum once, into the
//! tree its caller wants ([`super::decoder`] calls it with the schema [`super::avro`]
//! parsed).

use apache_avro::schema::Schema;
use base64::Engine as _;

use super::avro::{date, decimal_text, time_of_day, timestamp, AvroSchema};
use super::build::Build;
use super::select::Select;
use super::SchemaError;

/// Deeper than this is a corrupt or hostile record (a recursive schema's list
/// thousands of links long), refused before the stack runs out.
const MAX_DEPTH: usize = 128;
/// Items of a zero-size type (`null`) a block may claim: they take no bytes, so
/// the payload's length cannot bound them.
const MAX_EMPTY_ITEMS: usize = 1 << 16;

/// Reads one datum of `schema` that must fill `body` exactly.
#[cfg(test)]
pub(super) fn read<B: Build>(
    s: &AvroSchema,
    body: &[u8],
    b: &mut B,
) -> Result<B::Out, SchemaError> {
    read_selected(s, body, &Select::All, b)
}

/// As [`read`], building only the parts `select` names. The parts left out are
/// still read and checked as [`read`] checks them, so a record refused by one is
/// refused by the other.
pub(super) fn read_selected<B: Build>(
    s: &AvroSchema,
    body: &[u8],
    select: &Select,
    b: &mut B,
) -> Result<B::Out, SchemaError> {
    let mut r = Reader { s, rest: body };
    let out = r.selected(&s.schema, select, b, 0)?;
    if !r.rest.is_empty() {
        return Err(corrupt(format!(
            "{} bytes after the Avro record",
            r.rest.len()
        )));
    }
    Ok(out)
}

fn corrupt(why: impl Into<String>) -> SchemaError {
    SchemaError::Corrupt(why.into())
}

fn truncated() -> SchemaError {
    corrupt("truncated: the Avro record ends early")
}

struct Reader<'a> {
    s: &'a AvroSchema,
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SchemaError> {
        if n > self.rest.len() {
            return Err(truncated());
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// A zig-zag varint long.
    fn long(&mut self) -> Result<i64, SchemaError> {
        let mut n: u64 = 0;
        for shift in (0..70).step_by(7) {
            let [byte, tail @ ..] = self.rest else {
                return Err(truncated());
            };
            self.rest = tail;
            if shift == 63 && *byte > 1 {
                return Err(corrupt("a varint longer than 64 bits"));
            }
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok((n >> 1) as i64 ^ -((n & 1) as i64));
            }
        }
        Err(corrupt("a varint longer than 64 bits"))
    }

    fn int(&mut self) -> Result<i32, SchemaError> {
        let v = self.long()?;
        i32::try_from(v).map_err(|_| corrupt(format!("int {v} out of range")))
    }

    fn len(&mut self) -> Result<usize, SchemaError> {
        let v = self.long()?;
        usize::try_from(v).map_err(|_| corrupt(format!("negative length {v}")))
    }

    fn bytes(&mut self) -> Result<&'a [u8], SchemaError> {
        let n = self.len()?;
        self.take(n)
    }

    fn str(&mut self) -> Result<&'a str, SchemaError> {
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes).map_err(|e| corrupt(format!("a string that is not UTF-8: {e}")))
    }

    fn string(&mut self) -> Result<String, SchemaError> {
        self.str().map(str::to_owned)
    }

    fn boolean(&mut self) -> Result<bool, SchemaError> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(corrupt(format!("boolean byte {other}"))),
        }
    }

    fn symbol<'s>(
        &mut self,
        e: &'s apache_avro::schema::EnumSchema,
    ) -> Result<&'s String, SchemaError> {
        let i = self.int()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| e.symbols.get(i))
            .ok_or_else(|| corrupt(format!("enum index {i} of {}", e.symbols.len())))
    }

    fn variant<'s>(
        &mut self,
        u: &'s apache_avro::schema::UnionSchema,
    ) -> Result<&'s Schema, SchemaError> {
        let i = self.long()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| u.variants().get(i))
            .ok_or_else(|| corrupt(format!("union index {i} of {}", u.variants().len())))
    }

    /// A decimal's two's-complement bytes, fixed or length-prefixed.
    fn decimal(&mut self, d: &apache_avro::schema::DecimalSchema) -> Result<&'a [u8], SchemaError> {
        match self.s.resolve(&d.inner) {
            Schema::Fixed(f) => self.take(f.size),
            _ => self.bytes(),
        }
    }

    /// A uuid: 16 bytes, or its text (which must be UTF-8).
    fn uuid(&mut self) -> Result<String, SchemaError> {
        let raw = self.bytes()?;
        if raw.len() == 16 {
            Ok(uuid_text(raw))
        } else {
            std::str::from_utf8(raw)
                .map(str::to_owned)
                .map_err(|e| corrupt(format!("a uuid that is not UTF-8: {e}")))
        }
    }

    fn big_decimal(&mut self) -> Result<String, SchemaError> {
        // Rare enough to leave to apache-avro: its own length-prefixed form.
        let mut reader = self.rest;
        let v = apache_avro::from_avro_datum(&Schema::BigDecimal, &mut reader, None)
            .map_err(|e| corrupt(e.to_string()))?;
        self.rest = reader;
        match v {
            apache_avro::types::Value::BigDecimal(d) => Ok(d.to_string()),
            other => Err(corrupt(format!("big-decimal read as {other:?}"))),
        }
    }

    /// The next block's item count of an array or a map (0 ends them); a
    /// negative count is followed by the block's size in bytes.
    fn block(&mut self, item: &Schema) -> Result<usize, SchemaError> {
        let count = self.long()?;
        if count < 0 {
            self.long()?;
        }
        let count = usize::try_from(count.unsigned_abs())
            .map_err(|_| corrupt("a block count out of range"))?;
        let bound = if self.zero_size(item) {
            MAX_EMPTY_ITEMS
        } else {
            self.rest.len()
        };
        if count > bound {
            return Err(corrupt(format!(
                "a block of {count} items in {} bytes",
                self.rest.len()
            )));
        }
        Ok(count)
    }

    fn zero_size(&self, schema: &Schema) -> bool {
        match self.s.resolve(schema) {
            Schema::Null => true,
            Schema::Fixed(f) => f.size == 0,
            Schema::Record(r) => r.fields.iter().all(|f| self.zero_size(&f.schema)),
            _ => false,
        }
    }

    fn datum<B: Build>(
        &mut self,
        schema: &Schema,
        b: &mut B,
        depth: usize,
    ) -> Result<B::Out, SchemaError> {
        if depth > MAX_DEPTH {
            return Err(corrupt(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let depth = depth + 1;
        Ok(match self.s.resolve(schema) {
            Schema::Null => b.null(),
            Schema::Boolean => {
                let v = self.boolean()?;
                b.bool(v)
            }
            Schema::Int => {
                let v = self.int()?;
                b.int(v.into())
            }
            Schema::Long => {
                let v = self.long()?;
                b.int(v)
            }
            Schema::Float => {
                let raw: [u8; 4] = self.take(4)?.try_into().map_err(|_| truncated())?;
                b.float(f32::from_le_bytes(raw).into())
            }
            Schema::Double => {
                let raw: [u8; 8] = self.take(8)?.try_into().map_err(|_| truncated())?;
                b.float(f64::from_le_bytes(raw))
            }
            Schema::Bytes => {
                let raw = self.bytes()?;
                b.string(base64(raw))
            }
            Schema::String => {
                let s = self.string()?;
                b.string(s)
            }
            Schema::Fixed(f) => {
                let raw = self.take(f.size)?;
                b.string(base64(raw))
            }
            Schema::Enum(e) => {
                let symbol = self.symbol(e)?;
                b.string(symbol.clone())
            }
            Schema::Union(u) => {
                let variant = self.variant(u)?;
                self.datum(variant, b, depth)?
            }
            Schema::Array(a) => {
                let mut items = Vec::new();
                loop {
                    let n = self.block(&a.items)?;
                    if n == 0 {
                        break;
                    }
                    items.reserve(n);
                    for _ in 0..n {
                        items.push(self.datum(&a.items, b, depth)?);
                    }
                }
                b.array(items)
            }
            Schema::Map(m) => {
                let mut entries = Vec::new();
                loop {
                    let n = self.block(&m.types)?;
                    if n == 0 {
                        break;
                    }
                    entries.reserve(n);
                    for _ in 0..n {
                        let key = self.string()?;
                        entries.push((key, self.datum(&m.types, b, depth)?));
                    }
                }
                b.object(entries)
            }
            Schema::Record(r) => {
                let mut fields = Vec::with_capacity(r.fields.len());
                for f in &r.fields {
                    fields.push((f.name.clone(), self.datum(&f.schema, b, depth)?));
                }
                b.object(fields)
            }
            Schema::Decimal(d) => {
                let raw = self.decimal(d)?;
                b.string(decimal_text(raw, d.scale))
            }
            Schema::Uuid => {
                let text = self.uuid()?;
                b.string(text)
            }
            Schema::BigDecimal => {
                let text = self.big_decimal()?;
                b.string(text)
            }
            Schema::Date => {
                let v = self.int()?;
                b.string(date(v))
            }
            Schema::TimeMillis => {
                let v = self.int()?;
                b.string(time_of_day(i64::from(v) * 1_000_000))
            }
            Schema::TimeMicros => {
                let v = self.long()?;
                b.string(time_of_day(v.saturating_mul(1_000)))
            }
            Schema::TimestampMillis | Schema::LocalTimestampMillis => {
                let v = self.long()?;
                b.string(timestamp(i128::from(v) * 1_000_000))
            }
            Schema::TimestampMicros | Schema::LocalTimestampMicros => {
                let v = self.long()?;
                b.string(timestamp(i128::from(v) * 1_000))
            }
            Schema::TimestampNanos | Schema::LocalTimestampNanos => {
                let v = self.long()?;
                b.string(timestamp(i128::from(v)))
            }
            Schema::Duration => {
                let raw = self.take(12)?;
                let part = |i: usize| {
                    let mut le = [0u8; 4];
                    le.copy_from_slice(&raw[i * 4..i * 4 + 4]);
                    i64::from(u32::from_le_bytes(le))
                };
                let fields = vec![
                    ("months".to_string(), b.int(part(0))),
                    ("days".to_string(), b.int(part(1))),
                    ("millis".to_string(), b.int(part(2))),
                ];
                b.object(fields)
            }
            Schema::Ref { name } => {
                return Err(corrupt(format!("unknown named type {name}")));
            }
        })
    }

    /// A datum with only the parts `select` names built: of a record, the fields
    /// selected (the others skipped); of a union, its variant, selected alike; any
    /// other datum whole.
    fn selected<B: Build>(
        &mut self,
        schema: &Schema,
        select: &Select,
        b: &mut B,
        depth: usize,
    ) -> Result<B::Out, SchemaError> {
        let Select::Fields(wanted) = select else {
            return self.datum(schema, b, depth);
        };
        if depth > MAX_DEPTH {
            return Err(corrupt(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match self.s.resolve(schema) {
            Schema::Record(r) => {
                let mut fields = Vec::with_capacity(wanted.len());
                for f in &r.fields {
                    match wanted.get(&f.name) {
                        Some(inner) => {
                            let v = self.selected(&f.schema, inner, b, depth + 1)?;
                            fields.push((f.name.clone(), v));
                        }
                        None => self.skip(&f.schema, depth + 1)?,
                    }
                }
                Ok(b.object(fields))
            }
            Schema::Union(u) => {
                let variant = self.variant(u)?;
                self.selected(variant, select, b, depth + 1)
            }
            _ => self.datum(schema, b, depth),
        }
    }

    /// Reads past a datum, checking it as [`Reader::datum`] does, building nothing.
    fn skip(&mut self, schema: &Schema, depth: usize) -> Result<(), SchemaError> {
        if depth > MAX_DEPTH {
            return Err(corrupt(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let depth = depth + 1;
        match self.s.resolve(schema) {
            Schema::Null => {}
            Schema::Boolean => {
                self.boolean()?;
            }
            Schema::Int | Schema::Date | Schema::TimeMillis => {
                self.int()?;
            }
            Schema::Long
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::LocalTimestampMillis
            | Schema::TimestampMicros
            | Schema::LocalTimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampNanos => {
                self.long()?;
            }
            Schema::Float => {
                self.take(4)?;
            }
            Schema::Double => {
                self.take(8)?;
            }
            Schema::Bytes => {
                self.bytes()?;
            }
            Schema::String => {
                self.str()?;
            }
            Schema::Fixed(f) => {
                self.take(f.size)?;
            }
            Schema::Enum(e) => {
                self.symbol(e)?;
            }
            Schema::Union(u) => {
                let variant = self.variant(u)?;
                self.skip(variant, depth)?;
            }
            Schema::Array(a) => loop {
                let n = self.block(&a.items)?;
                if n == 0 {
                    break;
                }
                for _ in 0..n {
                    self.skip(&a.items, depth)?;
                }
            },
            Schema::Map(m) => loop {
                let n = self.block(&m.types)?;
                if n == 0 {
                    break;
                }
                for _ in 0..n {
                    self.str()?;
                    self.skip(&m.types, depth)?;
                }
            },
            Schema::Record(r) => {
                for f in &r.fields {
                    self.skip(&f.schema, depth)?;
                }
            }
            Schema::Decimal(d) => {
                self.decimal(d)?;
            }
            Schema::Uuid => {
                self.uuid()?;
            }
            Schema::BigDecimal => {
                self.big_decimal()?;
            }
            Schema::Duration => {
                self.take(12)?;
            }
            Schema::Ref { name } => {
                return Err(corrupt(format!("unknown named type {name}")));
            }
        }
        Ok(())
    }
}

fn base64(raw: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// 16 bytes as `8-4-4-4-12` lowercase hex.
fn uuid_text(raw: &[u8]) -> String {
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::build::JsonBuild;
    use apache_avro::types::Value;
    use serde_json::json;

    fn schema(text: &str) -> AvroSchema {
        AvroSchema::parse(text, &[]).unwrap()
    }

    /// What apache-avro writes, this reads back as the same record.
    #[test]
    fn reads_what_apache_avro_writes() {
        let s = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"b","type":"boolean"},
                {"name":"i","type":"int"},
                {"name":"l","type":"long"},
                {"name":"f","type":"float"},
                {"name":"d","type":"double"},
                {"name":"raw","type":"bytes"},
                {"name":"s","type":"string"},
                {"name":"fx","type":{"type":"fixed","name":"F","size":2}},
                {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
                {"name":"u","type":["null","long","string"]},
                {"name":"a","type":{"type":"array","items":"int"}},
                {"name":"m","type":{"type":"map","values":"string"}},
                {"name":"day","type":{"type":"int","logicalType":"date"}},
                {"name":"us","type":{"type":"long","logicalType":"timestamp-micros"}},
                {"name":"dec","type":{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":8,"scale":3}},
                {"name":"id","type":{"type":"string","logicalType":"uuid"}},
                {"name":"next","type":["null","R"]}
            ]}"#,
        );
        let inner = Value::Record(vec![
            ("b".into(), Value::Boolean(false)),
            ("i".into(), Value::Int(-1)),
            ("l".into(), Value::Long(0)),
            ("f".into(), Value::Float(0.0)),
            ("d".into(), Value::Double(0.0)),
            ("raw".into(), Value::Bytes(vec![])),
            ("s".into(), Value::String(String::new())),
            ("fx".into(), Value::Fixed(2, vec![0, 0])),
            ("e".into(), Value::Enum(0, "X".into())),
            ("u".into(), Value::Union(0, Box::new(Value::Null))),
            ("a".into(), Value::Array(vec![])),
            ("m".into(), Value::Map(Default::default())),
            ("day".into(), Value::Date(0)),
            ("us".into(), Value::TimestampMicros(0)),
            ("dec".into(), Value::Decimal(vec![0, 0, 0, 0].into())),
            ("id".into(), Value::Uuid(uuid::Uuid::nil())),
            ("next".into(), Value::Union(0, Box::new(Value::Null))),
        ]);
        let outer = Value::Record(vec![
            ("b".into(), Value::Boolean(true)),
            ("i".into(), Value::Int(i32::MIN)),
            ("l".into(), Value::Long(i64::MAX)),
            ("f".into(), Value::Float(1.5)),
            ("d".into(), Value::Double(-2.25)),
            ("raw".into(), Value::Bytes(vec![1, 2, 255])),
            ("s".into(), Value::String("한글 ok".into())),
            ("fx".into(), Value::Fixed(2, vec![0xab, 0xcd])),
            ("e".into(), Value::Enum(1, "Y".into())),
            (
                "u".into(),
                Value::Union(2, Box::new(Value::String("t".into()))),
            ),
            (
                "a".into(),
                Value::Array(vec![Value::Int(1), Value::Int(-300)]),
            ),
            (
                "m".into(),
                Value::Map([("k".to_string(), Value::String("v".into()))].into()),
            ),
            ("day".into(), Value::Date(19_000)),
            ("us".into(), Value::TimestampMicros(1_700_000_000_123_456)),
            (
                "dec".into(),
                Value::Decimal(vec![0xff, 0xff, 0xcf, 0xc7].into()),
            ),
            (
                "id".into(),
                Value::Uuid("6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f".parse().unwrap()),
            ),
            ("next".into(), Value::Union(1, Box::new(inner))),
        ]);
        let body = apache_avro::to_avro_datum(&s.schema, outer).unwrap();
        let got = read(&s, &body, &mut JsonBuild).unwrap();
        assert_eq!(
            got,
            json!({
                "b": true, "i": i32::MIN, "l": i64::MAX, "f": 1.5, "d": -2.25,
                "raw": "AQL/", "s": "한글 ok", "fx": "q80=", "e": "Y", "u": "t",
                "a": [1, -300], "m": {"k": "v"}, "day": "2022-01-08",
                "us": "2023-11-14T22:13:20.123456Z", "dec": "-12.345",
                "id": "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
                "next": {
                    "b": false, "i": -1, "l": 0, "f": 0.0, "d": 0.0, "raw": "", "s": "",
                    "fx": "AAA=", "e": "X", "u": null, "a": [], "m": {},
                    "day": "1970-01-01", "us": "1970-01-01T00:00:00Z", "dec": "0.000",
                    "id": "00000000-0000-0000-0000-000000000000", "next": null
                }
            })
        );
    }

    /// A selected read builds the fields named (through unions, into nested
    /// records) and nothing else; what it builds equals the whole read's.
    #[test]
    fn a_selected_read_builds_only_the_fields_named() {
        let s = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"id","type":"long"},
                {"name":"note","type":["null","string"]},
                {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":8,"scale":2}},
                {"name":"m","type":{"type":"map","values":"string"}},
                {"name":"inner","type":["null",{"type":"record","name":"I","fields":[
                    {"name":"a","type":"int"},{"name":"b","type":{"type":"array","items":"string"}}]}]},
                {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}}
            ]}"#,
        );
        let inner = Value::Record(vec![
            ("a".into(), Value::Int(5)),
            ("b".into(), Value::Array(vec![Value::String("z".into())])),
        ]);
        let record = Value::Record(vec![
            ("id".into(), Value::Long(7)),
            (
                "note".into(),
                Value::Union(1, Box::new(Value::String("hi".into()))),
            ),
            ("dec".into(), Value::Decimal(vec![0x04, 0xd2].into())),
            (
                "m".into(),
                Value::Map([("k".to_string(), Value::String("v".into()))].into()),
            ),
            ("inner".into(), Value::Union(1, Box::new(inner))),
            ("e".into(), Value::Enum(1, "Y".into())),
        ]);
        let body = apache_avro::to_avro_datum(&s.schema, record).unwrap();
        let whole = read(&s, &body, &mut JsonBuild).unwrap();
        let selected = |paths: &[&[&str]]| {
            let mut select = Select::present();
            for p in paths {
                select.add(p, true);
            }
            read_selected(&s, &body, &select, &mut JsonBuild).unwrap()
        };
        assert_eq!(selected(&[&["e"]]), json!({"e": "Y"}));
        assert_eq!(
            selected(&[&["inner", "b"], &["id"]]),
            json!({"id": 7, "inner": {"b": ["z"]}})
        );
        // A map is built whole even when a key of it is named.
        assert_eq!(selected(&[&["m", "k"]]), json!({"m": {"k": "v"}}));
        assert_eq!(selected(&[&["nosuch"]]), json!({}));
        assert_eq!(
            read_selected(&s, &body, &Select::present(), &mut JsonBuild).unwrap(),
            json!({})
        );
        assert_eq!(
            selected(&[&["id"], &["note"], &["dec"], &["m"], &["inner"], &["e"]]),
            whole
        );
    }

    /// What a whole read refuses, a selected read refuses too, also where the
    /// corrupt part is one it skips.
    #[test]
    fn a_selected_read_refuses_what_a_whole_read_refuses() {
        let s = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"s","type":"string"},
                {"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}},
                {"name":"u","type":["null","long"]},
                {"name":"b","type":"boolean"},
                {"name":"a","type":{"type":"array","items":"long"}},
                {"name":"id","type":"long"}
            ]}"#,
        );
        let mut only_id = Select::present();
        only_id.add(&["id"], true);
        let good: &[u8] = &[2, b'a', 0, 2, 6, 1, 2, 2, 0, 14];
        assert_eq!(
            read_selected(&s, good, &only_id, &mut JsonBuild).unwrap(),
            json!({"id": 7})
        );
        let corrupt: [&[u8]; 7] = [
            &[2, 0xff, 0, 2, 6, 1, 2, 2, 0, 14], // not UTF-8
            &[2, b'a', 2, 2, 6, 1, 2, 2, 0, 14], // enum index
            &[2, b'a', 0, 4, 1, 2, 2, 0, 14],    // union index
            &[2, b'a', 0, 0, 7, 2, 2, 0, 14],    // boolean byte
            &[2, b'a', 0, 0, 1, 0x80, 0xa8, 0xd6, 0xb9, 0x07, 14], // block
            &[2, b'a', 0, 0, 1, 0, 14, 0],       // bytes after
            &[2, b'a', 0, 0, 1, 0],              // truncated
        ];
        for body in corrupt {
            let whole = read(&s, body, &mut JsonBuild).map(|_| ());
            let selected = read_selected(&s, body, &only_id, &mut JsonBuild).map(|_| ());
            assert!(whole.is_err(), "{body:?}");
            assert_eq!(format!("{whole:?}"), format!("{selected:?}"), "{body:?}");
        }
    }

    #[test]
    fn blocks_with_a_byte_size_are_read() {
        let s = schema(r#"{"type":"array","items":"long"}"#);
        // A block of -2 items (so its size in bytes follows: 2), then the end.
        let body = [3, 4, 2, 4, 0];
        assert_eq!(read(&s, &body, &mut JsonBuild).unwrap(), json!([1, 2]));
    }

    #[test]
    fn hostile_records_are_refused_with_a_reason() {
        let refused = |s: &AvroSchema, body: &[u8]| match read(s, body, &mut JsonBuild) {
            Err(SchemaError::Corrupt(why)) => why,
            other => panic!("{body:?}: {other:?}"),
        };
        let longs = schema(r#"{"type":"array","items":"long"}"#);
        // A block claiming a billion items in three bytes.
        assert!(refused(&longs, &[0x80, 0xa8, 0xd6, 0xb9, 0x07, 2]).contains("block of"));
        // A string longer than the record.
        let s = schema(r#""string""#);
        assert!(refused(&s, &[40, b'a']).contains("truncated"));
        assert!(refused(&s, &[4, 0xff, 0xfe]).contains("not UTF-8"));
        // A union index past the union, an enum index past the symbols.
        let u = schema(r#"["null","long"]"#);
        assert!(refused(&u, &[4]).contains("union index 2 of 2"));
        let e = schema(r#"{"type":"enum","name":"E","symbols":["A"]}"#);
        assert!(refused(&e, &[2]).contains("enum index 1 of 1"));
        // A varint that never ends, bytes left over.
        let l = schema(r#""long""#);
        assert!(refused(&l, &[0xff; 11]).contains("64 bits"));
        assert!(refused(&l, &[2, 0]).contains("1 bytes after"));
        // A linked list deeper than the stack should go.
        let list = schema(
            r#"{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}"#,
        );
        let mut deep = vec![2u8; 1000];
        deep.push(0);
        assert!(refused(&list, &deep).contains("nested deeper"));
        // Nulls take no bytes: their count is bounded by a constant instead.
        let nulls = schema(r#"{"type":"array","items":"null"}"#);
        assert_eq!(
            read(&nulls, &[6, 0], &mut JsonBuild).unwrap(),
            json!([null, null, null])
        );
        assert!(refused(&nulls, &[0xfe, 0xff, 0xff, 0xff, 0x0f, 0]).contains("block of"));
    }

    #[test]
    fn logical_types_and_unions_decode() {
        let schema = AvroSchema::parse(
            r#"{"type":"record","name":"R","fields":[
                {"name":"id","type":"long"},
                {"name":"note","type":["null","string"]},
                {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
                {"name":"tags","type":{"type":"map","values":"int"}},
                {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}}
            ]}"#,
            &[],
        )
        .unwrap();
        // id 7, union branch 1 "hi", 1000 ms, map {a: 1}, enum B.
        let body = [14, 2, 4, b'h', b'i', 0xd0, 0x0f, 2, 2, b'a', 2, 0, 2];
        let v = read(&schema, &body, &mut JsonBuild).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"id": 7, "note": "hi", "at": "1970-01-01T00:00:01Z",
                "tags": {"a": 1}, "kind": "B"})
        );
        assert!(matches!(
            read(&schema, &body[..4], &mut JsonBuild),
            Err(SchemaError::Corrupt(_))
        ));
    }
}
