//! Credentials and region resolution, following the aliyun CLI conventions
//! (`dts-api.md` §6): `--profile` from the CLI config file, then the environment, then
//! the config file's current profile.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A secret string: never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The real value, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub security_token: Option<Secret>,
    /// Where they came from, e.g. `environment` or `profile "default" in ~/.aliyun/config.json`.
    pub source: String,
}

impl Credentials {
    pub fn new(id: impl Into<String>, secret: impl Into<String>, token: Option<String>) -> Self {
        Credentials {
            access_key_id: id.into(),
            access_key_secret: Secret::new(secret),
            security_token: token.filter(|t| !t.is_empty()).map(Secret::new),
            source: "given".into(),
        }
    }

    /// The AccessKeyId with its middle hidden: `LTAI****0001`.
    pub fn masked_id(&self) -> String {
        mask_id(&self.access_key_id)
    }

    /// Removes the secret and the token from `text` in every encoded form
    /// ([`redact_values`]), and masks the AccessKeyId (`LTAI****0001`) wherever it
    /// appears, e.g. in the string-to-sign a SignatureDoesNotMatch answer echoes
    /// (`AccessKeyId%3DLTAI…`), and any other `AccessKeyId=` value.
    pub fn redact(&self, text: &str) -> String {
        let mut secrets: Vec<&str> = vec![self.access_key_secret.expose()];
        if let Some(t) = &self.security_token {
            secrets.push(t.expose());
        }
        let out = redact_values(text, &secrets);
        let out = replace_encoded(&out, &self.access_key_id, &self.masked_id());
        mask_access_key_ids(&out)
    }
}

