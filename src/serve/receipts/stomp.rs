//! One STOMP 1.2 connection over WebSocket: CONNECT (or STOMP) names the user,
//! SUBSCRIBE to the read-receipt destination delivers that user's receipts as
//! MESSAGE frames; UNSUBSCRIBE, ACK/NACK (accepted, nothing to redeliver),
//! DISCONNECT; any client frame may ask for a RECEIPT. A bad frame gets an ERROR
//! frame and the connection is closed, as the protocol says.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use tokio::sync::mpsc;

use super::access::Access;
use super::codec::{Decoder, Frame};
use super::heartbeat::{self, HeartBeat};
use super::hub::{Kick, ReceiptHub};
use super::DESTINATIONS;

/// How long a new connection has to send CONNECT.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Subscriptions one connection may hold.
const MAX_SUBSCRIPTIONS: usize = 16;
/// How long the last frames (ERROR, RECEIPT, close) may take to go out.
const FAREWELL_TIMEOUT: Duration = Duration::from_secs(1);

/// A fatal protocol problem: the ERROR frame's `message`, and the `receipt` of
/// the frame that caused it.
#[derive(Debug)]
struct ProtocolError {
    message: String,
    receipt: Option<String>,
}

impl ProtocolError {
    fn new(message: impl Into<String>, cause: Option<&Frame>) -> Self {
        ProtocolError {
            message: message.into(),
            receipt: cause.and_then(|f| f.header("receipt")).map(str::to_string),
        }
    }

    fn frame(&self) -> Frame {
        let mut f = Frame::new("ERROR").with("message", self.message.clone());
        if let Some(r) = &self.receipt {
            f = f.with("receipt-id", r.clone());
        }
        f.with_body("text/plain", self.message.clone())
    }
}

/// How a connection ended.
enum End {
    /// The client closed the socket, or it broke.
    Gone,
    /// DISCONNECT, with the RECEIPT to send if it asked for one.
    Disconnect(Option<Frame>),
    Error(ProtocolError),
    Kicked(Kick),
    /// The hub let go of the connection (it sends why).
    Unregistered,
}

struct Subscription {
    id: String,
    destination: String,
    /// `client` or `client-individual`: the MESSAGE carries an `ack` header.
    acks: bool,
}

pub(super) async fn connection(
    mut socket: WebSocket,
    hub: Arc<ReceiptHub>,
    access: Arc<Access>,
    upgrade_token: Option<String>,
) {
    let mut decoder = Decoder::default();
    let who = Who {
        access: &access,
        upgrade_token: upgrade_token.as_deref(),
    };
    let connected = tokio::time::timeout(CONNECT_TIMEOUT, connect(&mut socket, &mut decoder, who));
    let end = match connected.await {
        Err(_) => End::Error(ProtocolError::new("no CONNECT frame in time", None)),
        Ok(Err(end)) => end,
        Ok(Ok((user, hb))) => match hub.register(user) {
            None => End::Kicked(Kick::Shutdown),
            Some(mut reg) => {
                let reply = Frame::new("CONNECTED")
                    .with("version", "1.2")
                    .with("heart-beat", heartbeat::server_header())
                    .with("server", concat!("kaftop/", env!("CARGO_PKG_VERSION")))
                    .with("user-name", user.to_string());
                if send(&mut socket, &reply).await.is_err() {
                    return;
                }
                let id = reg.id();
                let end = tokio::select! {
                    end = session(&mut socket, &mut decoder, &mut reg.receipts, id, hb) => end,
                    kick = &mut reg.kicked => End::Kicked(kick.unwrap_or(Kick::Shutdown)),
                };
                match end {
                    End::Unregistered => {
                        End::Kicked(reg.kicked.try_recv().unwrap_or(Kick::Shutdown))
                    }
                    end => end,
                }
            }
        },
    };
    farewell(socket, end).await;
}

/// How a CONNECT proves its user.
#[derive(Clone, Copy)]
struct Who<'a> {
    access: &'a Access,
    /// The upgrade request's `Authorization` header.
    upgrade_token: Option<&'a str>,
}

