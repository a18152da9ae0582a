//! One connection to one broker: TCP (or TLS over it), ApiVersions, SASL, then
//! framed requests answered in order. Blocking, with the request timeout as the
//! socket's read and write timeout.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
    SaslAuthenticateRequest, SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use openssl::ssl::{
    HandshakeError, SslConnector, SslFiletype, SslMethod, SslStream, SslVerifyMode,
};

use super::error::{code_name, WireError};
use super::scram::{Hash, Scram};
use super::security::{Mechanism, Security, Tls};

/// The largest answer accepted (a metadata answer of 100 000 partitions is ~10 MB).
const MAX_FRAME: usize = 256 * 1024 * 1024;

const CLIENT_ID: &str = "kaftop";

enum Stream {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The version of a request both sides know: the highest of the crate's range
/// and the broker's, when the two overlap.
pub(crate) fn common_version(ours: (i16, i16), theirs: (i16, i16)) -> Option<i16> {
    let low = ours.0.max(theirs.0);
    let high = ours.1.min(theirs.1);
    (low <= high).then_some(high)
}

/// An open, authenticated connection.
pub(crate) struct Conn {
    stream: Stream,
    /// api key → (min, max) version the broker knows.
    versions: HashMap<i16, (i16, i16)>,
    next_id: i32,
}

impl Conn {
    /// Connects to `addr` (`host:port`), secures and authenticates the connection.
    /// Each request sent on the way (ApiVersions, SASL) is counted in `sent`.
    pub(crate) fn open(
        addr: &str,
        security: &Security,
        timeout: Duration,
        sent: &mut u64,
    ) -> Result<Conn, WireError> {
        let (host, _) = addr.rsplit_once(':').unwrap_or((addr, ""));
        let addrs: Vec<SocketAddr> = addr
            .to_socket_addrs()
            .map_err(|e| WireError::Unresolvable(format!("Failed to resolve '{addr}': {e}")))?
            .collect();
        let mut last = WireError::Unresolvable(format!("Failed to resolve '{addr}'"));
        let mut tcp = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = WireError::Unreachable(format!("connect to {addr}: {e}")),
            }
        }
        let tcp = tcp.ok_or(last)?;
        tcp.set_nodelay(true).map_err(|e| WireError::io(&e))?;
        tcp.set_read_timeout(Some(timeout))
            .and_then(|()| tcp.set_write_timeout(Some(timeout)))
            .map_err(|e| WireError::io(&e))?;
        let stream = match &security.tls {
            Some(tls) => Stream::Tls(Box::new(handshake(tls, host, tcp)?)),
            None => Stream::Plain(tcp),
        };
        let mut conn = Conn {
            stream,
            versions: HashMap::new(),
            next_id: 0,
        };
        conn.api_versions(sent)?;
        if let Some(sasl) = &security.sasl {
            conn.authenticate(sasl, sent)?;
        }
        Ok(conn)
    }

    /// The version of `R` to send here, if the broker knows one at or above `min`.
    pub(crate) fn version_of<R: Request>(&self, min: i16) -> Option<i16> {
        let theirs = *self.versions.get(&R::KEY)?;
        common_version((R::VERSIONS.min.max(min), R::VERSIONS.max), theirs)
    }

    /// Whether the broker knows `key` at `min` or later.
    pub(crate) fn knows(&self, key: i16, min: i16) -> bool {
        self.versions.get(&key).is_some_and(|(_, max)| *max >= min)
    }

    /// Sends `req` at `version` and reads its answer.
    pub(crate) fn call<R: Request>(
        &mut self,
        req: &R,
        version: i16,
    ) -> Result<R::Response, WireError> {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        let mut header = RequestHeader::default();
        header.request_api_key = R::KEY;
        header.request_api_version = version;
        header.correlation_id = id;
        header.client_id = Some(StrBytes::from_static_str(CLIENT_ID));
        let mut body = BytesMut::new();
        let encode = |e| protocol_error("encoding", R::KEY, e);
        header
            .encode(&mut body, R::header_version(version))
            .map_err(encode)?;
        req.encode(&mut body, version).map_err(encode)?;
        let mut frame = BytesMut::with_capacity(body.len() + 4);
        frame.put_i32(body.len() as i32);
        frame.extend_from_slice(&body);
        self.stream
            .write_all(&frame)
            .and_then(|()| self.stream.flush())
            .map_err(|e| WireError::io(&e))?;
        let mut answer = self.read_frame()?;
        let decode = |e| protocol_error("decoding", R::KEY, e);
        let head = ResponseHeader::decode(
            &mut answer,
            <R::Response as HeaderVersion>::header_version(version),
        )
        .map_err(decode)?;
        if head.correlation_id != id {
            return Err(WireError::Protocol(format!(
                "answer {} to request {id}",
                head.correlation_id
            )));
        }
        R::Response::decode(&mut answer, version).map_err(decode)
    }

    fn read_frame(&mut self) -> Result<Bytes, WireError> {
        let mut size = [0u8; 4];
        self.stream
            .read_exact(&mut size)
            .map_err(|e| WireError::io(&e))?;
        let size = i32::from_be_bytes(size);
        let size = usize::try_from(size)
            .ok()
            .filter(|s| *s <= MAX_FRAME)
            .ok_or_else(|| WireError::Protocol(format!("answer of {size} bytes")))?;
        let mut buf = vec![0u8; size];
        self.stream
            .read_exact(&mut buf)
            .map_err(|e| WireError::io(&e))?;
        Ok(Bytes::from(buf))
    }

    fn api_versions(&mut self, sent: &mut u64) -> Result<(), WireError> {
        let mut req = ApiVersionsRequest::default();
        req.client_software_name = StrBytes::from_static_str("kaftop");
        req.client_software_version = StrBytes::from_static_str(env!("CARGO_PKG_VERSION"));
        *sent += 1;
        let mut answer: ApiVersionsResponse = self.call(&req, 3)?;
        if answer.error_code == 35 {
            // UNSUPPORTED_VERSION: an old broker; v0 is always understood.
            *sent += 1;
            answer = self.call(&req, 0)?;
        }
        if answer.error_code != 0 {
            return Err(WireError::Broker(format!(
                "ApiVersions: {}",
                code_name(answer.error_code)
            )));
        }
        self.versions = answer
            .api_keys
            .iter()
            .map(|k| (k.api_key, (k.min_version, k.max_version)))
            .collect();
        Ok(())
    }

    fn authenticate(
        &mut self,
        sasl: &super::security::Sasl,
        sent: &mut u64,
    ) -> Result<(), WireError> {
        let mech = sasl.mechanism.name();
        let hs_version =
            self.version_of::<SaslHandshakeRequest>(1)
                .ok_or(WireError::Unsupported {
                    api: "SaslHandshake",
                    min: 1,
                })?;
        let mut hs = SaslHandshakeRequest::default();
        hs.mechanism = StrBytes::from_static_str(mech);
        *sent += 1;
        let answer = self.call(&hs, hs_version)?;
        if answer.error_code != 0 {
            let enabled: Vec<&str> = answer.mechanisms.iter().map(|m| m.as_str()).collect();
            // As librdkafka words it.
            return Err(WireError::Authentication(format!(
                "SASL {mech} mechanism handshake failed: Broker: {}: \
                 broker's supported mechanisms: {}",
                code_name(answer.error_code),
                enabled.join(",")
            )));
        }
        match sasl.mechanism {
            Mechanism::Plain => {
                let token = format!("\0{}\0{}", sasl.username, sasl.password);
                self.sasl_step(token.into_bytes(), sent)?;
            }
            Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
                let hash = if sasl.mechanism == Mechanism::ScramSha256 {
                    Hash::Sha256
                } else {
                    Hash::Sha512
                };
                let mut scram = Scram::new(hash, &sasl.username)?;
                let first = self.sasl_step(scram.client_first().into_bytes(), sent)?;
                let last = scram.client_final(&first, &sasl.password)?;
                let server_final = self.sasl_step(last.into_bytes(), sent)?;
                scram.verify_server_final(&server_final)?;
            }
        }
        Ok(())
    }

    /// One SaslAuthenticate round: sends `token`, returns the broker's.
    fn sasl_step(&mut self, token: Vec<u8>, sent: &mut u64) -> Result<Bytes, WireError> {
        let version =
            self.version_of::<SaslAuthenticateRequest>(0)
                .ok_or(WireError::Unsupported {
                    api: "SaslAuthenticate",
                    min: 0,
                })?;
        let mut req = SaslAuthenticateRequest::default();
        req.auth_bytes = Bytes::from(token);
        *sent += 1;
        let answer = self.call(&req, version)?;
        if answer.error_code != 0 {
            let message = answer
                .error_message
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_else(|| code_name(answer.error_code));
            return Err(WireError::Authentication(format!(
                "SASL authentication error: {message}"
            )));
        }
        Ok(answer.auth_bytes)
    }
}

