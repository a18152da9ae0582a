//! The layers of the workspace, as data, and the rule that keeps them: a module
//! imports only from layers below its own. ARCHITECTURE.md quotes [`CRATES`].
//!
//! Plain Rust over the source tree (no parser dependency): every `crate::…`,
//! `super::…`, `self::…` and workspace-crate path (`kaftop_core::…`) in code, not
//! only in `use` lines, is resolved to the top-level module it names
//! (`tests/layers/scan.rs`). Two checks:
//!
//! 1. Layers. Crates are ordered, and inside a crate its top-level modules. A
//!    module may import from its own module and from lower layers; modules that
//!    share a layer are peers and do not import each other. Every top-level
//!    module must be in the table, so a new one gets a place on purpose.
//! 2. One level down, the same for the top-level modules [`SUBLAYERS`] lists
//!    (the dashboard, `tui`): their submodules are ordered in layers. Inside
//!    any other top-level module, its submodules (`metrics::engine`,
//!    `metrics::stuck`) do not import each other in a circle.
//!
//! `#[cfg(test)]` code is checked too: a test that needs a module from above
//! belongs in the integration tests, which sit above every crate.

#![allow(clippy::unwrap_used)]

#[path = "layers/scan.rs"]
mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A crate and its top-level modules' layers, top first. A listed module that
/// does not exist is skipped.
struct CrateLayers {
    /// As Cargo.toml names it.
    name: &'static str,
    /// As paths name it.
    path: &'static str,
    /// Its `src` directory, from the workspace root.
    dir: &'static str,
    /// Top first; `None` when only the crate's place is checked.
    layers: Option<&'static [&'static [&'static str]]>,
}

/// The crates, top first: each imports only from those below it.
const CRATES: &[CrateLayers] = &[
    CrateLayers {
        name: "kaftop",
        path: "kaftop",
        dir: "src",
        layers: Some(&[
            // Parses the command line, then runs a subcommand, the dashboard or `serve`.
            &["commands"],
            &["cli"],
            // The two long-running faces; neither knows the other.
            &["tui", "serve"],
            // Encoding a record with registry subjects (the CLI's publish and the panel's).
            &["schema_publish"],
            // Small shared modules.
            &[
                "errors", "logging", "parse", "registry", "search", "signals",
            ],
        ]),
    },
    CrateLayers {
        name: "kaftop-services",
        path: "kaftop_services",
        dir: "crates/kaftop-services/src",
        // Its modules follow the services, each with its store effects; only the
        // crate's place is checked.
        layers: None,
    },
    CrateLayers {
        name: "kaftop-core",
        path: "kaftop_core",
        dir: "crates/kaftop-core/src",
        layers: Some(&[
            // The refresh: reads the cluster, runs the metrics engine.
            &["monitor"],
            // What on-call reads: the incident snapshot, the severity order.
            &["report"],
            // Pure functions over snapshots.
            &["metrics"],
            // Everything that talks to Kafka; its snapshots are plain data.
            &["kafka"],
            &["config"],
            // Records in the schema registry's wire format, decoded to JSON.
            &["schema"],
            // The seed's event schemas.
            &["events"],
            // How a value is written, the one thread kind, the one backoff, and
            // returning freed memory.
            &["present", "worker", "retry", "memory"],
        ]),
    },
];

/// Top-level modules whose submodules are layered too, top first; the rule is
/// the crate table's. Every submodule of a listed module must be in its table.
struct SubLayers {
    /// The crate's path name, as in [`CrateLayers::path`].
    krate: &'static str,
    /// The top-level module.
    module: &'static str,
    layers: &'static [&'static [&'static str]],
}

const SUBLAYERS: &[SubLayers] = &[SubLayers {
    krate: "kaftop",
    module: "tui",
    layers: &[
        // The clusters screen: runs a profile's dashboard through the event loop.
        &["clusters"],
        // The event loop.
        &["runtime"],
        // Folds events into state (and draws it); carries out commands.
        &["app", "io"],
        // Modal key handling; a mode reaches the app through `modes::Host`.
        &["modes"],
        // Each view's state, keys and drawing; it asks for a mode by a `Modal`.
        &["views"],
        // What the views share: config, cluster, clock, notices.
        &["shared"],
        // Requests to and reports from the I/O side.
        &["command", "event"],
        // The operations a dialog plans and carries out; the keymap.
        &["ops", "keymap"],
        // The action table.
        &["action"],
        &["widgets"],
    ],
}];

/// Known violations, each with the change that removes it. `from` and `to` are
/// module paths (`kaftop::tui::views::publish`); an import matches when its file's
/// module starts with `from` and what it names starts with `to`. An entry that
/// matches nothing fails the test: remove it.
struct Known {
    from: &'static str,
    to: &'static str,
    why: &'static str,
}

const KNOWN: &[Known] = &[];

/// One import that breaks a rule, with the modules it joins.
struct Violation {
    at: String,
    text: String,
    from: String,
    to: String,
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for krate in CRATES {
        let dir = root.join(krate.dir);
        if dir.is_dir() {
            found.extend(check_crate(root, krate, &dir));
        }
    }
    found.extend(unknown_crates(root));
    let mut used = vec![false; KNOWN.len()];
    let mut failures: Vec<String> = Vec::new();
    for v in &found {
        match KNOWN
            .iter()
            .position(|k| starts(&v.from, k.from) && starts(&v.to, k.to))
        {
            Some(k) => used[k] = true,
            None => failures.push(format!("{} {}", v.at, v.text)),
        }
    }
    for (k, used) in KNOWN.iter().zip(used) {
        if !used {
            failures.push(format!(
                "allow-list: {} → {} ({}) matches nothing any more: remove it",
                k.from, k.to, k.why
            ));
        }
    }
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} layer violation(s) (the layers: tests/layers.rs, ARCHITECTURE.md):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `path` is `prefix` or inside it (`a::b` starts `a::b::c`, not `a::bc`).
fn starts(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// A file under `crates/` that belongs to no crate in the table.
fn unknown_crates(root: &Path) -> Vec<Violation> {
    let Ok(entries) = std::fs::read_dir(root.join("crates")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("src").is_dir())
        .filter_map(|e| {
            let dir = format!("crates/{}/src", e.file_name().to_string_lossy());
            (!CRATES.iter().any(|k| k.dir == dir)).then(|| Violation {
                at: dir.clone(),
                text: "is a crate the layer table does not list".into(),
                from: dir.clone(),
                to: String::new(),
            })
        })
        .collect()
}

/// One source file: where it is, its module path and what it names.
struct File {
    rel: String,
    module: Vec<String>,
    refs: Vec<scan::Ref>,
}

fn check_crate(root: &Path, krate: &CrateLayers, dir: &Path) -> Vec<Violation> {
    let mut files = Vec::new();
    for path in rust_files(dir) {
        let rel_src = path.strip_prefix(dir).unwrap();
        let module = module_path(rel_src);
        let src = std::fs::read_to_string(&path).unwrap();
        let refs = scan::scan(&src, krate.path, &module);
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        files.push(File { rel, module, refs });
    }
    let mut out = Vec::new();
    let tops = top_modules(dir);
    if let Some(layers) = krate.layers {
        out.extend(unlisted(krate.dir, krate.name, krate.path, &tops, layers));
    }
    for sub in SUBLAYERS.iter().filter(|s| s.krate == krate.path) {
        let at = format!("{}/{}", krate.dir, sub.module);
        let name = format!("{}::{}", krate.name, sub.module);
        let path = format!("{}::{}", krate.path, sub.module);
        let subs = sub_modules(&dir.join(sub.module));
        out.extend(unlisted(&at, &name, &path, &subs, sub.layers));
    }
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in &files {
        for r in &f.refs {
            let at = format!("{}:{}", f.rel, r.line);
            if let Some(v) = check_ref(krate, &tops, &f.module, r, &at) {
                out.push(v);
            }
            if let Some(v) = check_sub_ref(dir, krate, &f.module, r, &at) {
                out.push(v);
            }
            if let Some(edge) = sub_edge(dir, &f.module, krate.path, r) {
                edges.entry(edge).or_insert(at);
            }
        }
    }
    out.extend(circles(krate.path, &edges));
    out
}

/// The modules of `modules` a layer table does not list: `at` is their
/// directory, `name` and `path` what holds them (`kaftop`, `kaftop::tui`).
fn unlisted(
    at: &str,
    name: &str,
    path: &str,
    modules: &BTreeSet<String>,
    layers: &[&[&str]],
) -> Vec<Violation> {
    modules
        .iter()
        .filter(|m| layer_of(layers, m).is_none())
        .map(|m| Violation {
            at: format!("{at}/{m}"),
            text: format!("is a module of {name} the layer table does not list"),
            from: format!("{path}::{m}"),
            to: String::new(),
        })
        .collect()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `tui/views/mod.rs` → `["tui", "views"]`; `lib.rs` and `main.rs` → `[]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod")
        || (parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main"))
    {
        parts.pop();
    }
    parts
}

/// The crate's top-level modules: its `.rs` files (but the crate roots) and
/// directories.
fn top_modules(dir: &Path) -> BTreeSet<String> {
    sub_modules(dir)
        .into_iter()
        .filter(|m| m != "lib" && m != "main")
        .collect()
}

/// The modules a directory holds: `NAME.rs` and `NAME/`.
fn sub_modules(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            let name = p.file_stem()?.to_string_lossy().into_owned();
            let module = p.is_dir() || p.extension().is_some_and(|x| x == "rs");
            (module && name != "mod").then_some(name)
        })
        .collect()
}

fn layer_of(layers: &[&[&str]], module: &str) -> Option<usize> {
    layers.iter().position(|l| l.contains(&module))
}

fn crate_index(path: &str) -> Option<usize> {
    CRATES.iter().position(|k| k.path == path)
}

/// "kaftop layer 3: tui, serve"; `name` is a crate or a top-level module
/// (`kaftop::tui`).
fn describe(name: &str, layers: &[&[&str]], layer: usize) -> String {
    format!("{name} layer {}: {}", layer + 1, layers[layer].join(", "))
}

/// The rule an import from module `from` (`label` in the message) of
/// `name`'s layer table of what `to` names (`path`) breaks, if any.
fn order(
    name: &str,
    layers: &[&[&str]],
    (from, label): (&str, &str),
    to: &str,
    path: &str,
) -> Option<String> {
    let (lf, lt) = (layer_of(layers, from)?, layer_of(layers, to)?);
    let what = format!("imports {path} ({})", describe(name, layers, lt));
    if lt < lf {
        Some(format!(
            "{what} from {label} ({})",
            describe(name, layers, lf)
        ))
    } else if lt == lf {
        Some(format!(
            "{what} from its peer {label}: peers in one layer do not import each other"
        ))
    } else {
        None
    }
}

/// The rule one path breaks, if any.
fn check_ref(
    krate: &CrateLayers,
    tops: &BTreeSet<String>,
    module: &[String],
    r: &scan::Ref,
    at: &str,
) -> Option<Violation> {
    let here = crate_index(krate.path)?;
    let there = crate_index(&r.krate)?;
    let from_path = format!("{}::{}", krate.path, module.join("::"));
    let to_path = format!("{}::{}", r.krate, r.path.join("::"));
    let violation = |text: String| Violation {
        at: at.to_string(),
        text,
        from: from_path.clone(),
        to: to_path.clone(),
    };
    if there < here {
        return Some(violation(format!(
            "imports {to_path} (crate {}) from crate {}, which is below it",
            CRATES[there].name, krate.name
        )));
    }
    let layers = krate.layers?;
    let (Some(from), Some(to)) = (module.first(), r.path.first()) else {
        return None;
    };
    if there != here || from == to || !tops.contains(to) {
        return None;
    }
    order(krate.name, layers, (from, from), to, &r.path.join("::")).map(violation)
}

/// The rule one path breaks one level down, inside a top-level module that
/// [`SUBLAYERS`] lists: `tui::modes` naming `tui::app`.
fn check_sub_ref(
    dir: &Path,
    krate: &CrateLayers,
    module: &[String],
    r: &scan::Ref,
    at: &str,
) -> Option<Violation> {
    let sub = SUBLAYERS
        .iter()
        .find(|s| s.krate == krate.path && module.first().is_some_and(|m| m == s.module))?;
    let (from, to) = (module.get(1)?, r.path.get(1)?);
    if r.krate != krate.path
        || r.path[0] != sub.module
        || from == to
        || !sub_modules(&dir.join(sub.module)).contains(to)
    {
        return None;
    }
    let name = format!("{}::{}", krate.name, sub.module);
    let label = format!("{}::{from}", sub.module);
    let text = order(&name, sub.layers, (from, &label), to, &r.path.join("::"))?;
    Some(Violation {
        at: at.to_string(),
        text,
        from: format!("{}::{}", krate.path, module.join("::")),
        to: format!("{}::{}", r.krate, r.path.join("::")),
    })
}

/// `(metrics::engine, metrics::stuck)` when a file in `metrics::engine` names
/// something in `metrics::stuck`: both submodules of one top-level module.
fn sub_edge(dir: &Path, module: &[String], krate: &str, r: &scan::Ref) -> Option<(String, String)> {
    if r.krate != krate || module.len() < 2 || r.path.len() < 2 {
        return None;
    }
    let (top, from, to) = (&module[0], &module[1], &r.path[1]);
    // A layered module's circles are layer violations already.
    let layered = SUBLAYERS
        .iter()
        .any(|s| s.krate == krate && s.module == top);
    if layered || r.path[0] != *top || from == to || !sub_modules(&dir.join(top)).contains(to) {
        return None;
    }
    Some((
        format!("{krate}::{top}::{from}"),
        format!("{krate}::{top}::{to}"),
    ))
}

/// Every import on a circle of submodules, one per edge (strongly connected
/// components of the graph, by repeated reachability: the graphs are small).
fn circles(krate: &str, edges: &BTreeMap<(String, String), String>) -> Vec<Violation> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(next.get(n).into_iter().flatten());
            }
        }
        false
    };
    edges
        .iter()
        .filter(|((a, b), _)| reaches(b, a))
        .map(|((a, b), at)| Violation {
            at: at.clone(),
            text: format!(
                "imports {} from {}, which it reaches back: a circle in {krate}",
                short(b),
                short(a)
            ),
            from: a.clone(),
            to: b.clone(),
        })
        .collect()
}

/// A module path without its crate.
fn short(path: &str) -> &str {
    path.split_once("::").map_or(path, |(_, rest)| rest)
}