/// Waits for CONNECT (or STOMP): the user it names and the heart-beats agreed.
async fn connect(
    socket: &mut WebSocket,
    decoder: &mut Decoder,
    who: Who<'_>,
) -> Result<(i64, HeartBeat), End> {
    let frame = loop {
        if let Some(f) = next_frame(socket, decoder).await? {
            break f;
        }
    };
    if frame.command != "CONNECT" && frame.command != "STOMP" {
        return Err(End::Error(ProtocolError::new(
            format!("expected CONNECT, got {}", frame.command),
            Some(&frame),
        )));
    }
    let versions = frame.header("accept-version").unwrap_or("1.0");
    if !versions.split(',').any(|v| v.trim() == "1.2") {
        return Err(End::Error(ProtocolError::new(
            format!("supported protocol version is 1.2, the client accepts {versions}"),
            Some(&frame),
        )));
    }
    let named = frame.header("login").or_else(|| frame.header("user-id"));
    let user = if who.access.requires_jwt() {
        jwt_user(&frame, who, named)?
    } else {
        named_user(&frame, named)?
    };
    let hb = HeartBeat::negotiate(frame.header("heart-beat"))
        .map_err(|e| End::Error(ProtocolError::new(e, Some(&frame))))?;
    Ok((user, hb))
}

/// The user a JWT proves: from `passcode`, an `Authorization` header on CONNECT
/// or on the upgrade request. A `login` given too must name the same user.
fn jwt_user(frame: &Frame, who: Who<'_>, named: Option<&str>) -> Result<i64, End> {
    let refuse = |why: String| End::Error(ProtocolError::new(why, Some(frame)));
    let token = frame
        .header("passcode")
        .or_else(|| frame.header("Authorization"))
        .or_else(|| frame.header("authorization"))
        .or(who.upgrade_token)
        .ok_or_else(|| {
            refuse(
                "CONNECT must carry a JWT: its `passcode` or `Authorization: Bearer <jwt>` header"
                    .into(),
            )
        })?;
    let user = who.access.user_of(token).map_err(refuse)?;
    match named.map(|n| n.trim().parse::<i64>()) {
        Some(Ok(n)) if n == user => Ok(user),
        None => Ok(user),
        Some(_) => Err(refuse(
            "the login is not the token's subject: a client receives only its own receipts".into(),
        )),
    }
}

/// The user a `login` (or `user-id`) header names, on loopback without JWTs.
fn named_user(frame: &Frame, named: Option<&str>) -> Result<i64, End> {
    let Some(id) = named else {
        return Err(End::Error(ProtocolError::new(
            "CONNECT must name the user: a `login` (or `user-id`) header with the user id",
            Some(frame),
        )));
    };
    let user = match id.trim().parse::<i64>() {
        Ok(user) if user > 0 => user,
        Ok(_) => {
            return Err(End::Error(ProtocolError::new(
                format!("the user id must be greater than 0, not {id:?}"),
                Some(frame),
            )))
        }
        Err(_) => {
            return Err(End::Error(ProtocolError::new(
                format!("the user id must be an integer, not {id:?}"),
                Some(frame),
            )))
        }
    };
    Ok(user)
}

/// Reads until a whole frame is decoded; `Ok(None)` when a message held none yet.
async fn next_frame(socket: &mut WebSocket, decoder: &mut Decoder) -> Result<Option<Frame>, End> {
    if let Some(f) = decoder.next_frame().map_err(bad_frame)? {
        return Ok(Some(f));
    }
    let bytes = match socket.recv().await {
        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Err(End::Gone),
        Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
        Some(Ok(Message::Binary(b))) => b.to_vec(),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Ok(None),
    };
    decoder.push(&bytes).map_err(bad_frame)?;
    decoder.next_frame().map_err(bad_frame)
}

fn bad_frame(e: super::codec::FrameError) -> End {
    End::Error(ProtocolError::new(e.to_string(), None))
}

