//! The `:` command line: parsing and completion (pure: names to complete come
//! in as arguments), and what its keys and commands do.

use crossterm::event::{KeyCode, KeyEvent};

use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::modes::Host;
use crate::tui::views::publish::FormKind;
use crate::tui::views::{Go, ViewId};
use crate::tui::widgets::line::LineInput;
use kaftop_core::kafka::sampler::{parse_since, StartAt};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineCommand {
    Topics,
    Topic(String),
    Groups,
    Group(String),
    /// `None`: the current (or default) topic.
    Messages(Option<String>, Option<StartAt>),
    Publish(Option<FormKind>),
    Services,
    /// The timeline, filtered to a group or topic (`None`: as it was).
    Timeline(Option<String>),
    Refresh,
    Help,
    /// Every profile's cluster (the clusters screen).
    Clusters,
    Quit,
}

/// Commands offered by completion and named in errors.
pub const COMMANDS: [&str; 12] = [
    "topics", "topic", "groups", "group", "messages", "publish", "services", "timeline", "refresh",
    "clusters", "help", "quit",
];

pub const USAGE: &str =
    ":topics  :topic NAME  :groups  :group NAME  :messages TOPIC [beginning|end|offset N|since T|last N]  :publish [created|read|deleted|free|bulk]  :timeline [GROUP|TOPIC]  :clusters  :quit";

/// Parses a command line (without the `:`). `now_ms` resolves `since 10m`.
pub fn parse(line: &str, now_ms: i64) -> Result<LineCommand, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&cmd, args)) = words.split_first() else {
        return Err("empty command".into());
    };
    let one = |what: &str| -> Result<String, String> {
        match args {
            [name] => Ok(name.to_string()),
            [] => Err(format!(":{cmd} needs a {what} name")),
            _ => Err(format!(":{cmd} takes one {what} name")),
        }
    };
    let none = || -> Result<(), String> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(format!(":{cmd} takes no arguments"))
        }
    };
    Ok(match cmd {
        "topics" | "t" => none().map(|_| LineCommand::Topics)?,
        "topic" => LineCommand::Topic(one("topic")?),
        "groups" | "g" | "consumers" => none().map(|_| LineCommand::Groups)?,
        "group" => LineCommand::Group(one("group")?),
        "messages" | "m" | "tail" => {
            let (topic, start) = match args {
                [] => (None, None),
                [topic, rest @ ..] => (Some(topic.to_string()), parse_start(rest, now_ms)?),
            };
            LineCommand::Messages(topic, start)
        }
        "publish" | "p" | "pub" => LineCommand::Publish(match args {
            [] => None,
            [form] => Some(FormKind::parse(form).ok_or_else(|| {
                format!("unknown form `{form}` (created, read, deleted, free, bulk)")
            })?),
            _ => return Err(":publish takes at most one form name".into()),
        }),
        "services" | "s" => none().map(|_| LineCommand::Services)?,
        "timeline" | "events" | "e" => LineCommand::Timeline(match args {
            [] => None,
            [name] => Some(name.to_string()),
            _ => return Err(":timeline takes at most one group or topic name".into()),
        }),
        "refresh" | "r" => none().map(|_| LineCommand::Refresh)?,
        "help" | "h" | "?" => LineCommand::Help,
        "clusters" | "cl" => none().map(|_| LineCommand::Clusters)?,
        "quit" | "q" | "q!" | "qa" | "exit" => LineCommand::Quit,
        other => return Err(format!("unknown command `:{other}`; try {USAGE}")),
    })
}

fn parse_start(args: &[&str], now_ms: i64) -> Result<Option<StartAt>, String> {
    let number = |s: &str, what: &str| -> Result<i64, String> {
        s.parse::<i64>().map_err(|_| format!("`{s}` is not {what}"))
    };
    Ok(Some(match args {
        [] => return Ok(None),
        ["beginning" | "begin" | "earliest" | "start"] => StartAt::Beginning,
        ["end" | "latest" | "new"] => StartAt::End,
        ["offset", n] => StartAt::Offset(number(n, "an offset")?),
        ["last", n] => match number(n, "a count")? {
            n if n > 0 => StartAt::LastN(n as u64),
            _ => return Err("`last` needs a positive count".into()),
        },
        ["since" | "time" | "at", rest @ ..] if !rest.is_empty() => {
            let t = rest.join(" ");
            StartAt::since(parse_since(&t, now_ms).ok_or_else(|| {
                format!("`{t}` is neither a duration (10m) nor a time (2026-11-24T10:15:30Z)")
            })?)
        }
        _ => {
            return Err(format!(
                "unknown start `{}` (beginning, end, offset N, since T, last N)",
                args.join(" ")
            ))
        }
    }))
}

/// Completes the last word of `line`: a command name, or a topic / group name
/// after `:topic`, `:messages` / `:group`. Returns the new line when exactly one
/// candidate fits, or the longest common prefix of several.
pub fn complete(line: &str, topics: &[&str], groups: &[&str]) -> Option<String> {
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial): (&[&str], &str) = match (words.split_last(), ends_with_space) {
        (None, _) => (&[], ""),
        (Some(_), true) => (&words[..], ""),
        (Some((last, rest)), false) => (rest, last),
    };
    let candidates: Vec<&str> = match done {
        [] => COMMANDS.to_vec(),
        ["topic" | "messages" | "m" | "tail"] => topics.to_vec(),
        ["group"] => groups.to_vec(),
        _ => return None,
    };
    let fits: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.starts_with(partial))
        .collect();
    let completed = match fits.as_slice() {
        [] => return None,
        [one] => format!("{one} "),
        many => common_prefix(many),
    };
    if completed.trim_end() == partial && fits.len() > 1 {
        return None;
    }
    let mut out: Vec<String> = done.iter().map(|w| w.to_string()).collect();
    out.push(completed);
    Some(out.join(" "))
}

