//! What the TUI remembers between runs (the region picked with `R`), in the config
//! directory: `DTS_SWITCH_CONFIG`, else the platform's (e.g. ~/.config/dts-switch).

use std::path::PathBuf;

pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DTS_SWITCH_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "dts-switch").map(|p| p.config_dir().to_path_buf())
}

fn file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("tui.json"))
}

/// The region picked last time, when it is a valid region id.
pub fn remembered_region() -> Option<String> {
    let text = std::fs::read_to_string(file()?).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let r = v.get("region")?.as_str()?.to_string();
    crate::api::endpoint::validate_region(&r).ok()?;
    Some(r)
}

/// Remembers `region` for the next run (best effort: a read-only home is no error).
pub fn remember_region(region: &str) -> std::io::Result<()> {
    let Some(path) = file() else {
        return Ok(());
    };
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::json!({ "region": region }).to_string())?;
    std::fs::rename(tmp, path)
}