async fn session(
    socket: &mut WebSocket,
    decoder: &mut Decoder,
    receipts: &mut mpsc::Receiver<Arc<str>>,
    conn: u64,
    hb: HeartBeat,
) -> End {
    let mut subs: Vec<Subscription> = Vec::new();
    let mut sent: u64 = 0;
    let mut beats = hb.send.map(|d| {
        let mut i = tokio::time::interval_at(Instant::now() + d, d);
        // After a long send, one beat, not a burst of them.
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        i
    });
    let silence = hb.silence_limit();
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            () = tick(&mut beats) => {
                if socket.send(Message::Text("\n".into())).await.is_err() {
                    return End::Gone;
                }
            }
            () = until(silence.map(|d| heard + d)) => {
                tracing::debug!(conn, "STOMP client silent past its heart-beat: closing");
                return End::Gone;
            }
            body = receipts.recv() => {
                let Some(body) = body else {
                    return End::Unregistered;
                };
                for s in &subs {
                    sent += 1;
                    let id = format!("{conn}-{sent}");
                    let mut f = Frame::new("MESSAGE")
                        .with("destination", s.destination.clone())
                        .with("subscription", s.id.clone())
                        .with("message-id", id.clone());
                    if s.acks {
                        f = f.with("ack", id);
                    }
                    if send(socket, &f.with_body("application/json", body.as_bytes())).await.is_err() {
                        return End::Gone;
                    }
                }
            }
            frame = next_frame(socket, decoder) => {
                heard = Instant::now();
                let frame = match frame {
                    Ok(Some(f)) => f,
                    Ok(None) => continue,
                    Err(end) => return end,
                };
                match handle(&mut subs, &frame) {
                    Err(e) => return End::Error(e),
                    Ok(true) => return End::Disconnect(receipt_for(&frame)),
                    Ok(false) => {}
                }
                if let Some(r) = receipt_for(&frame) {
                    if send(socket, &r).await.is_err() {
                        return End::Gone;
                    }
                }
            }
        }
    }
}

