//! Avro: a registered schema parsed once, records decoded to JSON with the
//! schema's logical types written as people read them (decimals as exact decimal
//! strings, timestamps and dates in RFC 3339), unions as the value they hold,
//! bytes as base64.

use std::collections::HashMap;

use super::SchemaError;
use apache_avro::schema::{Name, ResolvedSchema, Schema};

#[derive(Debug)]
pub(super) struct AvroSchema {
    pub(super) schema: Schema,
    /// Named types of the schema and its references, for `Ref`s and decimals.
    pub(super) names: HashMap<Name, Schema>,
    pub(super) schemata: Vec<Schema>,
}

impl AvroSchema {
    /// Parses `text` with the schemas it references (named types).
    pub(super) fn parse(text: &str, references: &[String]) -> Result<AvroSchema, SchemaError> {
        let invalid = |e: apache_avro::Error| SchemaError::Invalid(e.to_string());
        let (schema, schemata) = if references.is_empty() {
            (Schema::parse_str(text).map_err(invalid)?, Vec::new())
        } else {
            Schema::parse_str_with_list(text, references).map_err(invalid)?
        };
        let mut all: Vec<&Schema> = schemata.iter().collect();
        all.push(&schema);
        let names = ResolvedSchema::try_from(all)
            .map_err(invalid)?
            .get_names()
            .iter()
            .map(|(n, s)| (n.clone(), (*s).clone()))
            .collect();
        Ok(AvroSchema {
            schema,
            names,
            schemata,
        })
    }

    pub(super) fn resolve<'a>(&'a self, schema: &'a Schema) -> &'a Schema {
        match schema {
            Schema::Ref { name } => self.names.get(name).unwrap_or(schema),
            other => other,
        }
    }
}

/// A two's-complement big-endian unscaled value with `scale` digits after the
/// point, exactly.
pub(super) fn decimal_text(bytes: &[u8], scale: usize) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // Magnitude as base-1e9 limbs, little end first.
    let mut limbs: Vec<u32> = vec![0];
    let mut borrow = true;
    let mut magnitude: Vec<u8> = bytes.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in magnitude.iter_mut().rev() {
            *b = !*b;
            if borrow {
                let (v, o) = b.overflowing_add(1);
                *b = v;
                borrow = o;
            }
        }
    }
    for &byte in &magnitude {
        let mut carry = u64::from(byte);
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * 256 + carry;
            *limb = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    let mut digits = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            digits.push_str(&limb.to_string());
        } else {
            digits.push_str(&format!("{limb:09}"));
        }
    }
    if digits.len() <= scale {
        digits = format!("{}{digits}", "0".repeat(scale + 1 - digits.len()));
    }
    let (int, frac) = digits.split_at(digits.len() - scale);
    let sign = if negative { "-" } else { "" };
    if scale == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

pub(super) fn date(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(i64::from(days))))
        .map_or_else(|| days.to_string(), |d| d.to_string())
}

pub(super) fn time_of_day(nanos: i64) -> String {
    let secs = u32::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0);
    let frac = u32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or(0);
    chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, frac)
        .map_or_else(|| nanos.to_string(), |t| t.to_string())
}

pub(super) fn timestamp(nanos: i128) -> String {
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0);
    let frac = u32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, frac).map_or_else(
        || nanos.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal_text(&[0x04, 0xd2], 2), "12.34");
        assert_eq!(decimal_text(&[0xfb, 0x2e], 2), "-12.34");
        assert_eq!(decimal_text(&[0x05], 3), "0.005");
        assert_eq!(decimal_text(&[0xff; 20], 0), "-1");
        let big = [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decimal_text(&big, 4), "60446290980731458735.3087");
    }
}
