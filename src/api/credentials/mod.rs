//! Credentials and region resolution, following the aliyun CLI and SDK conventions
//! (`dts-api.md` §6). The chain, first match wins:
//!
//! 1. `--profile NAME` from the CLI config file;
//! 2. the environment's AccessKey (`ALIBABA_CLOUD_ACCESS_KEY_ID` + `…_SECRET` [+ `…_SECURITY_TOKEN`]),
//!    assuming `ALIBABA_CLOUD_ROLE_ARN` with it when that is set;
//! 3. OIDC from the environment (`ALIBABA_CLOUD_ROLE_ARN` + `…_OIDC_PROVIDER_ARN` + `…_OIDC_TOKEN_FILE`);
//! 4. the config file's profile named by `ALIBABA_CLOUD_PROFILE`, else its `current` one;
//! 5. the ECS instance RAM role named by `ALIBABA_CLOUD_ECS_METADATA`.
//!
//! Profile modes: `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole`, `OIDC` (any case).
//! [`resolve`] only decides where credentials come from; [`CredentialProvider`] gets
//! them (STS, instance metadata), caches them and refreshes them before they expire.

pub mod config;
pub mod metadata;
pub mod provider;
pub mod sts;

pub use provider::{CredentialProvider, ProviderOptions};

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

/// A role ARN with its account id masked: `acs:ram::1234****3456:role/ops`.
pub fn mask_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(5, ':').collect();
    if parts.len() == 5 && parts[0] == "acs" && !parts[3].is_empty() {
        format!(
            "{}:{}:{}:{}:{}",
            parts[0],
            parts[1],
            parts[2],
            mask_id(parts[3]),
            parts[4]
        )
    } else {
        arn.to_string()
    }
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
    #[error("profile {name:?} in {path} uses mode {mode:?}, which dts-switch does not support; supported modes: {SUPPORTED_MODES}")]
    UnsupportedMode {
        name: String,
        path: String,
        mode: String,
    },
    #[error("profile {name:?} in {path} (mode {mode}) lacks {field}")]
    Incomplete {
        name: String,
        path: String,
        mode: &'static str,
        field: &'static str,
    },
    #[error("{place}: {field} {why}")]
    BadValue {
        /// `profile "x" in PATH` or `environment`.
        place: String,
        field: &'static str,
        why: String,
    },
    #[error("cannot read the aliyun CLI config file {path}: {detail}")]
    BadConfigFile { path: String, detail: String },
    #[error("{var} is set but {missing} is not; set both, or neither")]
    HalfEnvironment { var: String, missing: &'static str },
    /// Getting credentials from STS or the instance metadata failed.
    #[error("cannot get {mode} credentials from {origin}: {detail}")]
    Fetch {
        mode: &'static str,
        origin: String,
        detail: String,
        /// True when asking again will not help (refused, misconfigured); false for
        /// network trouble and service errors.
        fatal: bool,
    },
}

impl CredentialError {
    /// The process exit code: 1 when a service could not be reached, else 2.
    pub fn exit_code(&self) -> i32 {
        match self {
            CredentialError::Fetch { fatal: false, .. } => 1,
            _ => 2,
        }
    }
}

pub const SUPPORTED_MODES: &str = "AK, StsToken, RamRoleArn, EcsRamRole, OIDC";

/// Assume a RAM role with an AccessKey (STS `AssumeRole`).
#[derive(Debug, Clone)]
pub struct RamRoleArnSpec {
    /// The AccessKey that signs AssumeRole.
    pub base: Credentials,
    pub role_arn: String,
    pub session_name: String,
    pub duration_secs: u64,
    pub external_id: Option<String>,
    pub policy: Option<String>,
}