/// Replaces each value by `***` wherever it appears raw or percent-encoded, once or twice
/// (`%2F`, `%2f`, `%252F`, `%252f`, and any mix of encoded and plain characters).
/// Values shorter than 4 characters are left alone.
pub fn redact_values(text: &str, values: &[&str]) -> String {
    let mut out = text.to_string();
    for v in values {
        if v.len() < 4 {
            continue;
        }
        out = replace_encoded(&out, v, "***");
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte that `%HH` at `t[i..]` encodes, if any (either hex case).
fn pct_at(t: &[u8], i: usize) -> Option<u8> {
    if t.get(i) != Some(&b'%') {
        return None;
    }
    Some(hex_val(*t.get(i + 1)?)? << 4 | hex_val(*t.get(i + 2)?)?)
}

/// Ends of every way `value` can be read at `t[start..]`, each byte of it written plainly,
/// as `%HH` or as `%25HH` (any hex case). A set of positions is carried along, so the
/// ambiguity of `%` itself costs no backtracking.
fn encoded_match_end(t: &[u8], start: usize, value: &[u8]) -> Option<usize> {
    let mut here: Vec<usize> = vec![start];
    for &b in value {
        let mut next: Vec<usize> = Vec::new();
        for &i in &here {
            if t.get(i) == Some(&b) {
                next.push(i + 1);
            }
            if pct_at(t, i) == Some(b) {
                next.push(i + 3);
            }
            if pct_at(t, i) == Some(b'%') && pct_at(t, i + 2).is_none() {
                // `%25` followed by the two hex digits of b: `%25HH` decodes twice to b.
                if let (Some(h), Some(l)) = (t.get(i + 3), t.get(i + 4)) {
                    if let (Some(h), Some(l)) = (hex_val(*h), hex_val(*l)) {
                        if (h << 4 | l) == b {
                            next.push(i + 5);
                        }
                    }
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            return None;
        }
        here = next;
    }
    here.into_iter().max()
}

/// Replaces every occurrence of `value`, in any of its encoded forms, by `with`.
fn replace_encoded(text: &str, value: &str, with: &str) -> String {
    let v = value.as_bytes();
    let Some(&first) = v.first() else {
        return text.to_string();
    };
    let t = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < t.len() {
        let candidate = t[i] == first || t[i] == b'%';
        match candidate.then(|| encoded_match_end(t, i, v)).flatten() {
            Some(end) if text.is_char_boundary(i) && text.is_char_boundary(end) => {
                out.push_str(&text[copied..i]);
                out.push_str(with);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Masks the value after every `AccessKeyId=`, `AccessKeyId%3D` or `AccessKeyId%253D`
/// (any case): the form a service echoes its string-to-sign in.
fn mask_access_key_ids(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(pos) = lower[from..].find("accesskeyid") {
        let name_end = from + pos + "accesskeyid".len();
        let rest = &lower[name_end..];
        let sep = ["=", "%3d", "%253d"]
            .iter()
            .find(|s| rest.starts_with(*s))
            .map(|s| s.len());
        let Some(sep) = sep else {
            from = name_end;
            continue;
        };
        let value_start = name_end + sep;
        let value_len = text[value_start..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'*'))
            .count();
        let value = &text[value_start..value_start + value_len];
        if value_len > 0 && !value.contains("****") {
            out.push_str(&text[copied..value_start]);
            out.push_str(&mask_id(value));
            copied = value_start + value_len;
        }
        from = value_start + value_len;
    }
    out.push_str(&text[copied..]);
    out
}

pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "****".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no credentials found. Tried, in order:\n{}\n  next step: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or run `aliyun configure`, or pass --profile NAME", tried.iter().map(|t| format!("  - {t}")).collect::<Vec<_>>().join("\n"))]
    NotFound { tried: Vec<String> },
    #[error("profile {name:?} was not found in {path}; profiles there: {available}")]
    NoSuchProfile {
        name: String,
        path: String,
        available: String,
    },
    #[error("profile {name:?} in {path} uses mode {mode:?}, which dts-switch does not support; supported modes: AK, StsToken")]
    UnsupportedMode {
        name: String,
        path: String,
        mode: String,
    },
    #[error("profile {name:?} in {path} lacks {field}")]
    Incomplete {
        name: String,
        path: String,
        field: &'static str,
    },
    #[error("cannot read the aliyun CLI config file {path}: {detail}")]
    BadConfigFile { path: String, detail: String },
    #[error("{var} is set but {missing} is not; set both, or neither")]
    HalfEnvironment { var: String, missing: &'static str },
}

#[derive(Debug, Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    current: String,
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Debug, Deserialize, Default, Clone)]
struct Profile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    region_id: String,
}

/// The result of resolution: credentials plus the region the profile names, if any.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credentials: Credentials,
    pub profile_region: Option<String>,
    /// A warning to show the operator (e.g. a config file readable by others).
    pub warnings: Vec<String>,
}

const ID_VARS: &[&str] = &[
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABACLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY_ID",
    "ACCESS_KEY_ID",
];
const SECRET_VARS: &[&str] = &[
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABACLOUD_ACCESS_KEY_SECRET",
    "ALICLOUD_ACCESS_KEY_SECRET",
    "ACCESS_KEY_SECRET",
];
const TOKEN_VARS: &[&str] = &[
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABACLOUD_SECURITY_TOKEN",
    "ALICLOUD_SECURITY_TOKEN",
    "SECURITY_TOKEN",
];
const PROFILE_VARS: &[&str] = &[
    "ALIBABACLOUD_PROFILE",
    "ALIBABA_CLOUD_PROFILE",
    "ALICLOUD_PROFILE",
];
pub const REGION_VARS: &[&str] = &[
    "ALIBABA_CLOUD_REGION_ID",
    "ALIBABACLOUD_REGION_ID",
    "ALICLOUD_REGION_ID",
    "REGION_ID",
    "REGION",
];

/// Reads the environment through a function so tests need not touch the process env.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn first_env(env: Env, names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        env(n)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (n.to_string(), v))
    })
}

/// The aliyun CLI config file: `~/.aliyun/config.json`.
pub fn default_config_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().join(".aliyun").join("config.json"))
}

