//! Who may read receipts over WebSocket, tried with a real WebSocket client on the
//! read-receipt router served on loopback: with a JWT key configured a client
//! proves its user with a bearer JWT (STOMP `passcode`, `Authorization`, or the
//! JSON stream's header or `access_token`) and receives only that user's receipts;
//! without one, the `login` names the user and must be a positive id. A STOMP
//! frame that ends (NUL) before its headers do is answered at once.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{encode, EncodingKey, Header};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use kaftop::serve::receipts::{self, Access, ReceiptHub};
use kaftop_core::config::{JwtKey, Secret};
use kaftop_core::events::EventTime;
use kaftop_services::{ReadReceipt, ReceiptSink};

const SECRET: &str = "receipts-are-private";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn jwt(secret: &str, sub: &str) -> String {
    let claims = serde_json::json!({ "sub": sub, "exp": chrono::Utc::now().timestamp() + 600 });
    let key = EncodingKey::from_secret(secret.as_bytes());
    encode(&Header::default(), &claims, &key).unwrap()
}

/// The router behind `access`, on a loopback port.
async fn serve(access: Access) -> (SocketAddr, Arc<ReceiptHub>) {
    let hub = Arc::new(ReceiptHub::new(16));
    let router = receipts::router(hub.clone(), Arc::new(access));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    (addr, hub)
}

fn with_jwt() -> Access {
    let key = JwtKey::Hs256 {
        env: "KAFTOP_TEST_JWT_SECRET".into(),
        secret: Secret::new(SECRET),
    };
    Access::with_jwt(16, &key).unwrap()
}