/// The TLS handshake on `tcp`, trusting the profile's CA.
fn handshake(tls: &Tls, host: &str, tcp: TcpStream) -> Result<SslStream<TcpStream>, WireError> {
    let setup = |e: openssl::error::ErrorStack| WireError::Tls(format!("SSL setup failed: {e}"));
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(setup)?;
    if let Some(ca) = &tls.ca {
        b.set_ca_file(ca).map_err(|e| {
            WireError::Tls(format!("ssl.ca.location failed: {}: {e}", ca.display()))
        })?;
    }
    if let Some(cert) = &tls.certificate {
        b.set_certificate_chain_file(cert).map_err(setup)?;
    }
    if let Some(key) = &tls.key {
        match &tls.key_password {
            Some(pw) => {
                let pem = std::fs::read(key)
                    .map_err(|e| WireError::Tls(format!("ssl.key.location: {e}")))?;
                let pkey =
                    openssl::pkey::PKey::private_key_from_pem_passphrase(&pem, pw.as_bytes())
                        .map_err(|_| {
                            WireError::Tls("ssl.key.location: cannot decrypt the key".into())
                        })?;
                b.set_private_key(&pkey).map_err(setup)?;
            }
            None => b
                .set_private_key_file(key, SslFiletype::PEM)
                .map_err(setup)?,
        }
    }
    if !tls.verify_certificate {
        b.set_verify(SslVerifyMode::NONE);
    }
    let mut config = b.build().configure().map_err(setup)?;
    config.set_verify_hostname(tls.verify_hostname && tls.verify_certificate);
    config.connect(host, tcp).map_err(|e| match e {
        HandshakeError::SetupFailure(e) => setup(e),
        HandshakeError::Failure(mid) | HandshakeError::WouldBlock(mid) => {
            let verify = mid.ssl().verify_result();
            let mut detail = format!("SSL handshake failed: {}", mid.error());
            if verify.as_raw() != 0 {
                detail.push_str(&format!(
                    ": broker certificate could not be verified: {}",
                    verify.error_string()
                ));
            }
            WireError::Tls(detail)
        }
    })
}

fn protocol_error(doing: &str, key: i16, e: impl std::fmt::Display) -> WireError {
    WireError::Protocol(format!("{doing} {}: {e}", api_name(key)))
}

/// Kafka's name of an API, for errors.
pub(crate) fn api_name(key: i16) -> String {
    ApiKey::try_from(key)
        .map(|k| format!("{k:?}"))
        .unwrap_or_else(|_| format!("api {key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_highest_both_know() {
        assert_eq!(common_version((0, 9), (0, 10)), Some(9));
        assert_eq!(common_version((8, 9), (0, 7)), None);
        assert_eq!(common_version((0, 4), (3, 12)), Some(4));
        assert_eq!(common_version((4, 6), (0, 5)), Some(5));
    }
}