/// Resolves credentials: `--profile`, then environment, then the config's current profile.
pub fn resolve(
    profile_flag: Option<&str>,
    env: Env,
    config_path: Option<&Path>,
) -> Result<Resolved, CredentialError> {
    let path_str = config_path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "~/.aliyun/config.json".into());
    let mut tried = Vec::new();

    if let Some(name) = profile_flag {
        let cfg = load_config(config_path)?.ok_or_else(|| CredentialError::NoSuchProfile {
            name: name.into(),
            path: path_str.clone(),
            available: "none (the file does not exist)".into(),
        })?;
        let profile = find_profile(&cfg, name, &path_str)?;
        return from_profile(&profile, &path_str, config_path);
    }
    tried.push("--profile (not given)".to_string());

    let id = first_env(env, ID_VARS);
    let secret = first_env(env, SECRET_VARS);
    match (id, secret) {
        (Some((_, id)), Some((_, secret))) => {
            let token = first_env(env, TOKEN_VARS).map(|(_, v)| v);
            let mut c = Credentials::new(id, secret, token);
            c.source = "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)".into();
            return Ok(Resolved {
                credentials: c,
                profile_region: None,
                warnings: vec![],
            });
        }
        (Some((var, _)), None) => {
            return Err(CredentialError::HalfEnvironment {
                var,
                missing: "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            })
        }
        (None, Some((var, _))) => {
            return Err(CredentialError::HalfEnvironment {
                var,
                missing: "ALIBABA_CLOUD_ACCESS_KEY_ID",
            })
        }
        (None, None) => tried.push(
            "environment ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET (not set)"
                .to_string(),
        ),
    }

    match load_config(config_path)? {
        None => tried.push(format!("aliyun CLI config file {path_str} (not found)")),
        Some(cfg) => {
            let env_profile = first_env(env, PROFILE_VARS).map(|(_, v)| v);
            let name = env_profile.unwrap_or_else(|| cfg.current.clone());
            if name.is_empty() {
                tried.push(format!(
                    "aliyun CLI config file {path_str} (no current profile set)"
                ));
            } else {
                let profile = find_profile(&cfg, &name, &path_str)?;
                return from_profile(&profile, &path_str, config_path);
            }
        }
    }
    Err(CredentialError::NotFound { tried })
}

fn load_config(path: Option<&Path>) -> Result<Option<ConfigFile>, CredentialError> {
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
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| CredentialError::BadConfigFile {
            path: path.display().to_string(),
            detail: format!("not valid JSON ({e})"),
        })
}

