//! Two requests the `kafka-protocol` crate (0.18) lacks, written with its
//! primitives from Kafka 4.4's message definitions: DescribeShareGroupOffsets
//! v0–v1 (v1 adds each share-partition's lag, KIP-1226) and StreamsGroupDescribe
//! v0 (KIP-1071). Only what kaftop sends is encoded and only what it reads is
//! kept; every field is read in order, tagged fields skipped.

use anyhow::{bail, Result};
use kafka_protocol::protocol::buf::{ByteBuf, ByteBufMut};
use kafka_protocol::protocol::{
    Decodable, Encodable, HeaderVersion, Message, Request, VersionRange,
};

// The crate's own encoders are private: these few primitives, as Kafka's
// protocol guide defines them, are all the two messages need.

fn need<B: ByteBuf>(buf: &B, n: usize) -> Result<()> {
    if buf.remaining() < n {
        bail!(
            "answer ends early: {n} bytes wanted, {} left",
            buf.remaining()
        );
    }
    Ok(())
}

fn int8<B: ByteBuf>(buf: &mut B) -> Result<i8> {
    need(buf, 1)?;
    Ok(buf.get_i8())
}

fn int16<B: ByteBuf>(buf: &mut B) -> Result<i16> {
    need(buf, 2)?;
    Ok(buf.get_i16())
}

fn int32<B: ByteBuf>(buf: &mut B) -> Result<i32> {
    need(buf, 4)?;
    Ok(buf.get_i32())
}

fn int64<B: ByteBuf>(buf: &mut B) -> Result<i64> {
    need(buf, 8)?;
    Ok(buf.get_i64())
}

fn uvarint<B: ByteBuf>(buf: &mut B) -> Result<u32> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        need(buf, 1)?;
        let b = buf.get_u8();
        value |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("unsigned varint longer than 5 bytes")
}