async fn stomp(addr: SocketAddr) -> Ws {
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "v12.stomp".parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

/// The next STOMP frame (heart-beats skipped), as text.
async fn next_frame(ws: &mut Ws) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame in time")
            .unwrap()
            .unwrap();
        match msg {
            Message::Text(t) if t.trim().is_empty() => {}
            Message::Text(t) => return t.to_string(),
            Message::Binary(b) => return String::from_utf8_lossy(&b).into_owned(),
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn send(ws: &mut Ws, frame: &str) {
    ws.send(Message::Text(frame.into())).await.unwrap();
}

fn receipt(message_id: i64, sender_id: i64) -> ReadReceipt {
    ReadReceipt {
        message_id,
        sender_id,
        receiver_id: 200,
        read_at: EventTime::parse("2026-11-24T10:15:30").unwrap(),
        vip: false,
    }
}

#[tokio::test]
async fn a_stomp_client_proves_its_user_with_a_jwt_and_gets_only_its_receipts() {
    let (addr, hub) = serve(with_jwt()).await;
    let mut ws = stomp(addr).await;
    let token = jwt(SECRET, "100");
    send(
        &mut ws,
        &format!("CONNECT\naccept-version:1.2\npasscode:{token}\n\n\0"),
    )
    .await;
    let connected = next_frame(&mut ws).await;
    assert!(connected.starts_with("CONNECTED\n"), "{connected}");
    assert!(connected.contains("\nuser-name:100\n"), "{connected}");
    send(
        &mut ws,
        "SUBSCRIBE\nid:0\ndestination:/user/topic/read-receipts\nreceipt:r1\n\n\0",
    )
    .await;
    assert!(next_frame(&mut ws).await.starts_with("RECEIPT\n"));
    // Another user's receipt first: had it been delivered, it would come first.
    hub.deliver(&receipt(1, 300));
    hub.deliver(&receipt(2, 100));
    let message = next_frame(&mut ws).await;
    assert!(message.starts_with("MESSAGE\n"), "{message}");
    assert!(
        message.contains(r#""messageId":2,"senderId":100"#),
        "{message}"
    );
}

#[tokio::test]
async fn a_stomp_connect_without_a_valid_jwt_is_refused() {
    let (addr, hub) = serve(with_jwt()).await;
    let cases = [
        (
            "CONNECT\naccept-version:1.2\nlogin:100\n\n\0".to_string(),
            "must carry a JWT",
        ),
        (
            format!(
                "CONNECT\naccept-version:1.2\npasscode:{}\n\n\0",
                jwt("wrong", "100")
            ),
            "the token is not valid",
        ),
        (
            format!(
                "CONNECT\naccept-version:1.2\nlogin:300\nAuthorization:Bearer {}\n\n\0",
                jwt(SECRET, "100")
            ),
            "the login is not the token's subject",
        ),
    ];
    for (connect, want) in cases {
        let mut ws = stomp(addr).await;
        send(&mut ws, &connect).await;
        let reply = next_frame(&mut ws).await;
        assert!(reply.starts_with("ERROR\n"), "{reply}");
        assert!(reply.contains(want), "{want}: {reply}");
    }
    assert_eq!(hub.connected_clients(), 0);
}

#[tokio::test]
async fn the_json_stream_takes_a_jwt_from_its_header_or_access_token() {
    let (addr, hub) = serve(with_jwt()).await;
    let status = |e: WsError| match e {
        WsError::Http(r) => r.status().as_u16(),
        other => panic!("{other}"),
    };
    let bare = format!("ws://{addr}/ws/read-receipts?userId=100");
    assert_eq!(
        status(tokio_tungstenite::connect_async(&bare).await.unwrap_err()),
        401
    );
    let other = format!(
        "ws://{addr}/ws/read-receipts?userId=100&access_token={}",
        jwt(SECRET, "300")
    );
    assert_eq!(
        status(tokio_tungstenite::connect_async(&other).await.unwrap_err()),
        403
    );
    let mut req = format!("ws://{addr}/ws/read-receipts")
        .into_client_request()
        .unwrap();
    let bearer = format!("Bearer {}", jwt(SECRET, "100"));
    req.headers_mut()
        .insert("Authorization", bearer.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    tokio::time::timeout(Duration::from_secs(20), async {
        while hub.connected_clients() == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    hub.deliver(&receipt(5, 300));
    hub.deliver(&receipt(6, 100));
    let Message::Text(body) = ws.next().await.unwrap().unwrap() else {
        panic!("expected a receipt");
    };
    assert!(body.contains(r#""messageId":6"#), "{body}");
}

#[tokio::test]
async fn without_jwts_a_login_must_be_a_positive_user_id() {
    let (addr, hub) = serve(Access::loopback(16)).await;
    let mut ws = stomp(addr).await;
    send(&mut ws, "CONNECT\naccept-version:1.2\nlogin:-5\n\n\0").await;
    let reply = next_frame(&mut ws).await;
    assert!(reply.starts_with("ERROR\n"), "{reply}");
    assert!(
        reply.contains("the user id must be greater than 0, not \"-5\""),
        "{reply}"
    );
    assert_eq!(hub.connected_clients(), 0);
}

#[tokio::test]
async fn a_frame_that_ends_before_its_headers_is_answered_at_once() {
    let (addr, _hub) = serve(Access::loopback(16)).await;
    let mut ws = stomp(addr).await;
    // No blank line: the NUL ends the frame inside its headers.
    send(&mut ws, "CONNECT\naccept-version:1.2\nlogin:5\0").await;
    let reply = next_frame(&mut ws).await;
    assert!(reply.starts_with("ERROR\n"), "{reply}");
    // Not the 10 s "no CONNECT frame in time" of a frame waited for.
    assert!(
        reply.contains("the frame ended (NUL octet) before"),
        "{reply}"
    );
}

#[tokio::test]
async fn an_rs256_public_key_verifies_tokens_and_refuses_other_algorithms() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = (dir.path().join("jwt.pem"), dir.path().join("jwt.pub.pem"));
    let openssl = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "genpkey".as_ref(),
        "-algorithm".as_ref(),
        "RSA".as_ref(),
        "-out".as_ref(),
        private.as_os_str(),
    ]);
    openssl(&[
        "pkey".as_ref(),
        "-in".as_ref(),
        private.as_os_str(),
        "-pubout".as_ref(),
        "-out".as_ref(),
        public.as_os_str(),
    ]);
    let access = Access::with_jwt(
        16,
        &JwtKey::Rs256 {
            public_key: public.clone(),
        },
    )
    .unwrap();
    let (addr, _hub) = serve(access).await;
    let claims = serde_json::json!({ "sub": "42", "exp": chrono::Utc::now().timestamp() + 600 });
    let pem = std::fs::read(&private).unwrap();
    let rs256 = encode(
        &Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap();
    let mut ws = stomp(addr).await;
    send(
        &mut ws,
        &format!("CONNECT\naccept-version:1.2\npasscode:{rs256}\n\n\0"),
    )
    .await;
    let reply = next_frame(&mut ws).await;
    assert!(reply.contains("\nuser-name:42\n"), "{reply}");
    // An HS256 token keyed with the public key's text is not an RS256 token.
    let public_text = std::fs::read(&public).unwrap();
    let forged = encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&public_text),
    )
    .unwrap();
    let mut ws = stomp(addr).await;
    send(
        &mut ws,
        &format!("CONNECT\naccept-version:1.2\npasscode:{forged}\n\n\0"),
    )
    .await;
    let reply = next_frame(&mut ws).await;
    assert!(reply.starts_with("ERROR\n"), "{reply}");
}
