//! Bad command-line values and an unreachable broker: a non-zero exit with a
//! one-line reason, before anything is sent.

#![allow(clippy::unwrap_used)]

mod common;

use common::kaftop;

/// Runs kaftop with bad arguments: it must fail, with the reason on stderr's first line.
fn stderr_of_failure(args: &[&str]) -> String {
    let out = kaftop().args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") || first.starts_with("kaftop: error: "),
        "{args:?}: {stderr}"
    );
    stderr
}

#[test]
fn bad_values_are_rejected_with_a_reason() {
    let cases: &[(&[&str], &str)] = &[
        (&["bulk", "--count", "0"], "--count"),
        (&["bulk", "--count", "many"], "invalid digit"),
        (&["bulk", "--type", "updated"], "updated"),
        (&["bulk", "--rate", "fast"], "is not a rate such as 500"),
        (
            &[
                "publish",
                "created",
                "--message-id",
                "abc",
                "--sender-id",
                "1",
                "--receiver-id",
                "2",
                "--content",
                "x",
            ],
            // The shared field rule's reason (was the integer parser's "invalid digit").
            "invalid value 'abc' for '--message-id <MESSAGE_ID>': `abc` is not an integer",
        ),
        // A negative id is a value the rule refuses, in either spelling, not an
        // unknown argument.
        (
            &["publish", "read", "--message-id", "-1", "--receiver-id", "2"],
            "invalid value '-1' for '--message-id <MESSAGE_ID>': must be greater than 0",
        ),
        (
            &["publish", "read", "--message-id=-1", "--receiver-id", "2"],
            "invalid value '-1' for '--message-id <MESSAGE_ID>': must be greater than 0",
        ),
        (
            &[
                "publish",
                "created",
                "--message-id",
                "1",
                "--sender-id",
                "1",
                "--receiver-id",
                "2",
                "--content",
                "",
            ],
            "invalid value '' for '--content <CONTENT>': required",
        ),
        (
            &["bulk", "--start-id", "-5"],
            "invalid value '-5' for '--start-id <START_ID>': must be greater than 0",
        ),
        (
            &["bulk", "--start-id", "9223372036854775000", "--count", "1000"],
            "kaftop: error: --start-id 9223372036854775000 with --count 1000: 1000 ids from 9223372036854775000 go past the largest id (9223372036854775807)\n",
        ),
        (&["publish", "read", "--message-id", "1"], "--receiver-id"),
        (&["-X", "nokey", "bulk"], "is not KEY=VALUE"),
        (&["-b", "no-port", "bulk"], "`no-port` is not host:port"),
    ];
    for (args, expected) in cases {
        let stderr = stderr_of_failure(args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn unreachable_broker_is_a_one_line_error() {
    // Port 1 on loopback: nothing listens there.
    for args in [
        &[
            "-b",
            "127.0.0.1:1",
            "publish",
            "read",
            "--message-id",
            "1",
            "--receiver-id",
            "2",
        ][..],
        &["-b", "127.0.0.1:1", "bulk", "--count", "10"],
        &["-b", "127.0.0.1:1", "topics", "ensure"],
    ] {
        let out = kaftop()
            .args(args)
            .env("KAFTOP_CONFIG", "/dev/null")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with("kaftop: error: cannot reach the cluster at 127.0.0.1:1"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn an_unresolvable_host_is_told_apart_from_a_closed_port() {
    // `.invalid` never resolves (RFC 2606).
    for args in [
        &["-b", "nohost.invalid:9092", "lag"][..],
        &["-b", "nohost.invalid:9092", "tail", "message.created"],
        &["-b", "nohost.invalid:9092", "topics", "ensure"],
    ] {
        let out = kaftop()
            .args(args)
            .env("KAFTOP_CONFIG", "/dev/null")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with("kaftop: error: cannot resolve the host of nohost.invalid:9092"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}
