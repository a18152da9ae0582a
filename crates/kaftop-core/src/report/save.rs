//! Where incident snapshots go: `<data dir>/incidents/kaftop-incident-<UTC time>.md`
//! and the `.json` twin beside it, or a file the user names.

use std::path::{Path, PathBuf};

use super::Incident;

/// The default Markdown path for a snapshot taken at `taken_at_ms`.
pub fn default_path(data_dir: &Path, taken_at_ms: i64) -> PathBuf {
    let stamp = chrono::DateTime::from_timestamp_millis(taken_at_ms).map_or_else(
        || taken_at_ms.to_string(),
        |t| t.format("%Y%m%dT%H%M%SZ").to_string(),
    );
    data_dir
        .join("incidents")
        .join(format!("kaftop-incident-{stamp}.md"))
}

/// The JSON twin of a Markdown path: same name, `.json`.
pub fn json_path(markdown: &Path) -> PathBuf {
    markdown.with_extension("json")
}

/// Writes the Markdown to `markdown` and the JSON to its twin (creating the
/// directory); returns both paths.
pub fn write(incident: &Incident, markdown: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
    if let Some(dir) = markdown.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let json = json_path(markdown);
    std::fs::write(markdown, super::markdown::render(incident))?;
    let text = serde_json::to_string_pretty(incident).map_err(std::io::Error::other)?;
    std::fs::write(&json, text + "\n")?;
    Ok((markdown.to_path_buf(), json))
}
