//! The bytes below were written by Kafka 4.4.0's own generated message classes
//! (kafka-clients' `StreamsGroupDescribeResponseData`,
//! `DescribeShareGroupOffsetsResponseData` and the two request classes) from the
//! values the tests assert.

use super::*;
use bytes::{Bytes, BytesMut};

fn bytes(hex: &str) -> Bytes {
    let v: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    Bytes::from(v)
}

fn encoded<R: Encodable>(r: &R, version: i16) -> Bytes {
    let mut buf = BytesMut::new();
    r.encode(&mut buf, version).expect("encode");
    assert_eq!(buf.len(), r.compute_size(version).expect("size"));
    buf.freeze()
}

const STREAMS: &str = "00000000030000000461707007537461626c65000000030000000301000000000302300204696e310101010002310204696e320102146170702d73746f72652d6368616e67656c6f67000000020001020f636c65616e75702e706f6c69637908636f6d70616374000001000002036d31000000030002720363310b2f3132372e302e302e31000000000370310102681f900002026b02760002023000000001000000000000000700010202300300000000000000010002023102000000010001000202300200000000000101000000800000000000451647726f757020676f6e65206e6f7420666f756e642e05676f6e6505446561640000000000000000ff01800000000000";

#[test]
fn streams_group_describe_reads_what_kafka_writes() {
    let r = StreamsDescribeResponse::decode(&mut bytes(STREAMS), 0).expect("decode");
    assert_eq!(r.groups.len(), 2);
    let g = &r.groups[0];
    assert_eq!(
        (g.group_id.as_str(), g.group_state.as_str()),
        ("app", "Stable")
    );
    assert_eq!((g.group_epoch, g.assignment_epoch, g.error_code), (3, 3, 0));
    let topo = g.topology.as_ref().expect("topology");
    assert_eq!(topo.subtopologies.len(), 2);
    assert_eq!(topo.subtopologies[0].source_topics, ["in1"]);
    assert_eq!(topo.subtopologies[1].id, "1");
    assert_eq!(
        topo.subtopologies[1].changelog_topics,
        ["app-store-changelog"]
    );
    let m = &g.members[0];
    assert_eq!(
        (
            m.member_id.as_str(),
            m.client_id.as_str(),
            m.client_host.as_str()
        ),
        ("m1", "c1", "/127.0.0.1")
    );
    assert_eq!((m.process_id.as_str(), m.member_epoch), ("p1", 3));
    assert_eq!(m.assignment[0], [("0".to_string(), vec![0, 1])]);
    assert_eq!(m.assignment[1], [("1".to_string(), vec![1])]);
    assert!(m.assignment[2].is_empty());
    assert_eq!(m.target_assignment[0], [("0".to_string(), vec![0])]);
    assert!(!m.is_classic);
    let gone = &r.groups[1];
    assert_eq!((gone.error_code, gone.group_id.as_str()), (69, "gone"));
    assert_eq!(gone.error_message.as_deref(), Some("Group gone not found."));
    assert!(gone.topology.is_none() && gone.members.is_empty());
}

#[test]
fn share_group_offsets_read_with_and_without_lag() {
    let v1 = "0000000002037367020373688ed72512f88f4b4586d3f7001a86d24c030000000100000000000000050000000000000000000000030000000000000000ffffffffffffffffffffffffffffffffffffffff00000000000000000000";
    let r = ShareOffsetsResponse::decode(&mut bytes(v1), 1).expect("v1");
    let g = &r.groups[0];
    assert_eq!((g.group_id.as_str(), g.error_code), ("sg", 0));
    let p = &g.partitions;
    assert_eq!((p[0].topic.as_str(), p[0].partition), ("sh", 1));
    assert_eq!((p[0].start_offset, p[0].lag), (5, Some(3)));
    assert_eq!(
        (p[1].start_offset, p[1].leader_epoch, p[1].lag),
        (-1, -1, Some(-1))
    );
    let v0 = "0000000002037367020373688ed72512f88f4b4586d3f7001a86d24c03000000010000000000000005000000000000000000000000ffffffffffffffffffffffff00000000000000000000";
    let r = ShareOffsetsResponse::decode(&mut bytes(v0), 0).expect("v0");
    assert_eq!(r.groups[0].partitions[0].start_offset, 5);
    assert_eq!(r.groups[0].partitions[0].lag, None);
}

#[test]
fn requests_are_written_as_kafka_writes_them() {
    let streams = StreamsDescribeRequest {
        group_ids: vec!["app".into(), "b".into()],
    };
    assert_eq!(encoded(&streams, 0), bytes("030461707002620000"));
    let share = ShareOffsetsRequest {
        groups: vec!["sg".into()],
    };
    assert_eq!(encoded(&share, 1), bytes("02037367000000"));
}
