//! Several clusters on one `/metrics`: each cluster's families are encoded from
//! its own registry, every sample is given a `cluster` label, and the samples of
//! one family are merged under a single `# HELP`/`# TYPE` (a family may be
//! described only once in a scrape). prometheus_client's labelled sub-registries
//! describe each family again per label, which scrapers reject.

/// One family of the exposition text: its description lines and its samples.
struct Block {
    name: String,
    head: Vec<String>,
    samples: Vec<String>,
}

/// Merges `(cluster, text)` encodings (each possibly ending `# EOF`) into one
/// text, the families in first-seen order, each sample labelled with its
/// cluster; `rest` (unlabelled families) follows. `eof` ends the text `# EOF`.
pub(super) fn merge(parts: &[(&str, String)], rest: &str, eof: bool) -> String {
    let mut blocks: Vec<Block> = Vec::new();
    for (cluster, text) in parts {
        // The family the lines read belong to.
        let mut at: Option<usize> = None;
        for line in text.lines().filter(|l| *l != "# EOF" && !l.is_empty()) {
            if let Some(desc) = line.strip_prefix("# ") {
                let name = desc.split(' ').nth(1).unwrap_or_default().to_string();
                let i = match blocks.iter().position(|b| b.name == name) {
                    Some(i) => i,
                    None => {
                        blocks.push(Block {
                            name,
                            head: Vec::new(),
                            samples: Vec::new(),
                        });
                        blocks.len() - 1
                    }
                };
                at = Some(i);
                if !blocks[i].head.iter().any(|h| h == line) {
                    blocks[i].head.push(line.to_string());
                }
            } else if let Some(i) = at {
                blocks[i].samples.push(labelled(line, cluster));
            }
        }
    }
    let mut out = String::with_capacity(rest.len() + 4096);
    for b in &blocks {
        for l in b.head.iter().chain(&b.samples) {
            out.push_str(l);
            out.push('\n');
        }
    }
    for line in rest.lines().filter(|l| *l != "# EOF") {
        out.push_str(line);
        out.push('\n');
    }
    if eof {
        out.push_str("# EOF\n");
    }
    out
}

/// `sample` with `cluster="…"` as its first label.
fn labelled(sample: &str, cluster: &str) -> String {
    let value = escape(cluster);
    let end = sample.find([' ', '{']).unwrap_or(sample.len());
    let (name, tail) = sample.split_at(end);
    match tail.strip_prefix('{') {
        Some(labels) if labels.starts_with('}') => format!("{name}{{cluster=\"{value}\"{labels}"),
        Some(labels) => format!("{name}{{cluster=\"{value}\",{labels}"),
        None => format!("{name}{{cluster=\"{value}\"}}{tail}"),
    }
}

/// A label value as the exposition formats quote it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_labelled_and_families_described_once() {
        let a = "# HELP up Up.\n# TYPE up gauge\nup 1\n# HELP lag Lag.\n# TYPE lag gauge\nlag{group=\"g\"} 5\n# EOF\n";
        let b = "# HELP up Up.\n# TYPE up gauge\nup 0\n# EOF\n";
        let text = merge(
            &[("prod", a.to_string()), ("a\"b", b.to_string())],
            "# HELP x X.\n# TYPE x counter\nx_total 2\n# EOF\n",
            true,
        );
        assert_eq!(
            text,
            "# HELP up Up.\n# TYPE up gauge\nup{cluster=\"prod\"} 1\nup{cluster=\"a\\\"b\"} 0\n\
             # HELP lag Lag.\n# TYPE lag gauge\nlag{cluster=\"prod\",group=\"g\"} 5\n\
             # HELP x X.\n# TYPE x counter\nx_total 2\n# EOF\n"
        );
    }

    #[test]
    fn empty_label_sets_take_the_cluster_alone() {
        assert_eq!(labelled("m{} 1", "c"), "m{cluster=\"c\"} 1");
        assert_eq!(
            labelled("m_bucket{le=\"0.5\"} 1", "c"),
            "m_bucket{cluster=\"c\",le=\"0.5\"} 1"
        );
    }
}
