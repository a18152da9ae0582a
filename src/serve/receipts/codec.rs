//! STOMP 1.2 frames: parsing what a client sends and writing what the server
//! sends. A frame is a command line, header lines (`name:value`), a blank line,
//! the body and a NUL octet; lines end with LF or CR LF. Header names and values
//! are escaped (`\r`, `\n`, `\c` for `:`, `\\`) in every frame except CONNECT and
//! CONNECTED. Between frames a client may send bare EOLs (heart-beats).
//!
//! [`Decoder`] keeps what it was given across WebSocket messages, so a frame split
//! over several messages (or several frames in one) parses the same.

use thiserror::Error;

/// Largest frame a client may send (headers and body), and so the most the
/// decoder buffers: the server expects only small control frames.
pub(crate) const MAX_FRAME: usize = 64 * 1024;
/// Most header lines in one frame.
const MAX_HEADERS: usize = 64;

/// One STOMP frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) command: String,
    /// In the order sent; a repeated header keeps its first value (see [`Frame::header`]).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// Why a client's bytes are not a STOMP frame. Fatal: the server answers with an
/// ERROR frame and closes the connection.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum FrameError {
    #[error("frame larger than {MAX_FRAME} bytes")]
    TooLarge,
    #[error("more than {MAX_HEADERS} headers")]
    TooManyHeaders,
    #[error("frame is not UTF-8 in its command or headers")]
    NotUtf8,
    #[error("empty command line")]
    NoCommand,
    #[error("header line without a colon: {0:?}")]
    NoColon(String),
    #[error("undefined escape sequence in header {0:?}")]
    BadEscape(String),
    #[error("invalid content-length {0:?}")]
    BadContentLength(String),
    #[error("the body of {0} is not followed by a NUL octet")]
    NoNul(String),
    #[error("the frame ended (NUL octet) before the blank line that ends its headers")]
    CutShort,
}

impl Frame {
    pub(crate) fn new(command: &str) -> Self {
        Frame {
            command: command.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub(crate) fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets the body, with its `content-type` and `content-length` headers.
    pub(crate) fn with_body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let mut f = self
            .with("content-type", content_type)
            .with("content-length", body.len().to_string());
        f.body = body;
        f
    }

    /// The first value of a header (STOMP 1.2: a repeated header's first value wins).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The frame as sent on the wire.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let raw = escapes_headers(&self.command);
        let mut out = Vec::with_capacity(64 + self.body.len());
        out.extend_from_slice(self.command.as_bytes());
        out.push(b'\n');
        for (k, v) in &self.headers {
            if raw {
                push_escaped(&mut out, k);
                out.push(b':');
                push_escaped(&mut out, v);
            } else {
                out.extend_from_slice(k.as_bytes());
                out.push(b':');
                out.extend_from_slice(v.as_bytes());
            }
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out.push(0);
        out
    }
}

/// Whether a command's headers are escaped: all but CONNECT and CONNECTED.
fn escapes_headers(command: &str) -> bool {
    !matches!(command, "CONNECT" | "CONNECTED")
}

fn push_escaped(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b':' => out.extend_from_slice(b"\\c"),
            _ => out.push(b),
        }
    }
}

fn unescape(s: &str) -> Result<String, FrameError> {
    if !s.contains('\\') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some('c') => out.push(':'),
            _ => return Err(FrameError::BadEscape(s.to_string())),
        }
    }
    Ok(out)
}

/// Collects a client's bytes and yields whole frames.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    /// Appends bytes (one WebSocket message).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        if self.buf.len() + bytes.len() > MAX_FRAME + 1 {
            return Err(FrameError::TooLarge);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// The next whole frame, `None` until one is complete. Heart-beats (bare EOLs
    /// between frames) are skipped.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let skip = self
            .buf
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .unwrap_or(self.buf.len());
        self.buf.drain(..skip);
        if self.buf.is_empty() {
            return Ok(None);
        }
        match parse_one(&self.buf)? {
            Some((frame, used)) => {
                self.buf.drain(..used);
                Ok(Some(frame))
            }
            None if self.buf.len() > MAX_FRAME => Err(FrameError::TooLarge),
            None => Ok(None),
        }
    }
}