/// The RAM role of the ECS instance, from its metadata service.
#[derive(Debug, Clone)]
pub struct EcsRamRoleSpec {
    /// None: ask the metadata service which role the instance has.
    pub role_name: Option<String>,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true`: never ask without a metadata token.
    pub imdsv1_disabled: bool,
}

/// Assume a RAM role with an OIDC token (STS `AssumeRoleWithOIDC`, unsigned).
#[derive(Debug, Clone)]
pub struct OidcSpec {
    pub role_arn: String,
    pub provider_arn: String,
    /// Read again at every refresh (it is rotated by whoever writes it).
    pub token_file: PathBuf,
    pub session_name: String,
    pub duration_secs: u64,
}

/// Where the credentials come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// An AccessKey, with a security token for mode `StsToken`.
    Static(Credentials),
    RamRoleArn(RamRoleArnSpec),
    EcsRamRole(EcsRamRoleSpec),
    Oidc(OidcSpec),
}

impl Source {
    /// The mode, as the aliyun CLI names it.
    pub fn mode(&self) -> &'static str {
        match self {
            Source::Static(c) if c.security_token.is_some() => "StsToken",
            Source::Static(_) => "AK",
            Source::RamRoleArn(_) => "RamRoleArn",
            Source::EcsRamRole(_) => "EcsRamRole",
            Source::Oidc(_) => "OIDC",
        }
    }
}

pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
pub const DEFAULT_METADATA_URL: &str = "http://100.100.100.200";
/// The ECS metadata service's own address, reached over plain http.
pub const METADATA_HOST: &str = "100.100.100.200";
pub const DEFAULT_SESSION_NAME: &str = "dts-switch";
pub const DEFAULT_DURATION_SECS: u64 = 3600;

/// Where STS and the instance metadata service are (overridable for tests).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthEndpoints {
    pub sts: url::Url,
    pub metadata: url::Url,
}

impl Default for AuthEndpoints {
    fn default() -> Self {
        AuthEndpoints {
            sts: url::Url::parse(DEFAULT_STS_ENDPOINT).expect("valid"),
            metadata: url::Url::parse(DEFAULT_METADATA_URL).expect("valid"),
        }
    }
}

/// The result of resolution: where credentials come from, plus the region the profile
/// names, if any.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub source: Source,
    /// Where the source was found, e.g. `environment` or `profile "ops" in PATH`.
    pub origin: String,
    pub endpoints: AuthEndpoints,
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
pub const ROLE_ARN_VAR: &str = "ALIBABA_CLOUD_ROLE_ARN";
pub const ROLE_SESSION_NAME_VAR: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
pub const OIDC_PROVIDER_ARN_VAR: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
pub const OIDC_TOKEN_FILE_VAR: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
pub const ECS_METADATA_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA";
pub const ECS_METADATA_DISABLED_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
pub const IMDSV1_DISABLED_VAR: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
pub const STS_ENDPOINT_VAR: &str = "DTS_SWITCH_STS_ENDPOINT";
pub const METADATA_URL_VAR: &str = "DTS_SWITCH_METADATA_URL";

/// Reads the environment through a function so tests need not touch the process env.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn first_env(env: Env, names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        env(n)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (n.to_string(), v))
    })
}

fn env_true(env: Env, name: &str) -> bool {
    env(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The aliyun CLI config file: `~/.aliyun/config.json`.
pub fn default_config_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().join(".aliyun").join("config.json"))
}

/// Resolves where credentials come from (see the module docs for the order).
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
        let cfg = config::load(config_path)?.ok_or_else(|| CredentialError::NoSuchProfile {
            name: name.into(),
            path: path_str.clone(),
            available: "none (the file does not exist)".into(),
        })?;
        let profile = find_profile(&cfg, name, &path_str)?;
        return from_profile(&profile, &path_str, config_path, env);
    }
    tried.push("--profile (not given)".to_string());

    if let Some(r) = from_env_access_key(env)? {
        return Ok(r);
    }
    tried.push(
        "environment ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET (not set)"
            .to_string(),
    );

    if let Some(r) = from_env_oidc(env)? {
        return Ok(r);
    }
    tried.push(format!(
        "environment {ROLE_ARN_VAR} + {OIDC_PROVIDER_ARN_VAR} + {OIDC_TOKEN_FILE_VAR} (not set)"
    ));

    match config::load(config_path)? {
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
                return from_profile(&profile, &path_str, config_path, env);
            }
        }
    }

    if env_true(env, ECS_METADATA_DISABLED_VAR) {
        tried.push(format!(
            "ECS instance RAM role (disabled by {ECS_METADATA_DISABLED_VAR})"
        ));
    } else if let Some((_, role)) = first_env(env, &[ECS_METADATA_VAR]) {
        let spec = EcsRamRoleSpec {
            role_name: Some(role.trim().to_string()),
            imdsv1_disabled: env_true(env, IMDSV1_DISABLED_VAR),
        };
        let place = format!("environment ({ECS_METADATA_VAR})");
        return Ok(Resolved {
            endpoints: endpoints_for(env, false, true)?,
            source: Source::EcsRamRole(spec),
            origin: place,
            profile_region: None,
            warnings: vec![],
        });
    } else {
        tried.push(format!(
            "ECS instance RAM role named by {ECS_METADATA_VAR} (not set)"
        ));
    }
    if let Some((var, _)) = first_env(env, &[ROLE_ARN_VAR]) {
        tried.push(format!(
            "{var} is set, but it needs the AccessKey variables (AssumeRole) or {OIDC_PROVIDER_ARN_VAR} + {OIDC_TOKEN_FILE_VAR} (OIDC)"
        ));
    }
    Err(CredentialError::NotFound { tried })
}

/// The environment's AccessKey, assuming `ALIBABA_CLOUD_ROLE_ARN` with it when set.
fn from_env_access_key(env: Env) -> Result<Option<Resolved>, CredentialError> {
    let id = first_env(env, ID_VARS);
    let secret = first_env(env, SECRET_VARS);
    let (id, secret) = match (id, secret) {
        (Some((_, id)), Some((_, secret))) => (id, secret),
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
        (None, None) => return Ok(None),
    };
    let token = first_env(env, TOKEN_VARS).map(|(_, v)| v);
    let mut c = Credentials::new(id, secret, token);
    let Some((_, role_arn)) = first_env(env, &[ROLE_ARN_VAR]) else {
        c.source = "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)".into();
        return Ok(Some(Resolved {
            source: Source::Static(c),
            origin: "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)".into(),
            endpoints: AuthEndpoints::default(),
            profile_region: None,
            warnings: vec![],
        }));
    };
    let place = format!("environment ({ROLE_ARN_VAR} with ALIBABA_CLOUD_ACCESS_KEY_ID)");
    c.source = place.clone();
    let mut warnings = vec![];
    if first_env(env, &[OIDC_PROVIDER_ARN_VAR]).is_some() {
        warnings.push(format!(
            "warning: {OIDC_PROVIDER_ARN_VAR} is ignored: the AccessKey variables come first, so {ROLE_ARN_VAR} is assumed with the AccessKey (unset ALIBABA_CLOUD_ACCESS_KEY_ID to use OIDC)"
        ));
    }
    let session_name = session_name_from(env, "", &place)?;
    Ok(Some(Resolved {
        source: Source::RamRoleArn(RamRoleArnSpec {
            base: c,
            role_arn: check_role_arn(role_arn.trim(), &place, ROLE_ARN_VAR)?,
            session_name,
            duration_secs: DEFAULT_DURATION_SECS,
            external_id: None,
            policy: None,
        }),
        endpoints: endpoints_for(env, true, false)?,
        origin: place,
        profile_region: None,
        warnings,
    }))
}

/// OIDC from the environment: all three variables, or none.
fn from_env_oidc(env: Env) -> Result<Option<Resolved>, CredentialError> {
    let role = first_env(env, &[ROLE_ARN_VAR]);
    let provider = first_env(env, &[OIDC_PROVIDER_ARN_VAR]);
    let file = first_env(env, &[OIDC_TOKEN_FILE_VAR]);
    let (role, provider, file) = match (role, provider, file) {
        (Some(r), Some(p), Some(f)) => (r.1, p.1, f.1),
        (_, None, None) => return Ok(None),
        (r, p, f) => {
            let (var, missing) = match (&r, &p, &f) {
                (None, Some((v, _)), _) | (None, _, Some((v, _))) => (v.clone(), ROLE_ARN_VAR),
                (_, Some((v, _)), None) => (v.clone(), OIDC_TOKEN_FILE_VAR),
                (_, None, Some((v, _))) => (v.clone(), OIDC_PROVIDER_ARN_VAR),
                _ => unreachable!("all set or none set is handled above"),
            };
            return Err(CredentialError::HalfEnvironment { var, missing });
        }
    };
    let place = format!("environment ({OIDC_PROVIDER_ARN_VAR})");
    Ok(Some(Resolved {
        source: Source::Oidc(OidcSpec {
            role_arn: check_role_arn(role.trim(), &place, ROLE_ARN_VAR)?,
            provider_arn: provider.trim().to_string(),
            token_file: PathBuf::from(file.trim()),
            session_name: session_name_from(env, "", &place)?,
            duration_secs: DEFAULT_DURATION_SECS,
        }),
        endpoints: endpoints_for(env, true, false)?,
        origin: place,
        profile_region: None,
        warnings: vec![],
    }))
}

fn find_profile(
    cfg: &config::ConfigFile,
    name: &str,
    path: &str,
) -> Result<config::Profile, CredentialError> {
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

/// A session name: the profile's `ram_session_name`, else `ALIBABA_CLOUD_ROLE_SESSION_NAME`,
/// else `dts-switch`.
/// STS takes 2 to 64 of `A-Z a-z 0-9 . @ - _`.
fn session_name_from(
    env: Env,
    profile_value: &str,
    place: &str,
) -> Result<String, CredentialError> {
    let (field, name) = if !profile_value.is_empty() {
        ("ram_session_name", profile_value.to_string())
    } else {
        match first_env(env, &[ROLE_SESSION_NAME_VAR]) {
            Some((_, v)) => (ROLE_SESSION_NAME_VAR, v.trim().to_string()),
            None => return Ok(DEFAULT_SESSION_NAME.into()),
        }
    };
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@-_".contains(c));
    if ok {
        Ok(name)
    } else {
        Err(CredentialError::BadValue {
            place: place.into(),
            field,
            why: "must be 2 to 64 characters of A-Z a-z 0-9 . @ - _".into(),
        })
    }
}

fn check_role_arn(arn: &str, place: &str, field: &'static str) -> Result<String, CredentialError> {
    if arn.starts_with("acs:ram::") && arn.contains(":role/") {
        Ok(arn.to_string())
    } else {
        Err(CredentialError::BadValue {
            place: place.into(),
            field,
            why: "must be a RAM role ARN such as acs:ram::1234567890123456:role/ops".into(),
        })
    }
}

fn duration_from(seconds: u64, place: &str) -> Result<u64, CredentialError> {
    match seconds {
        0 => Ok(DEFAULT_DURATION_SECS),
        900..=43200 => Ok(seconds),
        _ => Err(CredentialError::BadValue {
            place: place.into(),
            field: "expired_seconds",
            why: "must be between 900 and 43200 (seconds; STS limits)".into(),
        }),
    }
}

/// The STS endpoint and metadata address, from `DTS_SWITCH_STS_ENDPOINT` and
/// `DTS_SWITCH_METADATA_URL`; only those the source uses are checked.
fn endpoints_for(env: Env, sts: bool, metadata: bool) -> Result<AuthEndpoints, CredentialError> {
    let mut e = AuthEndpoints::default();
    if sts {
        if let Some((_, v)) = first_env(env, &[STS_ENDPOINT_VAR]) {
            e.sts = auth_url(v.trim(), false)?;
        }
    }
    if metadata {
        if let Some((_, v)) = first_env(env, &[METADATA_URL_VAR]) {
            e.metadata = auth_url(v.trim(), true)?;
        }
    }
    Ok(e)
}

/// An STS or metadata URL: https, or plain http to loopback (and, for the metadata
/// service, to its own address 100.100.100.200); no user name or password. Errors name
/// the variable, never its value.
pub fn auth_url(text: &str, metadata: bool) -> Result<url::Url, CredentialError> {
    // The value is never echoed: it might carry a password.
    let bad = |why: String| CredentialError::BadValue {
        place: "environment".into(),
        field: if metadata {
            METADATA_URL_VAR
        } else {
            STS_ENDPOINT_VAR
        },
        why,
    };
    let u = url::Url::parse(text).map_err(|e| bad(format!("is not a URL ({e})")))?;
    if u.host().is_none() {
        return Err(bad("has no host".into()));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad(
            "carries a user name or password (user:password@); remove them".into(),
        ));
    }
    let metadata_host =
        matches!(u.host(), Some(url::Host::Ipv4(ip)) if ip.to_string() == METADATA_HOST);
    match u.scheme() {
        "https" => Ok(u),
        "http" if crate::api::endpoint::is_loopback(&u) || (metadata && metadata_host) => Ok(u),
        "http" => Err(bad(
            "uses plain http to a remote host; use https (plain http only for loopback)".into(),
        )),
        _ => Err(bad("must start with http:// or https://".into())),
    }
}

fn from_profile(
    p: &config::Profile,
    path: &str,
    config_path: Option<&Path>,
    env: Env,
) -> Result<Resolved, CredentialError> {
    let mode = p.mode.to_ascii_lowercase();
    let place = format!("profile {:?} in {path}", p.name);
    let incomplete = |mode: &'static str, field| CredentialError::Incomplete {
        name: p.name.clone(),
        path: path.into(),
        mode,
        field,
    };
    let access_key = |mode: &'static str, token: bool| -> Result<Credentials, CredentialError> {
        if p.access_key_id.is_empty() {
            return Err(incomplete(mode, "access_key_id"));
        }
        if p.access_key_secret.is_empty() {
            return Err(incomplete(mode, "access_key_secret"));
        }
        if token && p.sts_token.is_empty() {
            return Err(incomplete(mode, "sts_token"));
        }
        let mut c = Credentials::new(
            p.access_key_id.clone(),
            p.access_key_secret.clone(),
            token.then(|| p.sts_token.clone()),
        );
        c.source = place.clone();
        Ok(c)
    };
    let (source, endpoints) = match mode.as_str() {
        "ak" | "" => (
            Source::Static(access_key("AK", false)?),
            AuthEndpoints::default(),
        ),
        "ststoken" => (
            Source::Static(access_key("StsToken", true)?),
            AuthEndpoints::default(),
        ),
        "ramrolearn" => {
            let base = access_key("RamRoleArn", false)?;
            if p.ram_role_arn.is_empty() {
                return Err(incomplete("RamRoleArn", "ram_role_arn"));
            }
            let spec = RamRoleArnSpec {
                base,
                role_arn: check_role_arn(p.ram_role_arn.trim(), &place, "ram_role_arn")?,
                session_name: session_name_from(env, p.ram_session_name.trim(), &place)?,
                duration_secs: duration_from(p.expired_seconds, &place)?,
                external_id: Some(p.external_id.trim().to_string()).filter(|e| !e.is_empty()),
                policy: None,
            };
            (Source::RamRoleArn(spec), endpoints_for(env, true, false)?)
        }
        "ecsramrole" => (
            Source::EcsRamRole(EcsRamRoleSpec {
                role_name: Some(p.ram_role_name.trim().to_string()).filter(|r| !r.is_empty()),
                imdsv1_disabled: env_true(env, IMDSV1_DISABLED_VAR),
            }),
            endpoints_for(env, false, true)?,
        ),
        "oidc" => {
            if p.ram_role_arn.is_empty() {
                return Err(incomplete("OIDC", "ram_role_arn"));
            }
            if p.oidc_provider_arn.is_empty() {
                return Err(incomplete("OIDC", "oidc_provider_arn"));
            }
            if p.oidc_token_file.is_empty() {
                return Err(incomplete("OIDC", "oidc_token_file"));
            }
            let spec = OidcSpec {
                role_arn: check_role_arn(p.ram_role_arn.trim(), &place, "ram_role_arn")?,
                provider_arn: p.oidc_provider_arn.trim().to_string(),
                token_file: PathBuf::from(p.oidc_token_file.trim()),
                session_name: session_name_from(env, p.ram_session_name.trim(), &place)?,
                duration_secs: duration_from(p.expired_seconds, &place)?,
            };
            (Source::Oidc(spec), endpoints_for(env, true, false)?)
        }
        _ => {
            return Err(CredentialError::UnsupportedMode {
                name: p.name.clone(),
                path: path.into(),
                mode: p.mode.clone(),
            })
        }
    };
    let mut warnings = Vec::new();
    if let Some(w) = config_path.and_then(permission_warning) {
        warnings.push(w);
    }
    Ok(Resolved {
        source,
        origin: place,
        endpoints,
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
        {"name":"role","mode":"ramrolearn","access_key_id":"LTAIrole00000001","access_key_secret":"sec-role","ram_role_arn":"acs:ram::1234567890123456:role/ops","ram_session_name":"oncall","expired_seconds":900,"external_id":"ext-1"},
        {"name":"ecs","mode":"ECSRAMROLE","ram_role_name":"ecs-ops"},
        {"name":"oidc","mode":"OIDC","ram_role_arn":"acs:ram::1234567890123456:role/k8s","oidc_provider_arn":"acs:ram::1234567890123456:oidc-provider/ack","oidc_token_file":"/var/run/token"},
        {"name":"chain","mode":"ChainableRamRoleArn"}]}"#;

    fn static_of(r: &Resolved) -> &Credentials {
        match &r.source {
            Source::Static(c) => c,
            other => panic!("not static: {}", other.mode()),
        }
    }

    #[test]
    fn profile_flag_wins_over_env() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let env = env_of(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid00000001"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret"),
        ]);
        let r = resolve(Some("sts"), &env, Some(&p)).unwrap();
        assert_eq!(static_of(&r).access_key_id, "STS.abcd1234");
        assert_eq!(
            static_of(&r).security_token.as_ref().unwrap().expose(),
            "tok-sts"
        );
        assert_eq!(r.source.mode(), "StsToken");
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
        assert_eq!(static_of(&r).access_key_id, "envid00000001");
        assert_eq!(
            static_of(&r).security_token.as_ref().unwrap().expose(),
            "envtoken"
        );
        assert!(r.profile_region.is_none());
    }

    #[test]
    fn current_profile_used_last() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let r = resolve(None, &env_of(&[]), Some(&p)).unwrap();
        assert_eq!(static_of(&r).access_key_id, "LTAIdefault0001");
        assert!(static_of(&r).security_token.is_none());
        assert_eq!(r.source.mode(), "AK");
        assert_eq!(r.profile_region.as_deref(), Some("cn-shanghai"));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn unsupported_mode_and_missing_profile_are_named() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let e = resolve(Some("chain"), &env_of(&[]), Some(&p)).unwrap_err();
        assert!(e.to_string().contains("ChainableRamRoleArn"), "{e}");
        assert!(e.to_string().contains(SUPPORTED_MODES), "{e}");
        let e = resolve(Some("nope"), &env_of(&[]), Some(&p)).unwrap_err();
        assert!(
            e.to_string()
                .contains("default, sts, role, ecs, oidc, chain"),
            "{e}"
        );
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

    #[test]
    fn ram_role_arn_profile() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let r = resolve(Some("role"), &env_of(&[]), Some(&p)).unwrap();
        let Source::RamRoleArn(s) = &r.source else {
            panic!("{:?}", r.source.mode())
        };
        assert_eq!(s.base.access_key_id, "LTAIrole00000001");
        assert_eq!(s.role_arn, "acs:ram::1234567890123456:role/ops");
        assert_eq!(s.session_name, "oncall");
        assert_eq!(s.duration_secs, 900);
        assert_eq!(s.external_id.as_deref(), Some("ext-1"));
        assert_eq!(r.endpoints, AuthEndpoints::default());
    }

    #[test]
    fn ram_role_arn_defaults_and_bad_values() {
        let d = tempfile::tempdir().unwrap();
        let cfg = |extra: &str| {
            write_cfg(
                d.path(),
                &format!(
                    r#"{{"current":"r","profiles":[{{"name":"r","mode":"RamRoleArn","access_key_id":"LTAIrole00000001","access_key_secret":"sec-role","ram_role_arn":"acs:ram::1:role/ops"{extra}}}]}}"#
                ),
            )
        };
        let p = cfg("");
        let r = resolve(None, &env_of(&[]), Some(&p)).unwrap();
        let Source::RamRoleArn(s) = &r.source else {
            panic!()
        };
        assert_eq!(s.session_name, DEFAULT_SESSION_NAME);
        assert_eq!(s.duration_secs, DEFAULT_DURATION_SECS);
        assert!(s.external_id.is_none());
        let p = cfg(r#","expired_seconds":60"#);
        let e = resolve(None, &env_of(&[]), Some(&p)).unwrap_err();
        assert!(e.to_string().contains("expired_seconds"), "{e}");
        let p = cfg(r#","ram_session_name":"bad name!""#);
        let e = resolve(None, &env_of(&[]), Some(&p)).unwrap_err();
        assert!(e.to_string().contains("ram_session_name"), "{e}");
        let p = write_cfg(
            d.path(),
            r#"{"current":"r","profiles":[{"name":"r","mode":"RamRoleArn","access_key_id":"LTAIrole00000001","access_key_secret":"sec"}]}"#,
        );
        let e = resolve(None, &env_of(&[]), Some(&p)).unwrap_err();
        assert!(e.to_string().contains("ram_role_arn"), "{e}");
        assert!(e.to_string().contains("RamRoleArn"), "{e}");
    }

    #[test]
    fn ecs_and_oidc_profiles() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let env = env_of(&[
            ("ALIBABA_CLOUD_IMDSV1_DISABLED", "TRUE"),
            ("DTS_SWITCH_METADATA_URL", "http://127.0.0.1:9"),
        ]);
        let r = resolve(Some("ecs"), &env, Some(&p)).unwrap();
        let Source::EcsRamRole(s) = &r.source else {
            panic!()
        };
        assert_eq!(s.role_name.as_deref(), Some("ecs-ops"));
        assert!(s.imdsv1_disabled);
        assert_eq!(r.endpoints.metadata.as_str(), "http://127.0.0.1:9/");
        let r = resolve(Some("oidc"), &env_of(&[]), Some(&p)).unwrap();
        let Source::Oidc(s) = &r.source else { panic!() };
        assert_eq!(s.token_file, PathBuf::from("/var/run/token"));
        assert_eq!(s.session_name, DEFAULT_SESSION_NAME);
        assert_eq!(r.source.mode(), "OIDC");
    }

    #[test]
    fn env_role_arn_with_access_key_assumes_the_role() {
        let env = env_of(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid00000001"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret"),
            (
                "ALIBABA_CLOUD_ROLE_ARN",
                "acs:ram::1234567890123456:role/ops",
            ),
            ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "night-shift"),
            ("DTS_SWITCH_STS_ENDPOINT", "http://127.0.0.1:8080"),
        ]);
        let r = resolve(None, &env, None).unwrap();
        let Source::RamRoleArn(s) = &r.source else {
            panic!()
        };
        assert_eq!(s.base.access_key_id, "envid00000001");
        assert_eq!(s.session_name, "night-shift");
        assert_eq!(r.endpoints.sts.as_str(), "http://127.0.0.1:8080/");
        assert!(r.origin.contains("ALIBABA_CLOUD_ROLE_ARN"));
    }

    #[test]
    fn env_oidc_comes_after_access_key_and_before_the_config_file() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let oidc = [
            (
                "ALIBABA_CLOUD_ROLE_ARN",
                "acs:ram::1234567890123456:role/k8s",
            ),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1234567890123456:oidc-provider/ack",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/tmp/t"),
        ];
        let r = resolve(None, &env_of(&oidc), Some(&p)).unwrap();
        assert_eq!(r.source.mode(), "OIDC");
        let mut with_ak = oidc.to_vec();
        with_ak.push(("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid00000001"));
        with_ak.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret"));
        let r = resolve(None, &env_of(&with_ak), Some(&p)).unwrap();
        assert_eq!(r.source.mode(), "RamRoleArn");
        assert!(r.warnings[0].contains("ALIBABA_CLOUD_OIDC_PROVIDER_ARN"));
        let half = env_of(&oidc[..2]);
        let e = resolve(None, &half, Some(&p)).unwrap_err();
        assert!(
            e.to_string().contains("ALIBABA_CLOUD_OIDC_TOKEN_FILE"),
            "{e}"
        );
        let half = env_of(&oidc[1..]);
        let e = resolve(None, &half, Some(&p)).unwrap_err();
        assert!(e.to_string().contains("ALIBABA_CLOUD_ROLE_ARN"), "{e}");
    }

    #[test]
    fn env_ecs_metadata_comes_after_the_config_file() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), CFG);
        let env = env_of(&[("ALIBABA_CLOUD_ECS_METADATA", "ecs-ops")]);
        let r = resolve(None, &env, Some(&p)).unwrap();
        assert_eq!(r.source.mode(), "AK", "the current profile comes first");
        let missing = d.path().join("missing.json");
        let r = resolve(None, &env, Some(&missing)).unwrap();
        let Source::EcsRamRole(s) = &r.source else {
            panic!()
        };
        assert_eq!(s.role_name.as_deref(), Some("ecs-ops"));
        assert!(!s.imdsv1_disabled);
        let env = env_of(&[
            ("ALIBABA_CLOUD_ECS_METADATA", "ecs-ops"),
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
        ]);
        let e = resolve(None, &env, Some(&missing)).unwrap_err();
        assert!(
            e.to_string()
                .contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED"),
            "{e}"
        );
    }

    #[test]
    fn auth_urls_allow_plain_http_only_locally() {
        assert!(auth_url("https://sts.aliyuncs.com", false).is_ok());
        assert!(auth_url("http://127.0.0.1:8080", false).is_ok());
        assert!(auth_url("http://sts.example.com", false).is_err());
        assert!(auth_url("http://100.100.100.200", false).is_err());
        assert!(auth_url("http://100.100.100.200", true).is_ok());
        assert!(auth_url("ftp://127.0.0.1", true).is_err());
        let e = auth_url("https://u:pa55word@sts.aliyuncs.com", false).unwrap_err();
        assert!(!e.to_string().contains("pa55word"), "{e}");
        assert!(e.to_string().contains("DTS_SWITCH_STS_ENDPOINT"), "{e}");
        let e = resolve(
            None,
            &env_of(&[
                ("ALIBABA_CLOUD_ECS_METADATA", "r"),
                ("DTS_SWITCH_METADATA_URL", "http://169.254.1.1"),
            ]),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("DTS_SWITCH_METADATA_URL"), "{e}");
    }

    #[test]
    fn arns_are_masked() {
        assert_eq!(
            mask_arn("acs:ram::1234567890123456:role/ops"),
            "acs:ram::1234****3456:role/ops"
        );
        assert_eq!(mask_arn("not-an-arn"), "not-an-arn");
    }

    #[test]
    fn a_mistyped_config_names_the_key_not_the_value() {
        let d = tempfile::tempdir().unwrap();
        let p = write_cfg(d.path(), r#"{"current":"x","profiles":"LTAIsecretvalue"}"#);
        let e = resolve(None, &env_of(&[]), Some(&p)).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("profiles") && s.contains("an array"), "{s}");
        assert!(!s.contains("LTAIsecretvalue"), "{s}");
    }
}
