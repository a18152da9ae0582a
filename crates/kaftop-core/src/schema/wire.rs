//! The Confluent wire format: magic byte 0, a big-endian 4-byte schema id, then
//! (Protobuf only) the message indexes as a zigzag varint count and varints, then
//! the encoded record.

use super::SchemaError;

/// The magic byte that opens a framed record.
pub const MAGIC: u8 = 0;

/// A framed record: the schema id and the bytes after the 5-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framed<'a> {
    pub id: u32,
    pub body: &'a [u8],
}

/// The frame of `bytes`, or `None` when they do not start with the magic byte and
/// an id.
pub fn frame(bytes: &[u8]) -> Option<Framed<'_>> {
    match bytes {
        [MAGIC, a, b, c, d, body @ ..] => Some(Framed {
            id: u32::from_be_bytes([*a, *b, *c, *d]),
            body,
        }),
        _ => None,
    }
}

/// The 5-byte header for schema `id`.
pub fn header(id: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    out.push(MAGIC);
    out.extend_from_slice(&id.to_be_bytes());
    out
}

/// Reads the Protobuf message indexes at the start of `body`: the path to the
/// message type (a count of 0 means `[0]`, the file's first message), and the
/// rest.
pub fn message_indexes(body: &[u8]) -> Result<(Vec<usize>, &[u8]), SchemaError> {
    let mut rest = body;
    let count = zigzag(varint(&mut rest)?);
    if count == 0 {
        return Ok((vec![0], rest));
    }
    let count = usize::try_from(count)
        .ok()
        .filter(|&c| c <= rest.len())
        .ok_or_else(|| SchemaError::Corrupt(format!("message index count {count}")))?;
    let mut indexes = Vec::with_capacity(count);
    for _ in 0..count {
        let i = zigzag(varint(&mut rest)?);
        indexes.push(
            usize::try_from(i).map_err(|_| SchemaError::Corrupt(format!("message index {i}")))?,
        );
    }
    Ok((indexes, rest))
}

/// Writes message indexes as [`message_indexes`] reads them (`[0]` as the single
/// byte 0).
pub fn write_message_indexes(indexes: &[usize], out: &mut Vec<u8>) {
    if indexes == [0] {
        out.push(0);
        return;
    }
    write_varint(unzigzag(indexes.len() as i64), out);
    for &i in indexes {
        write_varint(unzigzag(i as i64), out);
    }
}

fn varint(rest: &mut &[u8]) -> Result<u64, SchemaError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some((&b, tail)) = rest.split_first() else {
            return Err(SchemaError::Corrupt("truncated message indexes".into()));
        };
        *rest = tail;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(SchemaError::Corrupt("message index varint too long".into()))
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn unzigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_indexes_read_back() {
        let mut bytes = header(258);
        write_message_indexes(&[1, 0, 3], &mut bytes);
        bytes.extend_from_slice(b"xy");
        let f = frame(&bytes).unwrap();
        assert_eq!(f.id, 258);
        let (indexes, rest) = message_indexes(f.body).unwrap();
        assert_eq!((indexes, rest), (vec![1, 0, 3], &b"xy"[..]));
        // Count 0: the first message.
        assert_eq!(message_indexes(&[0, 9]).unwrap(), (vec![0], &[9u8][..]));
        assert!(frame(b"{\"a\":1}").is_none());
        assert!(frame(&[0, 0, 1]).is_none());
        assert!(message_indexes(&[0x06, 0x02]).is_err());
    }
}
