//! The configuration as a whole: parse, resolve, the errors they name.

use std::path::Path;
use std::time::Duration;

use super::*;

fn resolve_str(text: &str, ov: &Overrides) -> Result<Resolved, ConfigError> {
    let f = parse_str(text, "test.toml")?;
    resolve(Some(&f), Some(Path::new("test.toml")), ov)
}

fn err_string(r: Result<Resolved, ConfigError>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn defaults_without_a_file() {
    let r = resolve(None, None, &Overrides::default()).unwrap();
    assert_eq!(r.profile, "default");
    assert_eq!(r.bootstrap_servers, "127.0.0.1:9092");
    assert_eq!(r.poll_interval, Duration::from_secs(2));
    assert_eq!(r.topics.created.name, "message.created");
    assert_eq!(r.topics.deleted.partitions, 3);
    assert_eq!(r.lag_threshold("anything"), 1000);
}

#[test]
fn picks_default_profile_and_cli_overrides() {
    let text = r#"
        default_profile = "prod"
        [profiles.local]
        bootstrap_servers = "127.0.0.1:9092"
        [profiles.prod]
        bootstrap_servers = "kafka-1:9092,kafka-2:9092"
        poll_interval = "5s"
        properties = { "client.id" = "kaftop-prod" }
        [profiles.prod.lag]
        default_threshold = 50
        groups = { "archive-service-group" = 10 }
    "#;
    let r = resolve_str(text, &Overrides::default()).unwrap();
    assert_eq!(r.profile, "prod");
    assert_eq!(r.bootstrap_servers, "kafka-1:9092,kafka-2:9092");
    assert_eq!(r.poll_interval, Duration::from_secs(5));
    assert_eq!(r.properties["client.id"].value(), "kaftop-prod");
    assert_eq!(r.lag_threshold("archive-service-group"), 10);
    assert_eq!(r.lag_threshold("other"), 50);

    let ov = Overrides {
        profile: Some("local".into()),
        bootstrap_servers: Some("10.0.0.1:19092".into()),
        properties: vec![("client.id".into(), "cli".into())],
        ..Default::default()
    };
    let r = resolve_str(text, &ov).unwrap();
    assert_eq!(r.profile, "local");
    assert_eq!(r.bootstrap_servers, "10.0.0.1:19092");
    assert_eq!(r.properties["client.id"].value(), "cli");
}

#[test]
fn unknown_profile_is_named() {
    let text = "[profiles.local]\nbootstrap_servers = \"a:1\"\n";
    let ov = Overrides {
        profile: Some("nope".into()),
        ..Default::default()
    };
    let e = err_string(resolve_str(text, &ov));
    assert!(e.contains("test.toml"), "{e}");
    assert!(e.contains("--profile"), "{e}");
    assert!(e.contains("unknown profile `nope` (known: local)"), "{e}");
}

#[test]
fn wrong_type_names_key_and_line() {
    let text = "[profiles.local]\nbootstrap_servers = \"a:1\"\n[profiles.local.lag]\ndefault_threshold = \"lots\"\n";
    let e = err_string(resolve_str(text, &Overrides::default()));
    assert!(
        e.starts_with("test.toml:4: key `profiles.local.lag.default_threshold`"),
        "{e}"
    );
    assert!(e.contains("invalid type"), "{e}");
}

#[test]
fn unknown_key_is_rejected() {
    let e = err_string(resolve_str(
        "[topics.created]\nname = \"x\"\npartitionz = 3\n",
        &Overrides::default(),
    ));
    assert!(e.contains("key `topics.created.partitionz`"), "{e}");
    assert!(e.contains("unknown field"), "{e}");
}

#[test]
fn bad_values_are_rejected() {
    for (text, key) in [
        (
            "[profiles.default]\nbootstrap_servers = \"nohost\"\n",
            "profiles.default.bootstrap_servers",
        ),
        (
            "[profiles.default]\nbootstrap_servers = \"h:99999\"\n",
            "profiles.default.bootstrap_servers",
        ),
        ("[topics.read]\nname = \"bad name\"\n", "topics.read.name"),
        (
            "[topics.read]\nname = \"ok\"\npartitions = 0\n",
            "topics.read.partitions",
        ),
        (
            "[profiles.default]\nbootstrap_servers = \"h:1\"\npoll_interval = \"10ms\"\n",
            "profiles.default.poll_interval",
        ),
        (
            "[profiles.default]\nbootstrap_servers = \"h:1\"\npoll_interval = \"soon\"\n",
            "profiles.default.poll_interval",
        ),
        (
            "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nprotocol = \"TLS\"\n",
            "profiles.default.security.protocol",
        ),
        ("[services]\nconcurrency = 0\n", "services.concurrency"),
    ] {
        let e = err_string(resolve_str(text, &Overrides::default()));
        assert!(e.contains(&format!("key `{key}`")), "{text} -> {e}");
    }
}

#[test]
fn secrets_come_from_env_and_are_masked() {
    std::env::set_var("KAFTOP_TEST_SECRET_1", "hunter2");
    let text = r#"
        [profiles.default]
        bootstrap_servers = "h:9093"
        properties = { "sasl.oauthbearer.client.secret" = "s3cr3t" }
        [profiles.default.security]
        protocol = "sasl_ssl"
        sasl_mechanism = "SCRAM-SHA-512"
        sasl_username = "kaftop"
        sasl_password_env = "KAFTOP_TEST_SECRET_1"
    "#;
    let r = resolve_str(text, &Overrides::default()).unwrap();
    assert_eq!(r.properties["sasl.password"].value(), "hunter2");
    assert_eq!(r.properties["security.protocol"].value(), "SASL_SSL");
    let json = serde_json::to_string(&r).unwrap();
    let debug = format!("{r:?}");
    for shown in [&json, &debug] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("********"), "{shown}");
    }
}

