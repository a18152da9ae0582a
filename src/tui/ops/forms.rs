//! The dialogs' fields: what each operation asks for, and how its answers
//! become an [`OpRequest`] (or say what is wrong with them).

use super::OpRequest;
use crate::tui::action::Action;
use crate::tui::widgets::line::LineInput;
use kaftop_core::kafka::offsets_reset::{parse_datetime, parse_duration_back};
use kaftop_core::kafka::offsets_reset::{ResetScope, ResetTarget, TopicScope};
use kaftop_core::kafka::topic_admin::{ConfigChange, NewTopicSpec};

/// One field: a line typed, or one of some choices (left / right pick).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub input: LineInput,
    /// `Some`: the field picks one of these, shown by `chosen`.
    pub choices: Option<Vec<String>>,
    pub chosen: usize,
}

impl Field {
    fn text(label: &'static str, value: &str) -> Self {
        Field {
            label,
            input: LineInput::new(value),
            choices: None,
            chosen: 0,
        }
    }

    fn choice(label: &'static str, choices: Vec<String>) -> Self {
        Field {
            label,
            input: LineInput::default(),
            choices: Some(choices),
            chosen: 0,
        }
    }

    /// What the field holds: the chosen option, or the text typed.
    pub fn value(&self) -> &str {
        match &self.choices {
            Some(c) => c.get(self.chosen).map_or("", String::as_str),
            None => self.input.text(),
        }
    }

    /// Moves the choice by `delta`, wrapping.
    pub fn choose(&mut self, delta: isize) {
        if let Some(c) = &self.choices {
            let n = c.len() as isize;
            if n > 0 {
                self.chosen = (self.chosen as isize + delta).rem_euclid(n) as usize;
            }
        }
    }
}

/// Which operation a dialog prepares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    ResetOffsets {
        group: String,
    },
    CreateTopic,
    DeleteTopic {
        topic: String,
    },
    AddPartitions {
        topic: String,
    },
    EditConfig {
        topic: String,
    },
    Redrive {
        dlq: String,
        /// The record selected in the Messages view: (partition, offset).
        selected: Option<(i32, i64)>,
    },
}

const ALL_TOPICS: &str = "all topics";
/// A redrive's choices when a record is selected.
const ALL_SHOWN: &str = "all shown";
const SELECTED_ONLY: &str = "the selected record";
const TARGETS: [&str; 6] = [
    "earliest", "latest", "offset", "shift-by", "datetime", "duration",
];

impl Form {
    /// The dialog of a topic's `action` (delete, add partitions, edit configs).
    pub(crate) fn on_topic(action: Action, topic: String) -> Form {
        match action {
            Action::DeleteTopic => Form::DeleteTopic { topic },
            Action::AddPartitions => Form::AddPartitions { topic },
            _ => Form::EditConfig { topic },
        }
    }

    pub fn title(&self) -> String {
        match self {
            Form::ResetOffsets { group } => format!("Reset offsets of group {group}"),
            Form::CreateTopic => "Create topic".into(),
            Form::DeleteTopic { topic } => format!("Delete topic {topic}"),
            Form::AddPartitions { topic } => format!("Add partitions to topic {topic}"),
            Form::EditConfig { topic } => format!("Edit the configs of topic {topic}"),
            Form::Redrive { dlq, .. } => format!("Redrive records of {dlq}"),
        }
    }

