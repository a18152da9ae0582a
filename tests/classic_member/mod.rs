//! A real classic-protocol group member of any protocol type (`connect`, as a
//! Kafka Connect worker joins): FindCoordinator, JoinGroup (rejoining with the
//! member id a MEMBER_ID_REQUIRED answer gives), SyncGroup as the leader with
//! empty assignments, then Heartbeats on a thread until dropped. Kafka's own
//! requests, sent with the kafka-protocol crate over a plain TCP connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::{
    FindCoordinatorRequest, GroupId, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
    RequestHeader, ResponseHeader, SyncGroupRequest,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};

/// Kafka's MEMBER_ID_REQUIRED (KIP-394): join again with the id it gives.
const MEMBER_ID_REQUIRED: i16 = 79;
const SESSION_TIMEOUT_MS: i32 = 30_000;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// One connection, requests answered in order.
struct Conn {
    stream: TcpStream,
    client_id: String,
    correlation: i32,
}

impl Conn {
    fn open(addr: &str, client_id: &str) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect to the broker");
        // A JoinGroup waits for the rebalance (group.initial.rebalance.delay.ms).
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Conn {
            stream,
            client_id: client_id.to_string(),
            correlation: 0,
        }
    }

    fn call<R: Request>(&mut self, version: i16, req: &R) -> R::Response {
        self.correlation += 1;
        let mut header = RequestHeader::default();
        header.request_api_key = R::KEY;
        header.request_api_version = version;
        header.correlation_id = self.correlation;
        header.client_id = Some(s(&self.client_id));
        let mut body = Vec::new();
        header
            .encode(&mut body, R::header_version(version))
            .unwrap();
        req.encode(&mut body, version).unwrap();
        let mut frame = (body.len() as i32).to_be_bytes().to_vec();
        frame.extend(body);
        self.stream.write_all(&frame).expect("send a request");
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size).expect("read an answer");
        let mut answer = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut answer).expect("read an answer");
        let mut buf = &answer[..];
        let head = ResponseHeader::decode(&mut buf, R::Response::header_version(version)).unwrap();
        assert_eq!(head.correlation_id, self.correlation);
        R::Response::decode(&mut buf, version).unwrap()
    }
}

/// A joined member, heartbeating until dropped (then it leaves the group).
pub(crate) struct ClassicMember {
    pub(crate) member_id: String,
    stop: Arc<AtomicBool>,
    beats: Option<JoinHandle<Conn>>,
    group: String,
}

impl ClassicMember {
    /// Joins `group` at its coordinator with `protocol_type` and one protocol
    /// named `protocol`; the group is Stable when this returns.
    pub(crate) fn join(
        bootstrap: &str,
        group: &str,
        protocol_type: &str,
        protocol: &str,
        client_id: &str,
    ) -> Self {
        let first = bootstrap.split(',').next().unwrap();
        let mut any = Conn::open(first, client_id);
        let mut find = FindCoordinatorRequest::default();
        find.key_type = 0;
        find.coordinator_keys = vec![s(group)];
        let found = any.call(4, &find);
        let c = &found.coordinators[0];
        assert_eq!(c.error_code, 0, "FindCoordinator: {:?}", c.error_message);
        let mut conn = Conn::open(&format!("{}:{}", c.host, c.port), client_id);

        let join = |conn: &mut Conn, member_id: &str| {
            let mut p = JoinGroupRequestProtocol::default();
            p.name = s(protocol);
            p.metadata = b"kaftop test member".to_vec().into();
            let mut r = JoinGroupRequest::default();
            r.group_id = GroupId(s(group));
            r.session_timeout_ms = SESSION_TIMEOUT_MS;
            r.rebalance_timeout_ms = SESSION_TIMEOUT_MS;
            r.member_id = s(member_id);
            r.protocol_type = s(protocol_type);
            r.protocols = vec![p];
            conn.call(9, &r)
        };
        let mut joined = join(&mut conn, "");
        if joined.error_code == MEMBER_ID_REQUIRED {
            let id = joined.member_id.to_string();
            joined = join(&mut conn, &id);
        }
        assert_eq!(joined.error_code, 0, "JoinGroup failed");
        let member_id = joined.member_id.to_string();
        assert_eq!(joined.leader.as_str(), member_id, "the only member leads");
        let generation = joined.generation_id;

        let mut sync = SyncGroupRequest::default();
        sync.group_id = GroupId(s(group));
        sync.generation_id = generation;
        sync.member_id = s(&member_id);
        sync.protocol_type = Some(s(protocol_type));
        sync.protocol_name = Some(s(protocol));
        let synced = conn.call(5, &sync);
        assert_eq!(synced.error_code, 0, "SyncGroup failed");

        let stop = Arc::new(AtomicBool::new(false));
        let beats = {
            let stop = stop.clone();
            let (group, member_id) = (group.to_string(), member_id.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut hb = HeartbeatRequest::default();
                    hb.group_id = GroupId(s(&group));
                    hb.generation_id = generation;
                    hb.member_id = s(&member_id);
                    let answer = conn.call(4, &hb);
                    assert_eq!(answer.error_code, 0, "Heartbeat failed");
                    // A tenth of the session timeout, checking `stop` often.
                    for _ in 0..30 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
                conn
            })
        };
        ClassicMember {
            member_id,
            stop,
            beats: Some(beats),
            group: group.to_string(),
        }
    }
}

impl Drop for ClassicMember {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let Some(Ok(mut conn)) = self.beats.take().map(JoinHandle::join) else {
            return;
        };
        let mut m = MemberIdentity::default();
        m.member_id = s(&self.member_id);
        let mut leave = LeaveGroupRequest::default();
        leave.group_id = GroupId(s(&self.group));
        leave.members = vec![m];
        let _ = conn.call(5, &leave);
    }
}