fn common_prefix(words: &[&str]) -> String {
    let first = words[0];
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .find(|((_, a), b)| a != b)
                .map_or(first.len().min(w.len()), |((i, _), _)| i),
        );
    }
    first[..end].to_string()
}

pub(super) fn key(app: &mut impl Host, key: KeyEvent, mut line: LineInput) -> Vec<Command> {
    // Backspace on an empty line closes it, as in vim.
    if key.code == KeyCode::Backspace && line.text().is_empty() {
        return Vec::new();
    }
    match app.keymap().action(Scope::CommandLine, &key) {
        Some(Action::Cancel) => Vec::new(),
        Some(Action::Accept) => match parse(line.text(), app.shared().now_ms) {
            Ok(cmd) => {
                app.acted();
                run(app, cmd)
            }
            Err(e) => {
                app.shared().error(e);
                Vec::new()
            }
        },
        Some(Action::Complete) => {
            let topics = app.shared().topic_names().unwrap_or_default();
            let groups = app.shared().group_names().unwrap_or_default();
            let t: Vec<&str> = topics.iter().map(String::as_str).collect();
            let g: Vec<&str> = groups.iter().map(String::as_str).collect();
            if let Some(done) = complete(line.text(), &t, &g) {
                line.set(done);
            }
            app.set_mode(Mode::Command(line));
            Vec::new()
        }
        _ => {
            line.handle(&key);
            app.set_mode(Mode::Command(line));
            Vec::new()
        }
    }
}

fn run(app: &mut impl Host, cmd: LineCommand) -> Vec<Command> {
    match cmd {
        LineCommand::Topics => app.navigate(Go::View(ViewId::Topics)),
        LineCommand::Topic(name) => {
            if app.shared().has_topic(&name) == Some(false) {
                app.shared().error(format!("no topic `{name}`"));
                Vec::new()
            } else {
                app.navigate(Go::Topic(name))
            }
        }
        LineCommand::Groups => app.navigate(Go::View(ViewId::Groups)),
        LineCommand::Group(name) => {
            if app.shared().has_group(&name) == Some(false) {
                app.shared().error(format!(
                    "no consumer group `{name}` (with committed offsets)"
                ));
                Vec::new()
            } else {
                app.navigate(Go::Group(name))
            }
        }
        LineCommand::Messages(topic, start) => app.navigate(Go::Messages(topic, start)),
        LineCommand::Publish(form) => {
            app.navigate(form.map_or(Go::View(ViewId::Publish), Go::Form))
        }
        LineCommand::Services => app.navigate(Go::View(ViewId::Services)),
        LineCommand::Timeline(filter) => {
            let cmds = app.navigate(Go::View(ViewId::Timeline));
            if let Some(f) = filter {
                app.set_filter(&f);
            }
            cmds
        }
        LineCommand::Refresh => app.refresh(),
        LineCommand::Help => {
            app.set_mode(Mode::Help { scroll: 0 });
            Vec::new()
        }
        LineCommand::Clusters => {
            app.clusters();
            Vec::new()
        }
        LineCommand::Quit => {
            app.quit();
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse("topics", 0), Ok(LineCommand::Topics));
        assert_eq!(
            parse(" topic  message.created ", 0),
            Ok(LineCommand::Topic("message.created".into()))
        );
        assert_eq!(parse("group g1", 0), Ok(LineCommand::Group("g1".into())));
        assert_eq!(
            parse("messages t offset -5", 0),
            Ok(LineCommand::Messages(
                Some("t".into()),
                Some(StartAt::Offset(-5))
            ))
        );
        assert_eq!(
            parse("messages t since 1m", 100_000),
            Ok(LineCommand::Messages(
                Some("t".into()),
                Some(StartAt::Timestamp(40_000))
            ))
        );
        assert_eq!(
            parse("publish bulk", 0),
            Ok(LineCommand::Publish(Some(FormKind::Bulk)))
        );
        assert_eq!(parse("q", 0), Ok(LineCommand::Quit));
        assert_eq!(
            parse("timeline orders", 0),
            Ok(LineCommand::Timeline(Some("orders".into())))
        );
        assert_eq!(parse("events", 0), Ok(LineCommand::Timeline(None)));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(parse("topic", 0)
            .unwrap_err()
            .contains("needs a topic name"));
        assert!(parse("frobnicate", 0)
            .unwrap_err()
            .starts_with("unknown command `:frobnicate`"));
        assert!(parse("messages t sideways", 0)
            .unwrap_err()
            .contains("unknown start `sideways`"));
        assert!(parse("messages t offset x", 0)
            .unwrap_err()
            .contains("`x` is not an offset"));
        assert!(parse("publish poem", 0)
            .unwrap_err()
            .contains("unknown form"));
        assert!(parse("", 0).is_err());
    }

    #[test]
    fn completes_commands_and_names() {
        let topics = ["message.created", "message.read", "orders"];
        assert_eq!(complete("gr", &topics, &[]), Some("group".into()));
        assert_eq!(complete("groups", &topics, &[]), Some("groups ".into()));
        assert_eq!(
            complete("topic o", &topics, &[]),
            Some("topic orders ".into())
        );
        assert_eq!(
            complete("topic m", &topics, &[]),
            Some("topic message.".into())
        );
        assert_eq!(complete("topic message.", &topics, &[]), None);
        assert_eq!(
            complete("group a", &topics, &["analytics"]),
            Some("group analytics ".into())
        );
        assert_eq!(complete("quit x", &topics, &[]), None);
    }
}
