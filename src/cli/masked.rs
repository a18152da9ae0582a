//! What the command line's own errors may show. clap echoes the argument it
//! stumbles on, so the arguments are parsed again with every secret masked
//! before an error is printed, and a value too long to read is described by its
//! length.

use std::ffi::{OsStr, OsString};

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use super::Cli;
use kaftop_core::config::is_secret_property;
use kaftop_core::events::validation;
use kaftop_core::present;

/// A `--content` longer than this is not echoed in an error.
const ECHOED_CONTENT_BYTES: usize = 80;

/// What an error shows instead of a secret.
const MASK: &str = "********";

/// Parses the process's arguments; on an error, prints it without any secret and
/// exits as clap does.
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => shown_error(e, &args).exit(),
    }
}

/// The error to print for `args`, which failed to parse with `e`.
pub(super) fn shown_error(e: clap::Error, args: &[OsString]) -> clap::Error {
    let masked = mask(args);
    if let Some(key) = masked.spaced_key {
        return Cli::command().error(
            ErrorKind::InvalidValue,
            format!(
                "`{key}` is not KEY=VALUE: -X takes both in one argument, `-X {key}=…` \
                 (the argument after `{key}` may be its secret: it is not shown)"
            ),
        );
    }
    if !masked.changed {
        return e;
    }
    match Cli::try_parse_from(&masked.args) {
        Err(e) => e,
        // Only the secret made it fail: say so without it.
        Ok(_) => Cli::command().error(
            ErrorKind::InvalidValue,
            "a secret `-X` property is not valid (its value is not shown)",
        ),
    }
}

/// `--content`: validated as the events are, but a bad value is described (how
/// long it is), never echoed back as clap does: it can be 100 KB.
#[derive(Clone)]
pub(super) struct ContentParser;

impl clap::builder::TypedValueParser for ContentParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let Some(text) = value.to_str() else {
            let name = arg.map_or("--content".to_string(), ToString::to_string);
            return Err(cmd
                .clone()
                .error(ErrorKind::InvalidUtf8, format!("{name} is not UTF-8")));
        };
        let reason = match validation::content(text) {
            Ok(content) => return Ok(content),
            Err(reason) => reason,
        };
        // clap's own error (its words, and the reason as its source), about a
        // stand-in for a value too long to echo.
        let shown = if text.len() <= ECHOED_CONTENT_BYTES {
            value.to_os_string()
        } else {
            OsString::from(format!("{} not shown", present::bytes(text.len())))
        };
        let refuse = move |_: &str| -> Result<String, String> { Err(reason.to_string()) };
        refuse.parse_ref(cmd, arg, &shown)
    }
}

struct Masked {
    args: Vec<OsString>,
    changed: bool,
    /// A secret property given as `-X key value` (a space, not `=`).
    spaced_key: Option<String>,
}

/// `args` with the value of every secret `-X` property masked: `-X key=value`,
/// `-Xkey=value`, `--property[=]key=value`, and the argument after `-X key`.
fn mask(args: &[OsString]) -> Masked {
    let mut out = Masked {
        args: args.to_vec(),
        changed: false,
        spaced_key: None,
    };
    let mut i = 1;
    while i < args.len() {
        let arg = args[i].to_string_lossy();
        if arg == "--" {
            break;
        }
        let (property, at) = match property_text(&arg) {
            Some(p) => (p.to_string(), i),
            None if arg == "-X" || arg == "--property" => match args.get(i + 1) {
                Some(next) => {
                    i += 1;
                    (next.to_string_lossy().into_owned(), i)
                }
                None => break,
            },
            None => {
                i += 1;
                continue;
            }
        };
        match property.split_once('=') {
            Some((key, _)) if is_secret_property(key.trim()) => {
                let prefix = &arg_prefix(&args[at], &property);
                out.args[at] = OsString::from(format!("{prefix}{key}={MASK}"));
                out.changed = true;
            }
            None if is_secret_property(property.trim()) => {
                if let Some(value) = out.args.get_mut(at + 1) {
                    *value = OsString::from(MASK);
                    out.changed = true;
                    out.spaced_key = Some(property.trim().to_string());
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The property in `-Xkey=value` or `--property=key=value`.
fn property_text(arg: &str) -> Option<&str> {
    arg.strip_prefix("--property=")
        .or_else(|| arg.strip_prefix("-X").filter(|rest| !rest.is_empty()))
}

/// What precedes the property in its argument (`-X`, `--property=` or nothing).
fn arg_prefix(arg: &OsStr, property: &str) -> String {
    let arg = arg.to_string_lossy();
    arg.strip_suffix(property).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(args: &[&str]) -> String {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let e = Cli::try_parse_from(&args).err().unwrap();
        shown_error(e, &args).to_string()
    }

    #[test]
    fn parser_errors_never_show_a_secret() {
        for args in [
            &["kaftop", "-X", "sasl.password", "SECRET123", "topics"][..],
            &["kaftop", "topics", "-X", "sasl.password", "SECRET123"],
            &["kaftop", "-X", "sasl.password=SECRET123", "topicz"],
            &["kaftop", "-Xsasl.password=SECRET123", "topicz"],
            &["kaftop", "--property=ssl.key.password=SECRET123", "topicz"],
            &[
                "kaftop",
                "--property",
                "sasl.oauthbearer.client.secret=SECRET123",
                "x",
            ],
            &["kaftop", "-Xsasl.password", "SECRET123", "lag"],
        ] {
            let text = shown(args);
            assert!(!text.contains("SECRET123"), "{args:?}: {text}");
            assert!(text.contains("error:"), "{args:?}: {text}");
        }
    }

    #[test]
    fn a_space_after_a_secret_key_is_explained() {
        let text = shown(&["kaftop", "-X", "sasl.password", "SECRET123", "topics"]);
        assert!(text.contains("-X sasl.password=…"), "{text}");
    }

    #[test]
    fn an_over_long_content_is_described_not_echoed() {
        let content = "x".repeat(100_001);
        let args = [
            "kaftop",
            "publish",
            "created",
            "--message-id",
            "1",
            "--sender-id",
            "2",
            "--receiver-id",
            "3",
            "--content",
            &content,
        ];
        let text = Cli::try_parse_from(args).err().unwrap().to_string();
        assert!(
            text.contains("100001 bytes is too long"),
            "{}",
            &text[..200.min(text.len())]
        );
        assert!(
            !text.contains("xxxxxxxxxx"),
            "{}",
            &text[..200.min(text.len())]
        );
        assert!(text.len() < 1000);
    }

    #[test]
    fn errors_without_secrets_are_clap_s_own() {
        let text = shown(&["kaftop", "-X", "linger.ms=5", "topicz"]);
        assert!(text.contains("unrecognized subcommand 'topicz'"), "{text}");
    }
}