#[test]
fn missing_secret_env_is_an_error() {
    let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nsasl_password_env = \"KAFTOP_TEST_UNSET_VAR_X\"\n";
    let e = err_string(resolve_str(text, &Overrides::default()));
    assert!(
        e.contains("`KAFTOP_TEST_UNSET_VAR_X` is not set")
            && e.contains("profiles.default.security.sasl_password_env"),
        "{e}"
    );
}

#[test]
fn empty_secrets_are_errors() {
    std::env::set_var("KAFTOP_TEST_EMPTY_SECRET", "");
    let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nssl_key_password_env = \"KAFTOP_TEST_EMPTY_SECRET\"\n";
    assert_eq!(
        err_string(resolve_str(text, &Overrides::default())),
        "test.toml: key `profiles.default.security.ssl_key_password_env`: \
         environment variable `KAFTOP_TEST_EMPTY_SECRET` is empty"
    );
    let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nsasl_password = \"\"\n";
    assert_eq!(
        err_string(resolve_str(text, &Overrides::default())),
        "test.toml: key `profiles.default.security.sasl_password`: is empty"
    );
    let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\nproperties = { \"sasl.password\" = \"\" }\n";
    assert_eq!(
        err_string(resolve_str(text, &Overrides::default())),
        "test.toml: key `profiles.default.properties.\"sasl.password\"`: is empty"
    );
}

#[test]
fn a_setting_in_security_and_properties_is_an_error() {
    let text = r#"
        [profiles.default]
        bootstrap_servers = "h:1"
        properties = { "security.protocol" = "SSL" }
        [profiles.default.security]
        protocol = "SASL_SSL"
    "#;
    assert_eq!(
        err_string(resolve_str(text, &Overrides::default())),
        "test.toml: key `profiles.default.properties.\"security.protocol\"`: \
         `security.protocol` is also set by key `profiles.default.security.protocol`; \
         set it in one place"
    );
}

#[test]
fn property_origins_name_the_file_key_or_flag() {
    let text = r#"
        [profiles.default]
        bootstrap_servers = "h:1"
        properties = { "client.id" = "x" }
        [profiles.default.security]
        sasl_mechanism = "PLAIN"
    "#;
    let ov = Overrides {
        properties: vec![("linger.ms".into(), "5".into())],
        ..Default::default()
    };
    let r = resolve_str(text, &ov).unwrap();
    assert_eq!(
        r.property_origin("client.id").as_deref(),
        Some("test.toml: key `profiles.default.properties.\"client.id\"`")
    );
    assert_eq!(
        r.property_origin("sasl.mechanism").as_deref(),
        Some("test.toml: key `profiles.default.security.sasl_mechanism`")
    );
    assert_eq!(
        r.property_origin("linger.ms").as_deref(),
        Some("-X linger.ms")
    );
}

#[test]
fn a_secret_of_the_wrong_type_is_not_echoed() {
    let cases = [
        (
            "[profiles.default.security]\nsasl_password = 987654321\n",
            "profiles.default.security.sasl_password",
        ),
        (
            "[profiles.default.properties]\n\"sasl.password\" = 987654321\n",
            "profiles.default.properties.sasl.password",
        ),
    ];
    for (text, key) in cases {
        let e = parse_str(text, "k.toml").unwrap_err().to_string();
        assert!(!e.contains("987654321"), "{e}");
        assert_eq!(
            e,
            format!("k.toml:2: key `{key}`: invalid value (hidden: a secret), expected a string")
        );
    }
    // Other keys keep the value: it helps and hides nothing.
    let e = parse_str("[profiles.default]\npoll_interval = 12\n", "k.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("12"), "{e}");
}

#[test]
fn secret_looking_properties() {
    for k in [
        "sasl.password",
        "ssl.key.password",
        "ssl.keystore.password",
        "ssl.key.pem",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.config",
        "sasl.jaas.config",
        "sasl.oauthbearer.token.endpoint.url.token",
        "SASL.PASSWORDD",
    ] {
        assert!(is_secret_property(k), "{k}");
    }
    for k in [
        "client.id",
        "ssl.key.location",
        "ssl.ca.location",
        "socket.keepalive.enable",
        "sasl.username",
        "security.protocol",
    ] {
        assert!(!is_secret_property(k), "{k}");
    }
}

#[test]
fn profile_topics_replace_shared_topics() {
    let text = r#"
        [topics.created]
        name = "a.created"
        [profiles.default]
        bootstrap_servers = "h:1"
        [profiles.default.topics.created]
        name = "prod.created"
        replication_factor = 3
    "#;
    let r = resolve_str(text, &Overrides::default()).unwrap();
    assert_eq!(r.topics.created.name, "prod.created");
    assert_eq!(r.topics.created.replication_factor, 3);
    assert_eq!(r.topics.read.name, "message.read");
}

#[test]
fn credentials_in_the_bootstrap_address_are_refused_unechoed() {
    for (text, ov) in [
        (
            "[profiles.default]\nbootstrap_servers = \"admin:S3cretPw@kafka:9092\"\n",
            Overrides::default(),
        ),
        (
            "",
            Overrides {
                bootstrap_servers: Some("h:1,SASL_SSL://admin:S3cretPw@kafka:9092".into()),
                ..Default::default()
            },
        ),
    ] {
        let e = err_string(resolve_str(text, &ov));
        assert!(e.contains("holds credentials"), "{e}");
        assert!(!e.contains("S3cretPw") && !e.contains("admin"), "{e}");
    }
}

#[test]
fn oauthbearer_oidc_becomes_librdkafka_properties_with_the_secret_masked() {
    std::env::set_var("KAFTOP_TEST_OIDC_SECRET", "oidc-s3cr3t");
    let text = r#"
        [profiles.default]
        bootstrap_servers = "h:9093"
        [profiles.default.security]
        protocol = "SASL_SSL"
        [profiles.default.security.oauthbearer]
        method = "oidc"
        token_endpoint_url = "https://idp.example.com/oauth2/token"
        client_id = "kaftop"
        client_secret_env = "KAFTOP_TEST_OIDC_SECRET"
        scope = "kafka"
        extensions = "logicalCluster=lkc-1,identityPoolId=pool-1"
    "#;
    let r = resolve_str(text, &Overrides::default()).unwrap();
    let p = |k: &str| r.properties[k].value().to_string();
    assert_eq!(p("sasl.mechanism"), "OAUTHBEARER");
    assert_eq!(p("sasl.oauthbearer.method"), "oidc");
    assert_eq!(
        p("sasl.oauthbearer.token.endpoint.url"),
        "https://idp.example.com/oauth2/token"
    );
    assert_eq!(p("sasl.oauthbearer.client.id"), "kaftop");
    assert_eq!(p("sasl.oauthbearer.client.secret"), "oidc-s3cr3t");
    assert_eq!(p("sasl.oauthbearer.scope"), "kafka");
    assert_eq!(
        p("sasl.oauthbearer.extensions"),
        "logicalCluster=lkc-1,identityPoolId=pool-1"
    );
    assert!(r.secret_values().any(|s| s == "oidc-s3cr3t"));
    let shown = format!("{} {r:?}", serde_json::to_string(&r).unwrap());
    assert!(!shown.contains("oidc-s3cr3t"), "{shown}");
}

#[test]
fn oauthbearer_unsecured_jwt_is_named_test_only() {
    let text = r#"
        [profiles.default]
        bootstrap_servers = "h:9093"
        [profiles.default.security]
        protocol = "SASL_PLAINTEXT"
        sasl_mechanism = "OAUTHBEARER"
        oauthbearer = { method = "unsecured-jwt-test-only", principal = "alice" }
    "#;
    let r = resolve_str(text, &Overrides::default()).unwrap();
    assert_eq!(
        r.properties["enable.sasl.oauthbearer.unsecure.jwt"].value(),
        "true"
    );
    assert_eq!(
        r.properties["sasl.oauthbearer.config"].value(),
        "principal=alice"
    );
    assert!(!r.properties.contains_key("sasl.oauthbearer.method"));
}

#[test]
fn oauthbearer_mistakes_name_the_key() {
    let base = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\n";
    for (table, key, why) in [
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"saml\" }",
            "security.oauthbearer.method",
            "`saml` is not one of oidc",
        ),
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"oidc\", client_id = \"c\", client_secret_env = \"X\" }",
            "security.oauthbearer.token_endpoint_url",
            "is needed",
        ),
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"oidc\", token_endpoint_url = \"ftp://idp/x\", client_id = \"c\", client_secret_env = \"X\" }",
            "security.oauthbearer.token_endpoint_url",
            "not an http:// or https:// URL",
        ),
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"oidc\", token_endpoint_url = \"https://u:pw@idp/x\", client_id = \"c\", client_secret_env = \"X\" }",
            "security.oauthbearer.token_endpoint_url",
            "holds credentials",
        ),
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"oidc\", token_endpoint_url = \"https://idp/x\", client_id = \"c\" }",
            "security.oauthbearer.client_secret_env",
            "is needed by method `oidc`",
        ),
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"oidc\", token_endpoint_url = \"https://idp/x\", client_id = \"c\", client_secret_env = \"KAFTOP_TEST_UNSET_OIDC\" }",
            "security.oauthbearer.client_secret_env",
            "`KAFTOP_TEST_UNSET_OIDC` is not set",
        ),
        (
            "protocol = \"SASL_SSL\"\noauthbearer = { method = \"unsecured-jwt-test-only\", principal = \"p\", client_id = \"c\" }",
            "security.oauthbearer.client_id",
            "belongs to method `oidc`",
        ),
        (
            "protocol = \"SASL_SSL\"\nsasl_mechanism = \"PLAIN\"\noauthbearer = { method = \"unsecured-jwt-test-only\", principal = \"p\" }",
            "security.oauthbearer",
            "is for sasl_mechanism = \"OAUTHBEARER\"",
        ),
        (
            "protocol = \"SASL_SSL\"\nsasl_mechanism = \"OAUTHBEARER\"",
            "security.sasl_mechanism",
            "needs a token source",
        ),
        (
            "oauthbearer = { method = \"unsecured-jwt-test-only\", principal = \"p\" }",
            "security.oauthbearer",
            "needs protocol = \"SASL_SSL\"",
        ),
    ] {
        let e = err_string(resolve_str(&format!("{base}{table}\n"), &Overrides::default()));
        assert!(
            e.contains(&format!("profiles.default.{key}")) && e.contains(why),
            "{table}: {e}"
        );
        assert!(!e.contains("pw@"), "{e}");
    }
}
