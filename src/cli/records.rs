//! The arguments of the commands that read records and write them: `tail`,
//! `search`, `produce-file` and `publish`.

use clap::Args;

use super::{topic_names, PublishCommand};

/// `kaftop publish`: a message-service event (a subcommand), or a record encoded
/// with a subject's schema (the flags).
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    arg_required_else_help = true
)]
pub struct PublishArgs {
    #[command(subcommand)]
    pub event: Option<PublishCommand>,
    #[command(flatten)]
    pub schema: SchemaPublishArgs,
}

#[derive(Debug, Args)]
pub struct SchemaPublishArgs {
    /// The topic to publish the record to.
    #[arg(long, short = 't', value_name = "TOPIC", required = true, add = topic_names())]
    pub topic: Option<String>,
    /// Encode --value with this registry subject's schema (Avro, Protobuf or JSON
    /// Schema), in the Confluent wire format.
    #[arg(long, value_name = "SUBJECT", required = true)]
    pub schema_subject: Option<String>,
    /// The subject's version (default: the latest).
    #[arg(long, value_name = "N")]
    pub schema_version: Option<i32>,
    /// The Protobuf message to encode: its full or short name (default: the
    /// schema's first message).
    #[arg(long, value_name = "NAME")]
    pub schema_message: Option<String>,
    /// The record's value as JSON, checked against the schema before anything is sent.
    #[arg(long, value_name = "JSON", required = true, allow_hyphen_values = true)]
    pub value: Option<String>,
    /// The record's key: its text, or JSON encoded with --key-schema-subject.
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    pub key: Option<String>,
    /// Encode --key with this subject's schema.
    #[arg(long, value_name = "SUBJECT", requires = "key")]
    pub key_schema_subject: Option<String>,
    /// The key subject's version (default: the latest).
    #[arg(long, value_name = "N", requires = "key_schema_subject")]
    pub key_schema_version: Option<i32>,
    /// Print where the record landed as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    #[arg(add = topic_names())]
    pub topic: String,
    /// Start at the beginning of each partition.
    #[arg(long, conflicts_with_all = ["offset", "since"])]
    pub from_beginning: bool,
    /// Start at this offset in each partition (negative: that many before the end).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "since")]
    pub offset: Option<i64>,
    /// Start at records at or after this: a duration back from now (`10m`) or a time
    /// (RFC 3339); a time before 1970 (or before the first record) starts at the beginning.
    #[arg(long)]
    pub since: Option<String>,
    /// Stop after this many records (default: 10, unless --follow).
    #[arg(short = 'n', long = "max-records")]
    pub count: Option<u64>,
    /// Only this partition.
    #[arg(long)]
    pub partition: Option<i32>,
    /// Keep waiting for new records.
    #[arg(short, long)]
    pub follow: bool,
    /// Values longer than this many bytes are truncated (with their size shown).
    #[arg(long, default_value_t = 4096)]
    pub max_value_bytes: usize,
    #[arg(long)]
    pub json: bool,
    /// Write the records to this file as JSON lines instead (decoded key and value,
    /// their raw bytes in base64, headers, timestamp, partition, offset).
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[arg(add = topic_names())]
    pub topic: String,
    /// A jq filter; a record is kept when its first output is neither false nor null:
    /// `.value.customerId == 4711 and (.headers["__TypeId__"] // "" | test("Created"))`.
    pub filter: String,
    /// Start at records at or after this: a duration back from now (`1h`) or a time.
    #[arg(long, conflicts_with = "from_offset")]
    pub since: Option<String>,
    /// Stop at records after this: a duration back from now or a time.
    #[arg(long)]
    pub until: Option<String>,
    /// Only this partition.
    #[arg(long)]
    pub partition: Option<i32>,
    /// Start at this offset in each partition (negative: that many before the end).
    #[arg(long, allow_hyphen_values = true)]
    pub from_offset: Option<i64>,
    /// Stop after this many matches.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Print only the number of matches.
    #[arg(long)]
    pub count: bool,
    /// Matches as JSON lines: the record as the filter sees it.
    #[arg(long)]
    pub json: bool,
    /// Write the matches to this file as JSON lines instead (as `tail --out`).
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<std::path::PathBuf>,
    /// Values longer than this many bytes are truncated in the text output.
    #[arg(long, default_value_t = 4096)]
    pub max_value_bytes: usize,
}

#[derive(Debug, Args)]
pub struct ProduceFileArgs {
    /// JSON lines written by `tail --out` or `search --out`.
    pub file: std::path::PathBuf,
    /// The topic to write to.
    #[arg(long, add = topic_names())]
    pub topic: String,
    /// At most this many records per second (`500` or `500/s`).
    #[arg(long, value_parser = crate::parse::parse_rate)]
    pub rate: Option<f64>,
    /// Write each record to the partition it was read from (default: by key).
    #[arg(long)]
    pub keep_partition: bool,
    /// Write them (without it: say what would be written).
    #[arg(long)]
    pub execute: bool,
}