/// The next line of `buf` from `at`, without its EOL, and where the line after it
/// starts; `None` when no EOL has arrived yet.
fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let end = at + buf[at..].iter().position(|&b| b == b'\n')?;
    let text = &buf[at..end];
    Some((text.strip_suffix(b"\r").unwrap_or(text), end + 1))
}

/// [`line`] in the command and headers, where a NUL octet ends the frame too
/// early: that frame can never be completed, so it is refused now rather than
/// when the client's time runs out.
fn head_line(buf: &[u8], at: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    match line(buf, at) {
        Some((text, _)) if text.contains(&0) => Err(FrameError::CutShort),
        None if buf[at..].contains(&0) => Err(FrameError::CutShort),
        found => Ok(found),
    }
}

/// Parses a frame at the start of `buf`: the frame and how many bytes it took, or
/// `None` when it is incomplete.
fn parse_one(buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    let Some((command, mut at)) = head_line(buf, 0)? else {
        return Ok(None);
    };
    let command = std::str::from_utf8(command).map_err(|_| FrameError::NotUtf8)?;
    if command.is_empty() {
        return Err(FrameError::NoCommand);
    }
    let escaped = escapes_headers(command);
    let mut headers = Vec::new();
    loop {
        let Some((text, next)) = head_line(buf, at)? else {
            return Ok(None);
        };
        at = next;
        if text.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(FrameError::TooManyHeaders);
        }
        let text = std::str::from_utf8(text).map_err(|_| FrameError::NotUtf8)?;
        let Some((k, v)) = text.split_once(':') else {
            return Err(FrameError::NoColon(text.to_string()));
        };
        headers.push(if escaped {
            (unescape(k)?, unescape(v)?)
        } else {
            (k.to_string(), v.to_string())
        });
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| FrameError::BadContentLength(v.clone()))
        })
        .transpose()?;
    let body_end = match length {
        Some(n) if n > MAX_FRAME => return Err(FrameError::TooLarge),
        Some(n) if buf.len() <= at + n => return Ok(None),
        Some(n) if buf[at + n] != 0 => return Err(FrameError::NoNul(command.to_string())),
        Some(n) => at + n,
        None => match buf[at..].iter().position(|&b| b == 0) {
            Some(p) => at + p,
            None => return Ok(None),
        },
    };
    let frame = Frame {
        command: command.to_string(),
        headers,
        body: buf[at..body_end].to_vec(),
    };
    Ok(Some((frame, body_end + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Result<Vec<Frame>, FrameError> {
        let mut d = Decoder::default();
        d.push(bytes)?;
        let mut out = Vec::new();
        while let Some(f) = d.next_frame()? {
            out.push(f);
        }
        Ok(out)
    }

    #[test]
    fn parses_what_stompjs_sends() {
        let connect =
            b"CONNECT\nlogin:100\naccept-version:1.2,1.1,1.0\nheart-beat:10000,10000\n\n\0";
        let f = decode_all(connect).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].command, "CONNECT");
        assert_eq!(f[0].header("login"), Some("100"));
        assert_eq!(f[0].header("accept-version"), Some("1.2,1.1,1.0"));
        assert!(f[0].body.is_empty());
    }

    #[test]
    fn crlf_heartbeats_and_several_frames_in_one_message() {
        let bytes = b"\r\n\nSUBSCRIBE\r\nid:sub-0\r\ndestination:/user/topic/read-receipts\r\n\r\n\0\nUNSUBSCRIBE\nid:sub-0\n\n\0\n";
        let f = decode_all(bytes).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0].header("destination"),
            Some("/user/topic/read-receipts")
        );
        assert_eq!(f[1].command, "UNSUBSCRIBE");
    }

    #[test]
    fn a_frame_split_over_messages() {
        let whole = b"SEND\ndestination:/x\ncontent-length:5\n\na\0b\0c\0";
        for cut in 1..whole.len() {
            let mut d = Decoder::default();
            d.push(&whole[..cut]).unwrap();
            assert_eq!(d.next_frame().unwrap(), None, "cut at {cut}");
            d.push(&whole[cut..]).unwrap();
            let f = d.next_frame().unwrap().unwrap();
            // content-length lets the body hold NULs.
            assert_eq!(f.body, b"a\0b\0c");
            assert_eq!(d.next_frame().unwrap(), None);
        }
    }

    #[test]
    fn header_escaping_round_trips() {
        let f = Frame::new("MESSAGE")
            .with("odd:name", "a\\b\nc\rd:e")
            .with_body("application/json", "{}");
        let wire = f.encode();
        let text = String::from_utf8(wire.clone()).unwrap();
        assert!(
            text.starts_with("MESSAGE\nodd\\cname:a\\\\b\\nc\\rd\\ce\ncontent-type:application/json\ncontent-length:2\n\n{}\0"),
            "{text:?}"
        );
        assert_eq!(decode_all(&wire).unwrap(), vec![f]);
    }

    #[test]
    fn connect_and_connected_are_not_escaped() {
        let wire = Frame::new("CONNECTED").with("server", "a:b\\c").encode();
        assert_eq!(wire, b"CONNECTED\nserver:a:b\\c\n\n\0");
        let f = decode_all(b"CONNECT\nlogin:a\\b:c\n\n\0").unwrap();
        assert_eq!(f[0].header("login"), Some("a\\b:c"));
    }

    #[test]
    fn the_first_of_repeated_headers_wins() {
        let f = decode_all(b"SUBSCRIBE\nid:1\nid:2\ndestination:/d\n\n\0").unwrap();
        assert_eq!(f[0].header("id"), Some("1"));
    }

    #[test]
    fn bad_frames_are_named() {
        use FrameError::*;
        let cases: [(&[u8], FrameError); 6] = [
            (b"SEND\nno colon\n\n\0", NoColon("no colon".into())),
            (b"SEND\nk:\\t\n\n\0", BadEscape("\\t".into())),
            (b"SEND\nk:trailing\\\n\n\0", BadEscape("trailing\\".into())),
            (
                b"SEND\ncontent-length:x\n\n\0",
                BadContentLength("x".into()),
            ),
            (b"SEND\ncontent-length:1\n\nab\0", NoNul("SEND".into())),
            (b"\xff\xfe\n\n\0", NotUtf8),
        ];
        for (bytes, want) in cases {
            assert_eq!(decode_all(bytes), Err(want), "{bytes:?}");
        }
        let mut many = b"SEND\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("h{i}:v\n").as_bytes());
        }
        many.extend_from_slice(b"\n\0");
        assert_eq!(decode_all(&many), Err(TooManyHeaders));
    }

    #[test]
    fn a_frame_cut_short_by_its_nul_is_refused_at_once() {
        for bytes in [
            &b"CONNECT\0"[..],
            b"CONNECT\nlogin:1\0",
            b"CONNECT\nlogin:1\naccept-version:1.2\0\n",
            b"SEND\nk:v\0\n\n",
        ] {
            assert_eq!(decode_all(bytes), Err(FrameError::CutShort), "{bytes:?}");
        }
        // A NUL in the body is the end of the frame, as always.
        assert_eq!(decode_all(b"SEND\nk:v\n\nbody\0").unwrap().len(), 1);
    }

    #[test]
    fn an_endless_frame_is_refused() {
        let mut d = Decoder::default();
        let chunk = vec![b'a'; 16 * 1024];
        let mut refused = false;
        for _ in 0..8 {
            if d.push(&chunk).is_err() {
                refused = true;
                break;
            }
            assert_eq!(d.next_frame(), Ok(None));
        }
        assert!(refused);
        let huge = format!("SEND\ncontent-length:{}\n\n", MAX_FRAME + 1);
        assert_eq!(decode_all(huge.as_bytes()), Err(FrameError::TooLarge));
    }
}
