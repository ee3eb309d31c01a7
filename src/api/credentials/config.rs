//! The aliyun CLI config file `~/.aliyun/config.json` (`dts-api.md` §6.2), read by hand
//! so that a wrongly typed value is reported by its key and the type expected, never by
//! its value (a misplaced secret must not end up on screen).

use crate::api::credentials::CredentialError;
use serde_json::{Map, Value};
use std::path::Path;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ConfigFile {
    pub current: String,
    pub profiles: Vec<Profile>,
}

/// The keys of one profile that dts-switch reads; absent strings are empty.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub mode: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    pub sts_token: String,
    pub region_id: String,
    pub ram_role_arn: String,
    pub ram_session_name: String,
    pub external_id: String,
    /// `expired_seconds`: the lifetime asked of AssumeRole (0 when absent).
    pub expired_seconds: u64,
    pub ram_role_name: String,
    pub oidc_provider_arn: String,
    pub oidc_token_file: String,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(key: &str, expected: &str, found: &Value) -> String {
    format!(
        "{key} must be {expected}, but is {} (its value is not shown)",
        json_type(found)
    )
}

fn string_at(obj: &Map<String, Value>, key: &str, at: &str) -> Result<String, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(wrong_type(&format!("{at}{key}"), "a string", other)),
    }
}

fn seconds_at(obj: &Map<String, Value>, key: &str, at: &str) -> Result<u64, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            format!(
                "{at}{key} must be a whole number of seconds, at least 0 (its value is not shown)"
            )
        }),
        Some(other) => Err(wrong_type(
            &format!("{at}{key}"),
            "a number (seconds)",
            other,
        )),
    }
}

/// Parses the text of a config file. Errors name the key and the expected type.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    // serde_json's syntax errors give a position, never the text around it.
    let root: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not valid JSON (line {}, column {}: {})",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Eof => "the file ends too early",
                _ => "a syntax error",
            }
        )
    })?;
    let Value::Object(top) = &root else {
        return Err(wrong_type("the whole file", "a JSON object", &root));
    };
    let current = string_at(top, "current", "")?;
    let profiles = match top.get("profiles") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let at = format!("profiles[{i}].");
                let Value::Object(p) = item else {
                    return Err(wrong_type(&format!("profiles[{i}]"), "an object", item));
                };
                let s = |k: &str| string_at(p, k, &at);
                out.push(Profile {
                    name: s("name")?,
                    mode: s("mode")?,
                    access_key_id: s("access_key_id")?,
                    access_key_secret: s("access_key_secret")?,
                    sts_token: s("sts_token")?,
                    region_id: s("region_id")?,
                    ram_role_arn: s("ram_role_arn")?,
                    ram_session_name: s("ram_session_name")?,
                    external_id: s("external_id")?,
                    expired_seconds: seconds_at(p, "expired_seconds", &at)?,
                    ram_role_name: s("ram_role_name")?,
                    oidc_provider_arn: s("oidc_provider_arn")?,
                    oidc_token_file: s("oidc_token_file")?,
                });
            }
            out
        }
        Some(other) => return Err(wrong_type("profiles", "an array of profile objects", other)),
    };
    Ok(ConfigFile { current, profiles })
}

/// Reads the config file; `Ok(None)` when there is none.
pub fn load(path: Option<&Path>) -> Result<Option<ConfigFile>, CredentialError> {
    let Some(path) = path else { return Ok(None) };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CredentialError::BadConfigFile {
                path: path.display().to_string(),
                detail: e.to_string(),
            })
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|detail| CredentialError::BadConfigFile {
            path: path.display().to_string(),
            detail,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key_it_knows() {
        let c = parse(
            r#"{"current":"role","meta_path":"","profiles":[
            {"name":"role","mode":"RamRoleArn","access_key_id":"id","access_key_secret":"sec",
             "ram_role_arn":"acs:ram::1:role/ops","ram_session_name":"oncall","expired_seconds":900,
             "external_id":"ext","region_id":"cn-hangzhou","output_format":"json","verified":"","site":"","retry_count":0},
            {"name":"ecs","mode":"EcsRamRole","ram_role_name":"r"},
            {"name":"oidc","mode":"OIDC","oidc_provider_arn":"p","oidc_token_file":"/t","ram_role_arn":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(c.current, "role");
        assert_eq!(c.profiles[0].expired_seconds, 900);
        assert_eq!(c.profiles[0].ram_session_name, "oncall");
        assert_eq!(c.profiles[0].external_id, "ext");
        assert_eq!(c.profiles[1].ram_role_name, "r");
        assert_eq!(c.profiles[2].oidc_token_file, "/t");
    }

    #[test]
    fn wrong_types_name_the_key_and_type_never_the_value() {
        let cases = [
            (r#"{"profiles":"LTAIsecretvalue"}"#, "profiles", "an array"),
            (r#"{"current":["LTAIsecretvalue"]}"#, "current", "a string"),
            (
                r#"{"profiles":["LTAIsecretvalue"]}"#,
                "profiles[0]",
                "an object",
            ),
            (
                r#"{"profiles":[{"name":"a","access_key_secret":{"v":"LTAIsecretvalue"}}]}"#,
                "profiles[0].access_key_secret",
                "a string",
            ),
            (
                r#"{"profiles":[{"name":"a","expired_seconds":"LTAIsecretvalue"}]}"#,
                "profiles[0].expired_seconds",
                "a number",
            ),
            (r#"["LTAIsecretvalue"]"#, "the whole file", "a JSON object"),
        ];
        for (text, key, expected) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(key), "{e}");
            assert!(e.contains(expected), "{e}");
            assert!(!e.contains("LTAIsecretvalue"), "{e}");
        }
        let e = parse(r#"{"profiles":[{"expired_seconds":-5}]}"#).unwrap_err();
        assert!(e.contains("expired_seconds"), "{e}");
    }

    #[test]
    fn syntax_errors_give_a_position_not_the_text() {
        for text in [
            r#"{"profiles":[{"access_key_secret":"LTAIsecretvalue" "x"}]}"#,
            r#"{"profiles":[{"access_key_secret":"LTAIsecretvalue"#,
            r#"{"profiles":[{"access_key_secret":LTAIsecretvalue}]}"#,
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains("line 1"), "{e}");
            assert!(!e.contains("LTAIsecret"), "{e}");
        }
    }
}