fn find_profile(cfg: &ConfigFile, name: &str, path: &str) -> Result<Profile, CredentialError> {
    cfg.profiles
        .iter()
        .find(|p| p.name == name)
        .cloned()
        .ok_or_else(|| CredentialError::NoSuchProfile {
            name: name.into(),
            path: path.into(),
            available: if cfg.profiles.is_empty() {
                "none".into()
            } else {
                cfg.profiles
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
}

fn from_profile(
    p: &Profile,
    path: &str,
    config_path: Option<&Path>,
) -> Result<Resolved, CredentialError> {
    let mode = p.mode.to_ascii_lowercase();
    let needs_token = match mode.as_str() {
        "ak" | "" => false,
        "ststoken" => true,
        _ => {
            return Err(CredentialError::UnsupportedMode {
                name: p.name.clone(),
                path: path.into(),
                mode: p.mode.clone(),
            })
        }
    };
    let incomplete = |field| CredentialError::Incomplete {
        name: p.name.clone(),
        path: path.into(),
        field,
    };
    if p.access_key_id.is_empty() {
        return Err(incomplete("access_key_id"));
    }
    if p.access_key_secret.is_empty() {
        return Err(incomplete("access_key_secret"));
    }
    if needs_token && p.sts_token.is_empty() {
        return Err(incomplete("sts_token"));
    }
    let mut c = Credentials::new(
        p.access_key_id.clone(),
        p.access_key_secret.clone(),
        needs_token.then(|| p.sts_token.clone()),
    );
    c.source = format!("profile {:?} in {path}", p.name);
    let mut warnings = Vec::new();
    if let Some(w) = config_path.and_then(permission_warning) {
        warnings.push(w);
    }
    Ok(Resolved {
        credentials: c,
        profile_region: Some(p.region_id.clone()).filter(|r| !r.is_empty()),
        warnings,
    })
}

/// Warns when a file holding credentials can be read by group or others.
#[cfg(unix)]
pub fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "warning: {} holds credentials and is readable by others (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
pub fn permission_warning(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn write_cfg(dir: &Path, body: &str) -> PathBuf {
        let p = dir.join("config.json");
        std::fs::write(&p, body).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        p
    }

    const CFG: &str = r#"{"current":"default","profiles":[
        {"name":"default","mode":"AK","access_key_id":"LTAIdefault0001","access_key_secret":"sec-default","region_id":"cn-shanghai"},
        {"name":"sts","mode":"StsToken","access_key_id":"STS.abcd1234","access_key_secret":"sec-sts","sts_token":"tok-sts","region_id":"cn-beijing"},
        {"name":"role","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y"}]}"#;

    #[test]
    fn profile_flag_wins_over_env() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let env = env_of(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid00000001"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret"),
        ]);
        let r = resolve(Some("sts"), &env, Some(&p)).unwrap();
        assert_eq!(r.credentials.access_key_id, "STS.abcd1234");
        assert_eq!(r.credentials.security_token.unwrap().expose(), "tok-sts");
        assert_eq!(r.profile_region.as_deref(), Some("cn-beijing"));
    }

    #[test]
    fn env_wins_over_current_profile() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let env = env_of(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid00000001"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "envtoken"),
        ]);
        let r = resolve(None, &env, Some(&p)).unwrap();
        assert_eq!(r.credentials.access_key_id, "envid00000001");
        assert_eq!(r.credentials.security_token.unwrap().expose(), "envtoken");
        assert!(r.profile_region.is_none());
    }

    #[test]
    fn current_profile_used_last() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let r = resolve(None, &env_of(&[]), Some(&p)).unwrap();
        assert_eq!(r.credentials.access_key_id, "LTAIdefault0001");
        assert!(r.credentials.security_token.is_none());
        assert_eq!(r.profile_region.as_deref(), Some("cn-shanghai"));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn unsupported_mode_and_missing_profile_are_named() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let e = resolve(Some("role"), &env_of(&[]), Some(&p)).unwrap_err();
        assert!(e.to_string().contains("RamRoleArn"), "{e}");
        let e = resolve(Some("nope"), &env_of(&[]), Some(&p)).unwrap_err();
        assert!(e.to_string().contains("default, sts, role"), "{e}");
    }

    #[test]
    fn nothing_found_lists_what_was_tried() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("missing.json");
        let e = resolve(None, &env_of(&[]), Some(&p)).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("environment ALIBABA_CLOUD_ACCESS_KEY_ID"), "{s}");
        assert!(s.contains("missing.json (not found)"), "{s}");
    }

    #[test]
    fn half_environment_is_an_error() {
        let e = resolve(
            None,
            &env_of(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", "id")]),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_config_warns() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = resolve(None, &env_of(&[]), Some(&p)).unwrap();
        assert!(r.warnings[0].contains("chmod 600"));
    }

    #[test]
    fn redaction_reads_every_percent_encoding() {
        let v = "a/b+c%d";
        for form in [
            "a/b+c%d",
            "a%2Fb%2Bc%25d",
            "a%2fb%2bc%25d",
            "a%252Fb%252Bc%2525d",
            "a%252fb%252bc%2525d",
            "a/b%2bc%d",
            "%61%2F%62+c%25d",
        ] {
            let text = format!("x {form} y");
            assert_eq!(redact_values(&text, &[v]), "x *** y", "{form}");
        }
        assert_eq!(
            redact_values("a/b+c", &[v]),
            "a/b+c",
            "a prefix is not the value"
        );
        assert_eq!(redact_values("é a/b+c%d é", &[v]), "é *** é");
    }

    #[test]
    fn access_key_id_is_masked_in_service_text() {
        let c = Credentials::new("LTAI5tABCDEFGH0001", "secret-value", None);
        let echoed = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI5tABCDEFGH0001%26Action%3DX";
        let r = c.redact(echoed);
        assert!(!r.contains("LTAI5tABCDEFGH0001"), "{r}");
        assert!(r.contains("AccessKeyId%3DLTAI****0001%26Action"), "{r}");
        let r = c.redact("AccessKeyId=LTAI5tABCDEFGH0001&x accesskeyid%253dLTAI5tABCDEFGH0001");
        assert!(!r.contains("5tABCDEFGH"), "{r}");
        let other = c.redact("GET&%2F&AccessKeyId%3DSTS.NUabcdefghijklmn99%26Action");
        assert!(other.contains("AccessKeyId%3DSTS.****mn99%26"), "{other}");
        assert_eq!(
            c.redact("no id here; AccessKeyId: shown masked"),
            "no id here; AccessKeyId: shown masked"
        );
    }

    #[test]
    fn masking_and_redaction() {
        let c = Credentials::new(
            "LTAI5tABCDEFGH0001",
            "s3cr3t/val+ue",
            Some("tok*en=1".into()),
        );
        assert_eq!(c.masked_id(), "LTAI****0001");
        let text = "a s3cr3t/val+ue b s3cr3t%2Fval%2Bue c tok%2Aen%3D1 d tok%252Aen%253D1";
        let r = c.redact(text);
        assert!(!r.contains("s3cr3t") && !r.contains("tok"), "{r}");
        assert_eq!(format!("{:?}", c.access_key_secret), "Secret(***)");
        let lower =
            "t: tok%2aen%3d1 and tok%252aen%253d1 and s3cr3t%2fval%2bue, s3cr3t%252Fval%252bue";
        let r = c.redact(lower);
        assert!(!r.contains("s3cr3t") && !r.contains("tok"), "{r}");
        assert_eq!(r, "t: *** and *** and ***, ***");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("tok*en"), "{dbg}");
    }
}
