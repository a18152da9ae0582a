//! Properties of the STOMP frame codec over generated frames and bytes: what the
//! server encodes decodes to the same frame however the bytes are cut into
//! WebSocket messages, and no client input makes the decoder panic or depend on
//! where a message ended.
//!
//! `cases` is the CI count; `PROPTEST_CASES` overrides it (the million-case run in
//! BENCHMARKS.md).

use proptest::collection::vec;
use proptest::prelude::*;

use super::codec::{Decoder, Frame, FrameError};

fn config(ci_cases: u32) -> ProptestConfig {
    match std::env::var("PROPTEST_CASES") {
        Ok(_) => ProptestConfig::default(),
        Err(_) => ProptestConfig::with_cases(ci_cases),
    }
}

/// Commands whose headers are escaped; CONNECT and CONNECTED are not.
const COMMANDS: [&str; 10] = [
    "SEND",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "ACK",
    "NACK",
    "DISCONNECT",
    "MESSAGE",
    "RECEIPT",
    "ERROR",
    "X-CUSTOM",
];

/// Text with the characters escaping is about (`:`, `\`, CR, LF). Never NUL:
/// STOMP has no escape for it, a NUL in a frame's head ends the frame too early
/// (the decoder refuses it as cut short), and the server writes none there.
fn header_text() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            3 => any::<char>().prop_filter("NUL", |c| *c != '\0'),
            1 => prop::sample::select(vec![':', '\\', '\r', '\n', ' ', 'c', 'n', 'r']),
        ],
        0..12,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![3 => any::<u8>(), 1 => Just(0u8), 1 => Just(b'\n')],
        0..64,
    )
}

/// A frame the server could send: escaped headers, any body (with its length).
fn escaped_frame() -> impl Strategy<Value = Frame> {
    (
        prop::sample::select(COMMANDS.to_vec()),
        vec((header_text(), header_text()), 0..6),
        prop::option::of(body()),
    )
        .prop_map(|(command, headers, body)| {
            let f = headers
                .into_iter()
                .filter(|(k, _)| k != "content-length")
                .fold(Frame::new(command), |f, (k, v)| f.with(&k, v));
            match body {
                Some(b) => f.with_body("application/octet-stream", b),
                None => f,
            }
        })
}

/// CONNECT and CONNECTED, whose headers go unescaped: names without `:` and
/// neither holds an EOL (the protocol cannot carry them there).
fn unescaped_frame() -> impl Strategy<Value = Frame> {
    let name = "[a-z-]{0,10}";
    let value = "[ -~가-힣]{0,16}";
    (
        prop::sample::select(vec!["CONNECT", "CONNECTED"]),
        vec((name, value), 0..6),
    )
        .prop_map(|(command, headers)| {
            headers
                .into_iter()
                .filter(|(k, _)| k != "content-length")
                .fold(Frame::new(command), |f, (k, v)| f.with(&k, v))
        })
}

fn any_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![3 => escaped_frame(), 1 => unescaped_frame()]
}

/// Cut points into `len` bytes, from generated fractions.
fn cuts(len: usize, fractions: &[f64]) -> Vec<usize> {
    let mut at: Vec<usize> = fractions
        .iter()
        .map(|f| ((len as f64) * f) as usize)
        .collect();
    at.push(len);
    at.sort_unstable();
    at
}

/// Everything a decoder yields from `bytes` sent as messages cut at `cut_at`: the
/// frames, then the first error (after which the server closes the connection).
fn decode_in_pieces(bytes: &[u8], cut_at: &[usize]) -> (Vec<Frame>, Option<FrameError>) {
    let mut d = Decoder::default();
    let mut frames = Vec::new();
    let mut from = 0;
    for &to in cut_at {
        if let Err(e) = d.push(&bytes[from..to]) {
            return (frames, Some(e));
        }
        from = to;
        loop {
            match d.next_frame() {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

/// Bytes that look like STOMP often enough to reach past the command line.
fn stompish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        2 => vec(any::<u8>(), 0..4),
        1 => prop::sample::select(vec![
            &b"SEND\n"[..], b"CONNECT\n", b"SUBSCRIBE\r\n", b"content-length:", b"id:",
            b"0", b"3", b"17", b"\n", b"\r\n", b"\0", b":", b"\\", b"\\c", b"\\n", b"\\t",
            b"\xff", b"\xe2\x82", b"destination:/topic/read-receipts\n",
        ])
        .prop_map(<[u8]>::to_vec),
    ];
    vec(token, 0..40).prop_map(|ts| ts.concat())
}

proptest! {
    #![proptest_config(config(3000))]

    /// Encode, then decode: the same frames, in order, whatever the heart-beats
    /// between them and however the bytes are split into messages.
    #[test]
    fn encoded_frames_decode_to_themselves(
        frames in vec(any_frame(), 1..5),
        beats in vec(prop::sample::select(vec!["", "\n", "\r\n", "\n\n"]), 5),
        fractions in vec(0.0..1.0f64, 0..6),
    ) {
        let mut wire = Vec::new();
        for (f, beat) in frames.iter().zip(beats.iter().cycle()) {
            wire.extend_from_slice(beat.as_bytes());
            wire.extend_from_slice(&f.encode());
        }
        let (decoded, error) = decode_in_pieces(&wire, &cuts(wire.len(), &fractions));
        prop_assert_eq!(error, None);
        prop_assert_eq!(decoded, frames);
    }

    /// Any bytes: no panic, and the same frames and the same error whether they
    /// arrive in one message or in many.
    #[test]
    fn any_bytes_decode_the_same_however_cut(
        bytes in prop_oneof![stompish_bytes(), vec(any::<u8>(), 0..256)],
        fractions in vec(0.0..1.0f64, 0..8),
    ) {
        let whole = decode_in_pieces(&bytes, &[bytes.len()]);
        let pieces = decode_in_pieces(&bytes, &cuts(bytes.len(), &fractions));
        prop_assert_eq!(whole, pieces);
    }

    /// What the decoder accepts, the encoder writes back in a form that decodes to
    /// the same frame (escaped commands, whose headers can hold any text).
    #[test]
    fn decoded_frames_re_encode(bytes in stompish_bytes()) {
        let (frames, _) = decode_in_pieces(&bytes, &[bytes.len()]);
        // A command line `X\r\r\n` reads as the command `X\r`, which no server writes.
        let server_writes = |f: &Frame| {
            !matches!(f.command.as_str(), "CONNECT" | "CONNECTED") && !f.command.ends_with('\r')
        };
        for f in frames.into_iter().filter(server_writes) {
            let has_length = f.header("content-length").is_some();
            // Without content-length the body ends at its first NUL, so it has none.
            prop_assert!(has_length || !f.body.contains(&0));
            let (again, error) = decode_in_pieces(&f.encode(), &[f.encode().len()]);
            prop_assert_eq!(error, None);
            prop_assert_eq!(again, vec![f]);
        }
    }
}