    /// What it does, for a read-only refusal.
    pub fn verb(&self) -> &'static str {
        match self {
            Form::ResetOffsets { .. } => "reset offsets",
            Form::CreateTopic => "create a topic",
            Form::DeleteTopic { .. } => "delete a topic",
            Form::AddPartitions { .. } => "add partitions",
            Form::EditConfig { .. } => "change a topic's configs",
            Form::Redrive { .. } => "redrive records",
        }
    }

    /// The fields it starts with; `topic` is the one selected in the view (for
    /// a redrive: the Messages view's filter).
    pub fn fields(&self, topic: Option<&str>) -> Vec<Field> {
        match self {
            Form::ResetOffsets { .. } => {
                let mut scopes = vec![ALL_TOPICS.to_string()];
                scopes.extend(topic.map(str::to_string));
                vec![
                    Field::choice("scope", scopes),
                    Field::choice("target", TARGETS.iter().map(|t| t.to_string()).collect()),
                    Field::text("value (offset, shift, time, duration)", ""),
                ]
            }
            Form::CreateTopic => vec![
                Field::text("name", ""),
                Field::text("partitions", "1"),
                Field::text("replication factor", "1"),
                Field::text("configs (k=v,k=v)", ""),
            ],
            Form::DeleteTopic { .. } => Vec::new(),
            Form::AddPartitions { .. } => vec![Field::text("partitions in all", "")],
            Form::EditConfig { .. } => vec![
                Field::text("set (k=v,k=v)", ""),
                Field::text("delete (k,k)", ""),
            ],
            Form::Redrive { selected, .. } => {
                let mut fields = vec![
                    Field::text("only records containing", topic.unwrap_or_default()),
                    Field::text("at most (empty: all)", ""),
                ];
                if let Some((p, o)) = selected {
                    fields.push(Field::choice(
                        "records",
                        vec![ALL_SHOWN.to_string(), format!("{SELECTED_ONLY} ({p}/{o})")],
                    ));
                }
                fields
            }
        }
    }

    /// What must be typed to confirm, once the operation is planned.
    pub fn confirmation(&self, request: &OpRequest) -> String {
        match request {
            OpRequest::ResetOffsets { group, .. } => group.clone(),
            OpRequest::CreateTopic(spec) => spec.name.clone(),
            OpRequest::DeleteTopic(topic)
            | OpRequest::AddPartitions { topic, .. }
            | OpRequest::EditConfig { topic, .. } => topic.clone(),
            OpRequest::Redrive { dlq, .. } => dlq.clone(),
        }
    }

    /// The request the fields describe, or what is wrong with them.
    pub fn request(&self, fields: &[Field], now_ms: i64) -> Result<OpRequest, String> {
        let value = |i: usize| fields.get(i).map_or("", |f| f.value().trim());
        match self {
            Form::ResetOffsets { group } => {
                let scope = match value(0) {
                    ALL_TOPICS => ResetScope::AllTopics,
                    topic => ResetScope::Topics(vec![TopicScope {
                        topic: topic.to_string(),
                        partitions: None,
                    }]),
                };
                let arg = value(2);
                let number = |what: &str| {
                    arg.parse::<i64>()
                        .map_err(|_| format!("{what}: `{arg}` is not a whole number"))
                };
                let target = match value(1) {
                    "earliest" => ResetTarget::Earliest,
                    "latest" => ResetTarget::Latest,
                    "offset" => ResetTarget::Offset(number("offset")?),
                    "shift-by" => ResetTarget::ShiftBy(number("shift")?),
                    "datetime" => ResetTarget::at_time(parse_datetime(arg)?),
                    _ => ResetTarget::at_time(now_ms.saturating_sub(parse_duration_back(arg)?)),
                };
                Ok(OpRequest::ResetOffsets {
                    group: group.clone(),
                    scope,
                    target,
                })
            }
            Form::CreateTopic => {
                let name = value(0);
                if name.is_empty() {
                    return Err("the topic needs a name".into());
                }
                let count = |i: usize, what: &str| {
                    value(i)
                        .parse::<i32>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| format!("{what}: `{}` is not a number from 1", value(i)))
                };
                let configs = pairs(value(3))?;
                Ok(OpRequest::CreateTopic(NewTopicSpec {
                    name: name.to_string(),
                    partitions: count(1, "partitions")?,
                    replication_factor: count(2, "replication factor")?,
                    configs,
                }))
            }
            Form::DeleteTopic { topic } => Ok(OpRequest::DeleteTopic(topic.clone())),
            Form::AddPartitions { topic } => {
                let to = value(0)
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("partitions: `{}` is not a number from 1", value(0)))?;
                Ok(OpRequest::AddPartitions {
                    topic: topic.clone(),
                    to,
                })
            }
            Form::EditConfig { topic } => {
                let change = ConfigChange {
                    set: pairs(value(0))?,
                    delete: list(value(1)),
                };
                if change.set.is_empty() && change.delete.is_empty() {
                    return Err("nothing to change: set k=v or delete k".into());
                }
                Ok(OpRequest::EditConfig {
                    topic: topic.clone(),
                    change,
                })
            }
            Form::Redrive { dlq, selected } => {
                let record = selected.filter(|_| value(2).starts_with(SELECTED_ONLY));
                let limit = match value(1) {
                    "" => None,
                    n => Some(
                        n.parse::<usize>()
                            .ok()
                            .filter(|n| *n >= 1)
                            .ok_or_else(|| format!("at most: `{n}` is not a number from 1"))?,
                    ),
                };
                Ok(OpRequest::Redrive {
                    dlq: dlq.clone(),
                    filter: Some(value(0).to_string()).filter(|f| !f.is_empty()),
                    limit,
                    record,
                })
            }
        }
    }
}

/// `a, b` as a list (empty items dropped).
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `k=v, k=v` as pairs.
fn pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    list(text)
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!("config `{kv}` is not k=v")),
        })
        .collect()
}
