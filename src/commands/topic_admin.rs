//! `kaftop topics create | delete | add-partitions | config`: the CLI side of
//! `kafka::topic_admin` (what each prints, and the typed-name confirmation).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;

use super::out::{note, out, outln};

use crate::cli::TopicsCommand;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::topic_admin::{
    ConfigChange, ConfigPlan, NewTopicSpec, TopicAdmin, TopicConfig,
};

pub(super) async fn run(command: TopicsCommand, cfg: &Resolved) -> Result<ExitCode> {
    let admin = TopicAdmin::new(cfg)?;
    match command {
        TopicsCommand::Ensure { .. } => unreachable!("`topics ensure` is not an admin command"),
        TopicsCommand::Create {
            name,
            partitions,
            replication_factor,
            configs,
            json,
        } => {
            let spec = NewTopicSpec {
                name,
                partitions,
                replication_factor,
                configs,
            };
            admin.create(&spec).await?;
            if json {
                super::print_json(&spec)?;
            } else {
                outln(format_args!(
                    "created topic `{}` ({} partitions, replication factor {})",
                    spec.name, spec.partitions, spec.replication_factor
                ))?;
                for (k, v) in &spec.configs {
                    outln(format_args!("  {k}={v}"))?;
                }
            }
        }
        TopicsCommand::Delete { name, yes } => {
            if !yes {
                confirm_delete(&name)?;
            }
            admin.delete(&name).await?;
            outln(format_args!("deleted topic `{name}`"))?;
        }
        TopicsCommand::AddPartitions { name, to, json } => {
            let plan = admin.plan_partitions(&name, to as usize)?;
            note(format_args!(
                "kaftop: warning: keyed records of `{name}` will go to other partitions from now on \
                 (a key's partition depends on the partition count): a key's new records are no \
                 longer ordered after its old ones"
            ));
            admin.add_partitions(&plan).await?;
            if json {
                super::print_json(&plan)?;
            } else {
                outln(format_args!(
                    "topic `{}`: {} -> {} partitions",
                    plan.topic, plan.current, plan.to
                ))?;
            }
        }
        TopicsCommand::Config {
            name,
            set,
            delete,
            json,
        } => {
            if set.is_empty() && delete.is_empty() {
                let configs = admin.describe_config(&name).await?;
                if json {
                    super::print_json(&configs)?;
                } else {
                    out(render_configs(&configs))?;
                }
            } else {
                let plan = admin
                    .plan_config(&name, &ConfigChange { set, delete })
                    .await?;
                admin.alter_config(&plan)?;
                if json {
                    super::print_json(&plan)?;
                } else {
                    out(render_plan(&plan))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks for the topic's name again on the terminal; refuses without a terminal.
fn confirm_delete(name: &str) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!(
            "refusing to delete topic `{name}` without confirmation: no terminal to type its \
             name on; pass --yes to delete it"
        );
    }
    let confirmed = confirm_by_name(name, &mut stdin.lock(), &mut std::io::stderr())?;
    if !confirmed {
        anyhow::bail!("the name typed is not `{name}`: nothing was deleted");
    }
    Ok(())
}

/// Prompts on `out` and reads one line from `input`: true when it is `name`.
fn confirm_by_name(name: &str, input: &mut impl BufRead, out: &mut impl Write) -> Result<bool> {
    write!(
        out,
        "Deleting topic `{name}` removes all its records. Type its name to confirm: "
    )?;
    out.flush()?;
    let mut line = String::new();
    input.read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']) == name)
}

/// CONFIG VALUE SOURCE, one line per config; sensitive values masked.
fn render_configs(configs: &[TopicConfig]) -> String {
    let mut rows = vec![["CONFIG", "VALUE", "SOURCE"].map(String::from)];
    for c in configs {
        let value = match (&c.value, c.sensitive) {
            (_, true) => "(sensitive)".to_string(),
            // An empty value (no throttled replicas, ...) still fills its cell.
            (Some(v), false) if v.is_empty() => "\"\"".to_string(),
            (Some(v), false) => v.clone(),
            (None, false) => "-".to_string(),
        };
        rows.push([c.name.clone(), value, c.source.as_str().to_string()]);
    }
    super::table(&rows)
}

/// CONFIG BEFORE AFTER of each edit; `(default)` where the topic has no value of its own.
fn render_plan(plan: &ConfigPlan) -> String {
    let own = |v: &Option<String>| v.clone().unwrap_or_else(|| "(default)".into());
    let mut rows = vec![["CONFIG", "BEFORE", "AFTER"].map(String::from)];
    for e in &plan.edits {
        rows.push([e.name.clone(), own(&e.before), own(&e.after)]);
    }
    format!(
        "altered the configs of topic `{}`:\n{}",
        plan.topic,
        super::table(&rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::kafka::topic_admin::{ConfigEdit, Source};

    #[test]
    fn the_name_typed_must_match() {
        let mut out = Vec::new();
        assert!(confirm_by_name("orders", &mut "orders\n".as_bytes(), &mut out).unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Deleting topic `orders` removes all its records. Type its name to confirm: "
        );
        for typed in ["order\n", "ORDERS\n", "", "orders \n"] {
            assert!(
                !confirm_by_name("orders", &mut typed.as_bytes(), &mut Vec::new()).unwrap(),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn configs_show_source_and_mask_sensitive_values() {
        let c = |name: &str, value: Option<&str>, source, sensitive| TopicConfig {
            name: name.into(),
            value: value.map(String::from),
            source,
            is_default: source == Source::Default,
            sensitive,
            read_only: false,
        };
        let configs = [
            c("cleanup.policy", Some("compact"), Source::Topic, false),
            c("sasl.jaas.config", None, Source::StaticBroker, true),
            c("segment.bytes", Some("1073741824"), Source::Default, false),
        ];
        assert_eq!(
            render_configs(&configs),
            "CONFIG            VALUE        SOURCE\n\
             cleanup.policy    compact      topic\n\
             sasl.jaas.config  (sensitive)  broker config file\n\
             segment.bytes     1073741824   default\n"
        );
        let plan = ConfigPlan {
            topic: "t".into(),
            edits: vec![
                ConfigEdit {
                    name: "retention.ms".into(),
                    before: None,
                    after: Some("1000".into()),
                },
                ConfigEdit {
                    name: "cleanup.policy".into(),
                    before: Some("compact".into()),
                    after: None,
                },
            ],
        };
        assert_eq!(
            render_plan(&plan),
            "altered the configs of topic `t`:\n\
             CONFIG          BEFORE     AFTER\n\
             retention.ms    (default)  1000\n\
             cleanup.policy  compact    (default)\n"
        );
    }
}