fn put_uvarint<B: ByteBufMut>(buf: &mut B, mut v: u32) {
    while v >= 0x80 {
        buf.put_u8((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

fn uvarint_size(mut v: u32) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_string<B: ByteBufMut>(buf: &mut B, s: &str) {
    put_uvarint(buf, s.len() as u32 + 1);
    buf.put_slice(s.as_bytes());
}

fn string_size(s: &str) -> usize {
    uvarint_size(s.len() as u32 + 1) + s.len()
}

/// Skips a flexible version's tagged fields.
fn skip_tags<B: ByteBuf>(buf: &mut B) -> Result<()> {
    let n = uvarint(buf)?;
    for _ in 0..n {
        let _tag = uvarint(buf)?;
        let size = uvarint(buf)? as usize;
        need(buf, size)?;
        buf.advance(size);
    }
    Ok(())
}

fn nullable_string<B: ByteBuf>(buf: &mut B) -> Result<Option<String>> {
    let n = uvarint(buf)? as usize;
    if n == 0 {
        return Ok(None);
    }
    need(buf, n - 1)?;
    let bytes = buf.copy_to_bytes(n - 1);
    Ok(Some(String::from_utf8(bytes.to_vec())?))
}

fn string<B: ByteBuf>(buf: &mut B) -> Result<String> {
    match nullable_string(buf)? {
        Some(s) => Ok(s),
        None => bail!("null where Kafka sends a string"),
    }
}

/// A compact array of `T`; `None` for a null array.
fn array<B: ByteBuf, T>(
    buf: &mut B,
    mut item: impl FnMut(&mut B) -> Result<T>,
) -> Result<Option<Vec<T>>> {
    let n = uvarint(buf)?;
    if n == 0 {
        return Ok(None);
    }
    (0..n - 1)
        .map(|_| item(buf))
        .collect::<Result<_>>()
        .map(Some)
}

fn list<B: ByteBuf, T>(buf: &mut B, item: impl FnMut(&mut B) -> Result<T>) -> Result<Vec<T>> {
    Ok(array(buf, item)?.unwrap_or_default())
}

fn strings<B: ByteBuf>(buf: &mut B) -> Result<Vec<String>> {
    list(buf, string)
}

/// kaftop never receives requests nor sends answers; `Request` wants both ways.
fn one_way<T>() -> Result<T> {
    bail!("kaftop only sends this request and reads its answer")
}

// --- DescribeShareGroupOffsets ------------------------------------------------------

/// DescribeShareGroupOffsets for every topic of each group (api key 90).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareOffsetsRequest {
    pub groups: Vec<String>,
}

impl Message for ShareOffsetsRequest {
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };
    const DEPRECATED_VERSIONS: Option<VersionRange> = None;
}

impl HeaderVersion for ShareOffsetsRequest {
    fn header_version(_version: i16) -> i16 {
        2
    }
}

impl Encodable for ShareOffsetsRequest {
    fn encode<B: ByteBufMut>(&self, buf: &mut B, _version: i16) -> Result<()> {
        put_uvarint(buf, self.groups.len() as u32 + 1);
        for g in &self.groups {
            put_string(buf, g);
            // Topics: null, every topic the group has state for; no tagged fields.
            put_uvarint(buf, 0);
            put_uvarint(buf, 0);
        }
        put_uvarint(buf, 0);
        Ok(())
    }

    fn compute_size(&self, _version: i16) -> Result<usize> {
        let groups: usize = self.groups.iter().map(|g| string_size(g) + 2).sum();
        Ok(uvarint_size(self.groups.len() as u32 + 1) + groups + 1)
    }
}

impl Decodable for ShareOffsetsRequest {
    fn decode<B: ByteBuf>(_buf: &mut B, _version: i16) -> Result<Self> {
        one_way()
    }
}

impl Request for ShareOffsetsRequest {
    const KEY: i16 = 90;
    type Response = ShareOffsetsResponse;
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareOffsetsResponse {
    pub groups: Vec<ShareOffsetsGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareOffsetsGroup {
    pub group_id: String,
    pub error_code: i16,
    pub error_message: Option<String>,
    pub partitions: Vec<ShareOffsetsPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareOffsetsPartition {
    pub topic: String,
    pub partition: i32,
    /// -1 when the share-partition is not initialised.
    pub start_offset: i64,
    pub leader_epoch: i32,
    /// v1 and later; -1 when the broker cannot tell.
    pub lag: Option<i64>,
    pub error_code: i16,
    pub error_message: Option<String>,
}

impl Message for ShareOffsetsResponse {
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };
    const DEPRECATED_VERSIONS: Option<VersionRange> = None;
}

impl HeaderVersion for ShareOffsetsResponse {
    fn header_version(_version: i16) -> i16 {
        1
    }
}

impl Encodable for ShareOffsetsResponse {
    fn encode<B: ByteBufMut>(&self, _buf: &mut B, _version: i16) -> Result<()> {
        one_way()
    }
    fn compute_size(&self, _version: i16) -> Result<usize> {
        one_way()
    }
}

impl Decodable for ShareOffsetsResponse {
    fn decode<B: ByteBuf>(buf: &mut B, version: i16) -> Result<Self> {
        let _throttle = int32(buf)?;
        let groups = list(buf, |buf| {
            let group_id = string(buf)?;
            let topics = list(buf, |buf| {
                let topic = string(buf)?;
                need(buf, 16)?;
                buf.advance(16); // the topic id
                let parts = list(buf, |buf| {
                    let partition = int32(buf)?;
                    let start_offset = int64(buf)?;
                    let leader_epoch = int32(buf)?;
                    let lag = if version >= 1 {
                        Some(int64(buf)?)
                    } else {
                        None
                    };
                    let error_code = int16(buf)?;
                    let error_message = nullable_string(buf)?;
                    skip_tags(buf)?;
                    Ok(ShareOffsetsPartition {
                        topic: topic.clone(),
                        partition,
                        start_offset,
                        leader_epoch,
                        lag,
                        error_code,
                        error_message,
                    })
                })?;
                skip_tags(buf)?;
                Ok(parts)
            })?;
            let error_code = int16(buf)?;
            let error_message = nullable_string(buf)?;
            skip_tags(buf)?;
            Ok(ShareOffsetsGroup {
                group_id,
                error_code,
                error_message,
                partitions: topics.into_iter().flatten().collect(),
            })
        })?;
        skip_tags(buf)?;
        Ok(ShareOffsetsResponse { groups })
    }
}

// --- StreamsGroupDescribe -----------------------------------------------------------

/// StreamsGroupDescribe v0 (api key 89).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsDescribeRequest {
    pub group_ids: Vec<String>,
}

impl Message for StreamsDescribeRequest {
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 0 };
    const DEPRECATED_VERSIONS: Option<VersionRange> = None;
}

impl HeaderVersion for StreamsDescribeRequest {
    fn header_version(_version: i16) -> i16 {
        2
    }
}

impl Encodable for StreamsDescribeRequest {
    fn encode<B: ByteBufMut>(&self, buf: &mut B, _version: i16) -> Result<()> {
        put_uvarint(buf, self.group_ids.len() as u32 + 1);
        for g in &self.group_ids {
            put_string(buf, g);
        }
        // include_authorized_operations: false; no tagged fields.
        buf.put_u8(0);
        put_uvarint(buf, 0);
        Ok(())
    }

    fn compute_size(&self, _version: i16) -> Result<usize> {
        let ids: usize = self.group_ids.iter().map(|g| string_size(g)).sum();
        Ok(uvarint_size(self.group_ids.len() as u32 + 1) + ids + 2)
    }
}

impl Decodable for StreamsDescribeRequest {
    fn decode<B: ByteBuf>(_buf: &mut B, _version: i16) -> Result<Self> {
        one_way()
    }
}

impl Request for StreamsDescribeRequest {
    const KEY: i16 = 89;
    type Response = StreamsDescribeResponse;
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsDescribeResponse {
    pub groups: Vec<StreamsDescribed>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsDescribed {
    pub error_code: i16,
    pub error_message: Option<String>,
    pub group_id: String,
    pub group_state: String,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    /// `None`: no topology yet.
    pub topology: Option<StreamsTopology>,
    pub members: Vec<StreamsMemberWire>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsTopology {
    pub epoch: i32,
    pub subtopologies: Vec<SubtopologyWire>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubtopologyWire {
    pub id: String,
    pub source_topics: Vec<String>,
    pub repartition_sink_topics: Vec<String>,
    pub changelog_topics: Vec<String>,
    pub repartition_source_topics: Vec<String>,
}

/// Tasks as (subtopology id, partitions).
pub type TaskIds = Vec<(String, Vec<i32>)>;

/// Active, standby and warm-up tasks.
pub type Assignment = [TaskIds; 3];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsMemberWire {
    pub member_id: String,
    pub member_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub topology_epoch: i32,
    pub process_id: String,
    /// (active, standby, warm-up): (subtopology id, partitions).
    pub assignment: Assignment,
    pub target_assignment: Assignment,
    pub is_classic: bool,
}

impl Message for StreamsDescribeResponse {
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 0 };
    const DEPRECATED_VERSIONS: Option<VersionRange> = None;
}

impl HeaderVersion for StreamsDescribeResponse {
    fn header_version(_version: i16) -> i16 {
        1
    }
}

impl Encodable for StreamsDescribeResponse {
    fn encode<B: ByteBufMut>(&self, _buf: &mut B, _version: i16) -> Result<()> {
        one_way()
    }
    fn compute_size(&self, _version: i16) -> Result<usize> {
        one_way()
    }
}

/// A topic info of a subtopology (changelog or repartition source): its name.
fn topic_info<B: ByteBuf>(buf: &mut B) -> Result<String> {
    let name = string(buf)?;
    let _partitions = int32(buf)?;
    let _replication = int16(buf)?;
    list(buf, |buf| {
        string(buf)?;
        string(buf)?;
        skip_tags(buf)
    })?;
    skip_tags(buf)?;
    Ok(name)
}

fn subtopology<B: ByteBuf>(buf: &mut B) -> Result<SubtopologyWire> {
    let id = string(buf)?;
    let source_topics = strings(buf)?;
    let repartition_sink_topics = strings(buf)?;
    let changelog_topics = list(buf, topic_info)?;
    let repartition_source_topics = list(buf, topic_info)?;
    skip_tags(buf)?;
    Ok(SubtopologyWire {
        id,
        source_topics,
        repartition_sink_topics,
        changelog_topics,
        repartition_source_topics,
    })
}

fn task_ids<B: ByteBuf>(buf: &mut B) -> Result<TaskIds> {
    list(buf, |buf| {
        let sub = string(buf)?;
        let parts = list(buf, int32)?;
        skip_tags(buf)?;
        Ok((sub, parts))
    })
}

fn assignment<B: ByteBuf>(buf: &mut B) -> Result<Assignment> {
    let active = task_ids(buf)?;
    let standby = task_ids(buf)?;
    let warmup = task_ids(buf)?;
    skip_tags(buf)?;
    Ok([active, standby, warmup])
}

fn member<B: ByteBuf>(buf: &mut B) -> Result<StreamsMemberWire> {
    let member_id = string(buf)?;
    let member_epoch = int32(buf)?;
    let _instance_id = nullable_string(buf)?;
    let _rack_id = nullable_string(buf)?;
    let client_id = string(buf)?;
    let client_host = string(buf)?;
    let topology_epoch = int32(buf)?;
    let process_id = string(buf)?;
    let endpoint = int8(buf)?;
    if endpoint >= 0 {
        string(buf)?;
        int16(buf)?; // port
        skip_tags(buf)?;
    }
    // Client tags, then the task offsets and end offsets it reports.
    list(buf, |buf| {
        string(buf)?;
        string(buf)?;
        skip_tags(buf)
    })?;
    for _ in 0..2 {
        list(buf, |buf| {
            string(buf)?;
            let _p = int32(buf)?;
            let _o = int64(buf)?;
            skip_tags(buf)
        })?;
    }
    let assignment = assignment(buf)?;
    let target_assignment = self::assignment(buf)?;
    let is_classic = int8(buf)? != 0;
    skip_tags(buf)?;
    Ok(StreamsMemberWire {
        member_id,
        member_epoch,
        client_id,
        client_host,
        topology_epoch,
        process_id,
        assignment,
        target_assignment,
        is_classic,
    })
}

fn described<B: ByteBuf>(buf: &mut B) -> Result<StreamsDescribed> {
    let error_code = int16(buf)?;
    let error_message = nullable_string(buf)?;
    let group_id = string(buf)?;
    let group_state = string(buf)?;
    let group_epoch = int32(buf)?;
    let assignment_epoch = int32(buf)?;
    let present = int8(buf)?;
    let topology = if present >= 0 {
        let epoch = int32(buf)?;
        let subtopologies = list(buf, subtopology)?;
        skip_tags(buf)?;
        Some(StreamsTopology {
            epoch,
            subtopologies,
        })
    } else {
        None
    };
    let members = list(buf, member)?;
    let _authorized_operations = int32(buf)?;
    skip_tags(buf)?;
    Ok(StreamsDescribed {
        error_code,
        error_message,
        group_id,
        group_state,
        group_epoch,
        assignment_epoch,
        topology,
        members,
    })
}

impl Decodable for StreamsDescribeResponse {
    fn decode<B: ByteBuf>(buf: &mut B, _version: i16) -> Result<Self> {
        let _throttle = int32(buf)?;
        let groups = list(buf, described)?;
        skip_tags(buf)?;
        Ok(StreamsDescribeResponse { groups })
    }
}

#[cfg(test)]
mod tests;
