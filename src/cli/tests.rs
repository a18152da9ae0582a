//! Parsing the command line: flags, subcommands and bad values.

use super::*;
use clap::CommandFactory;

#[test]
fn cli_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn rates() {
    assert_eq!(parse_rate("500"), Ok(500.0));
    assert_eq!(parse_rate("2.5/s"), Ok(2.5));
    for bad in ["0", "-1", "fast", "inf", "NaN", "5/m", "1e-20"] {
        assert!(parse_rate(bad).is_err(), "{bad}");
    }
}

#[test]
fn properties() {
    assert_eq!(
        parse_property("linger.ms=5"),
        Ok(("linger.ms".into(), "5".into()))
    );
    assert_eq!(parse_property("a=b=c"), Ok(("a".into(), "b=c".into())));
    assert!(parse_property("novalue").is_err());
    assert!(parse_property("=x").is_err());
}

#[test]
fn a_reset_needs_one_scope_and_exactly_one_target() {
    let parse = |args: &[&str]| {
        let mut all = vec!["kaftop", "groups", "reset-offsets", "--group", "g"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all)
    };
    for bad in [
        &["--to-earliest"][..],
        &["--topic", "t"],
        &["--topic", "t", "--all-topics", "--to-earliest"],
        &["--topic", "t", "--to-earliest", "--to-latest"],
        &["--topic", "t", "--to-offset", "1", "--shift-by", "1"],
        &["--topic", "t:x", "--to-earliest"],
        &["--topic", "t", "--to-datetime", "yesterday"],
        &["--topic", "t", "--by-duration", "PT"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    let ok = parse(&[
        "--topic",
        "a:0,2",
        "--topic",
        "b",
        "--shift-by",
        "-3",
        "--execute",
    ])
    .unwrap();
    let Some(Command::Groups(GroupsCommand::ResetOffsets(r))) = ok.command else {
        panic!()
    };
    assert_eq!(r.topics, ["a:0,2".parse().unwrap(), "b".parse().unwrap()]);
    assert_eq!(
        (r.shift_by, r.execute, r.all_topics),
        (Some(-3), true, false)
    );
    let ok = parse(&["--all-topics", "--by-duration", "10m"]).unwrap();
    let Some(Command::Groups(GroupsCommand::ResetOffsets(r))) = ok.command else {
        panic!()
    };
    assert_eq!((r.by_duration, r.all_topics), (Some(600_000), true));
}

#[test]
fn bad_values_fail_to_parse() {
    for args in [
        &["kaftop", "bulk", "--count", "0"][..],
        &["kaftop", "bulk", "--type", "updated"],
        &[
            "kaftop",
            "publish",
            "read",
            "--message-id",
            "x",
            "--receiver-id",
            "1",
        ],
        &["kaftop", "publish", "read", "--message-id", "1"],
        &[
            "kaftop",
            "publish",
            "read",
            "--message-id",
            "1",
            "--receiver-id",
            "2",
            "--read-at",
            "noon",
        ],
    ] {
        assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
    }
    let ok = Cli::try_parse_from([
        "kaftop", "-b", "h:1", "bulk", "--count", "5", "--type", "mixed", "--rate", "10/s",
    ])
    .unwrap();
    let Some(Command::Bulk(b)) = ok.command else {
        panic!()
    };
    assert_eq!((b.count, b.kind, b.rate), (5, BulkType::Mixed, Some(10.0)));
}
