//! The archive service: on `message.deleted`, keep `{originalMessageId, senderId,
//! receiverId, deletedAt, retentionUntil}` with `retentionUntil = deletedAt + 30 days`
//! (the seed says "now + 30 days"; the event's own time makes a replay give the same
//! rows). Expired rows are purged periodically. Optionally each archived message is
//! also appended to a JSON-lines backup file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use serde::Serialize;

use kaftop_core::events::{EventTime, MessageDeletedEvent};

/// How long an archived message is kept after its deletion.
pub const RETENTION_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedMessage {
    pub original_message_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub deleted_at: EventTime,
    pub retention_until: EventTime,
    pub vip: bool,
}

/// The archive row of a deletion.
pub fn archived(e: &MessageDeletedEvent, vip: bool) -> ArchivedMessage {
    ArchivedMessage {
        original_message_id: e.message_id,
        sender_id: e.sender_id,
        receiver_id: e.receiver_id,
        deleted_at: e.deleted_at,
        retention_until: EventTime(e.deleted_at.0 + TimeDelta::days(RETENTION_DAYS)),
        vip,
    }
}

/// The JSON-lines backup: one archived message per line, appended after the batch's
/// transaction commits (so a crash may repeat a line; the store is the source of truth).
pub struct Backup {
    path: PathBuf,
    out: BufWriter<File>,
}

impl Backup {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Backup {
            path: path.to_path_buf(),
            out: BufWriter::new(f),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the rows and flushes them to the file.
    pub fn append(&mut self, rows: &[ArchivedMessage]) -> std::io::Result<()> {
        for r in rows {
            serde_json::to_writer(&mut self.out, r)?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_deleted_at_plus_30_days() {
        let e = MessageDeletedEvent {
            message_id: 1,
            sender_id: 2,
            receiver_id: 3,
            deleted_at: EventTime::parse("2026-11-24T10:15:30.123").unwrap(),
        };
        let a = archived(&e, false);
        assert_eq!(a.retention_until.to_string(), "2026-12-24T10:15:30.123");
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["originalMessageId"], 1);
        assert_eq!(json["retentionUntil"], "2026-12-24T10:15:30.123");
    }

    #[test]
    fn backup_appends_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/archive.jsonl");
        let e = MessageDeletedEvent {
            message_id: 9,
            sender_id: 2,
            receiver_id: 3,
            deleted_at: EventTime::parse("2026-11-24T10:00:00").unwrap(),
        };
        let mut b = Backup::open(&path).unwrap();
        b.append(&[archived(&e, true)]).unwrap();
        drop(b);
        let mut b = Backup::open(&path).unwrap();
        b.append(&[archived(&e, true)]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["originalMessageId"], 9);
        assert_eq!(v["vip"], true);
    }
}