/// The next tick of the heart-beat timer; never without one.
async fn tick(beats: &mut Option<tokio::time::Interval>) {
    match beats {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Sleeps until `deadline`; forever without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Applies a client frame to the subscriptions; true for DISCONNECT.
fn handle(subs: &mut Vec<Subscription>, f: &Frame) -> Result<bool, ProtocolError> {
    let required = |name: &str| {
        f.header(name).ok_or_else(|| {
            ProtocolError::new(format!("{} needs the `{name}` header", f.command), Some(f))
        })
    };
    match f.command.as_str() {
        "SUBSCRIBE" => {
            let id = required("id")?;
            let destination = required("destination")?;
            if !DESTINATIONS.contains(&destination) {
                return Err(ProtocolError::new(
                    format!(
                        "unknown destination {destination}: subscribe to {}",
                        DESTINATIONS.join(" or ")
                    ),
                    Some(f),
                ));
            }
            if subs.iter().any(|s| s.id == id) {
                return Err(ProtocolError::new(
                    format!("subscription id {id} is in use"),
                    Some(f),
                ));
            }
            if subs.len() == MAX_SUBSCRIPTIONS {
                return Err(ProtocolError::new(
                    format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"),
                    Some(f),
                ));
            }
            let acks = match f.header("ack").unwrap_or("auto") {
                "auto" => false,
                "client" | "client-individual" => true,
                other => {
                    return Err(ProtocolError::new(
                        format!("unknown ack mode {other}"),
                        Some(f),
                    ))
                }
            };
            subs.push(Subscription {
                id: id.to_string(),
                destination: destination.to_string(),
                acks,
            });
        }
        "UNSUBSCRIBE" => {
            let id = required("id")?;
            subs.retain(|s| s.id != id);
        }
        // Receipts are not redelivered: an acknowledgement has nothing to settle.
        "ACK" | "NACK" => {
            required("id")?;
        }
        "DISCONNECT" => return Ok(true),
        "CONNECT" | "STOMP" => {
            return Err(ProtocolError::new("already connected", Some(f)));
        }
        "SEND" | "BEGIN" | "COMMIT" | "ABORT" => {
            return Err(ProtocolError::new(
                format!(
                    "{} is not supported: this endpoint only delivers read receipts",
                    f.command
                ),
                Some(f),
            ));
        }
        other => {
            return Err(ProtocolError::new(
                format!("unknown command {other}"),
                Some(f),
            ))
        }
    }
    Ok(false)
}

fn receipt_for(f: &Frame) -> Option<Frame> {
    f.header("receipt")
        .map(|r| Frame::new("RECEIPT").with("receipt-id", r))
}

async fn send(socket: &mut WebSocket, f: &Frame) -> Result<(), axum::Error> {
    let bytes = f.encode();
    let msg = match String::from_utf8(bytes) {
        Ok(text) => Message::Text(text.into()),
        Err(e) => Message::Binary(e.into_bytes().into()),
    };
    socket.send(msg).await
}

/// The last frames of a connection, bounded in time (a stuck client gets none).
async fn farewell(mut socket: WebSocket, end: End) {
    let last = async {
        let (frame, code, reason) = match end {
            End::Gone | End::Unregistered => return,
            End::Disconnect(receipt) => (receipt, close_code::NORMAL, ""),
            End::Error(e) => (Some(e.frame()), close_code::NORMAL, "STOMP error"),
            End::Kicked(Kick::TooSlow) => {
                let e = ProtocolError::new("too slow: receipts were dropped", None);
                (Some(e.frame()), close_code::POLICY, "too slow")
            }
            End::Kicked(Kick::Shutdown) => (None, close_code::AWAY, "server shutting down"),
        };
        if let Some(f) = frame {
            if send(&mut socket, &f).await.is_err() {
                return;
            }
        }
        let close = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = socket.send(Message::Close(Some(close))).await;
    };
    let _ = tokio::time::timeout(FAREWELL_TIMEOUT, last).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(command: &str, headers: &[(&str, &str)]) -> Frame {
        headers
            .iter()
            .fold(Frame::new(command), |f, (k, v)| f.with(k, *v))
    }

    fn subscribe(id: &str, destination: &str) -> Frame {
        frame("SUBSCRIBE", &[("id", id), ("destination", destination)])
    }

    #[test]
    fn subscribe_and_unsubscribe() {
        let mut subs = Vec::new();
        for (i, d) in DESTINATIONS.iter().enumerate() {
            assert!(!handle(&mut subs, &subscribe(&i.to_string(), d)).unwrap());
        }
        let client_acks = frame(
            "SUBSCRIBE",
            &[
                ("id", "c"),
                ("destination", DESTINATIONS[0]),
                ("ack", "client"),
            ],
        );
        handle(&mut subs, &client_acks).unwrap();
        assert_eq!(subs.len(), 3);
        assert!(subs[2].acks && !subs[0].acks);
        handle(&mut subs, &frame("UNSUBSCRIBE", &[("id", "0")])).unwrap();
        handle(&mut subs, &frame("ACK", &[("id", "m-1")])).unwrap();
        let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["1", "c"]);
        assert!(handle(&mut subs, &frame("DISCONNECT", &[("receipt", "77")])).unwrap());
    }

    #[test]
    fn what_a_client_may_not_do() {
        let mut subs = Vec::new();
        handle(&mut subs, &subscribe("0", DESTINATIONS[0])).unwrap();
        let cases = [
            (
                subscribe("1", "/topic/other"),
                "unknown destination /topic/other",
            ),
            (
                subscribe("0", DESTINATIONS[1]),
                "subscription id 0 is in use",
            ),
            (
                frame("SUBSCRIBE", &[("id", "2")]),
                "SUBSCRIBE needs the `destination` header",
            ),
            (
                frame("UNSUBSCRIBE", &[]),
                "UNSUBSCRIBE needs the `id` header",
            ),
            (
                frame("SEND", &[("destination", "/app/x")]),
                "SEND is not supported",
            ),
            (frame("CONNECT", &[]), "already connected"),
            (frame("HELLO", &[]), "unknown command HELLO"),
        ];
        for (f, want) in cases {
            let e = handle(&mut subs, &f).err().unwrap();
            assert!(e.message.starts_with(want), "{}: {}", f.command, e.message);
        }
        for i in 1..MAX_SUBSCRIPTIONS {
            handle(&mut subs, &subscribe(&format!("s{i}"), DESTINATIONS[0])).unwrap();
        }
        let e = handle(&mut subs, &subscribe("one-more", DESTINATIONS[0]))
            .err()
            .unwrap();
        assert!(e.message.starts_with("at most 16"), "{}", e.message);
    }

    #[test]
    fn an_error_names_the_receipt_of_its_cause() {
        let cause = frame("SEND", &[("receipt", "r-9")]);
        let wire = ProtocolError::new("no", Some(&cause)).frame().encode();
        assert_eq!(
            wire,
            b"ERROR\nmessage:no\nreceipt-id:r-9\ncontent-type:text/plain\ncontent-length:2\n\nno\0"
        );
        assert_eq!(
            receipt_for(&frame("UNSUBSCRIBE", &[("id", "1"), ("receipt", "a:b")]))
                .unwrap()
                .encode(),
            b"RECEIPT\nreceipt-id:a\\cb\n\n\0"
        );
    }
}
