//! Partition assignments.

/// An assignment as `kafka-consumer-groups --members --verbose` prints it:
/// `topic:0,1,2`, topics separated by `;`, `-` when empty.
pub fn assignment(parts: &[(String, i32)]) -> String {
    let mut sorted: Vec<&(String, i32)> = parts.iter().collect();
    sorted.sort();
    let mut out: Vec<String> = Vec::new();
    let mut last_topic: Option<&str> = None;
    for (topic, p) in sorted {
        if last_topic == Some(topic.as_str()) {
            if let Some(cur) = out.last_mut() {
                cur.push_str(&format!(",{p}"));
            }
        } else {
            out.push(format!("{topic}:{p}"));
            last_topic = Some(topic);
        }
    }
    if out.is_empty() {
        "-".into()
    } else {
        out.join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_print_as_kafka_prints_them() {
        let parts = |v: &[(&str, i32)]| {
            v.iter()
                .map(|(t, p)| (t.to_string(), *p))
                .collect::<Vec<_>>()
        };
        assert_eq!(assignment(&[]), "-");
        assert_eq!(assignment(&parts(&[("t", 2), ("t", 0)])), "t:0,2");
        assert_eq!(
            assignment(&parts(&[("b", 1), ("a", 0), ("b", 0)])),
            "a:0;b:0,1"
        );
    }
}
