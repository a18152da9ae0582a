//! Which instance owns which partitions: the services' consumer groups as the
//! cluster describes them (`kaftop services report`). With several instances on one
//! PostgreSQL store, the store's totals are everyone's; this says who does the work.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{service_id, ServicesOptions, ALL_SERVICES};
use kaftop_core::config::Resolved;
use kaftop_core::kafka::admin::{Admin, AdminError};

/// One service's group and its members' partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupOwnership {
    pub service: String,
    pub group: String,
    /// The group's state as the coordinator reports it (`Stable`, `Empty`, ...).
    pub state: String,
    /// Sorted by instance.
    pub members: Vec<MemberOwnership>,
    /// Set when the group could not be described.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberOwnership {
    /// `client.id@host`: the services' client ids name the service, the consumer's
    /// index and the process id, so two instances on one host differ.
    pub instance: String,
    /// Topic → partitions, sorted.
    pub partitions: BTreeMap<String, Vec<i32>>,
}

/// Describes every service group of `cfg` (one request).
pub fn ownership(cfg: &Resolved, timeout: Duration) -> Result<Vec<GroupOwnership>, AdminError> {
    let opts = ServicesOptions::for_config(cfg);
    let groups: Vec<String> = ALL_SERVICES.iter().map(|s| opts.group(*s)).collect();
    let names: Vec<&str> = groups.iter().map(String::as_str).collect();
    let admin = Admin::from_resolved(cfg)?;
    let described = admin.describe_groups(&names, timeout)?;
    Ok(ALL_SERVICES
        .iter()
        .zip(&groups)
        .map(|(s, g)| {
            let d = described.iter().find(|d| &d.group_id == g);
            let mut members: Vec<MemberOwnership> = d
                .map(|d| {
                    d.members
                        .iter()
                        .map(|m| {
                            let mut partitions: BTreeMap<String, Vec<i32>> = BTreeMap::new();
                            for (t, p) in &m.assignment {
                                partitions.entry(t.clone()).or_default().push(*p);
                            }
                            partitions.values_mut().for_each(|v| v.sort_unstable());
                            MemberOwnership {
                                instance: format!(
                                    "{}@{}",
                                    m.client_id,
                                    m.host.trim_start_matches('/')
                                ),
                                partitions,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            members.sort_by(|a, b| a.instance.cmp(&b.instance));
            GroupOwnership {
                service: service_id(*s).to_string(),
                group: g.clone(),
                state: d.map(|d| d.state.to_string()).unwrap_or_default(),
                members,
                error: d.and_then(|d| d.error.clone()),
            }
        })
        .collect())
}
