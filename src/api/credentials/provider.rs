//! Gets credentials for each API attempt: a fixed AccessKey, or short-lived STS
//! credentials (AssumeRole, AssumeRoleWithOIDC, ECS instance metadata) that are cached
//! and fetched again before they expire, so a long switch outlives any one session.

use crate::api::credentials::sts::{self, Failure, Issued};
use crate::api::credentials::{
    mask_access_key_ids, mask_arn, metadata, redact_values, AuthEndpoints, CredentialError,
    Credentials, Secret, Source,
};
use chrono::{DateTime, Utc};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Timeouts of the STS and metadata requests.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
        }
    }
}

/// The most margin kept before expiry (`dts-api.md` §6.4: stale 15 minutes before).
pub const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(15 * 60);

/// When credentials fetched at `fetched` and expiring at `expires` should be fetched
/// again: 15 minutes before they expire, or after three quarters of their life when
/// that is shorter (so short sessions are not fetched at every call).
pub fn refresh_at(fetched: DateTime<Utc>, expires: DateTime<Utc>) -> DateTime<Utc> {
    let life = (expires - fetched).max(chrono::TimeDelta::zero());
    let margin = (life / 4).min(chrono::TimeDelta::from_std(MAX_REFRESH_MARGIN).expect("fits"));
    expires - margin
}

struct Cached {
    credentials: Credentials,
    expires: DateTime<Utc>,
    refresh_at: DateTime<Utc>,
}

/// Where every attempt gets its credentials. Cheap to share (`Arc`).
pub struct CredentialProvider {
    source: Source,
    origin: String,
    endpoints: AuthEndpoints,
    sts_http: Option<reqwest::Client>,
    metadata_http: Option<reqwest::Client>,
    cache: tokio::sync::Mutex<Option<Cached>>,
    /// Every secret held or handed out (AccessKey secrets, security tokens, OIDC and
    /// metadata tokens), for redaction of anything shown.
    secrets: Mutex<Vec<Secret>>,
    /// The ECS role name learnt from the metadata service.
    ecs_role: OnceLock<String>,
}

impl std::fmt::Debug for CredentialProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialProvider")
            .field("mode", &self.mode())
            .field("identity", &self.identity())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// Fixed credentials as a client's provider: `credentials: Credentials::new(…).into()`.
impl From<Credentials> for std::sync::Arc<CredentialProvider> {
    fn from(c: Credentials) -> Self {
        std::sync::Arc::new(CredentialProvider::fixed(c))
    }
}

/// Keeps the redaction list bounded in a very long run.
const MAX_REMEMBERED: usize = 64;

impl CredentialProvider {
    /// A provider of fixed credentials (the demo, tests, modes AK and StsToken).
    pub fn fixed(c: Credentials) -> Self {
        let origin = c.source.clone();
        Self::new(
            Source::Static(c),
            origin,
            AuthEndpoints::default(),
            &ProviderOptions::default(),
        )
        .expect("no HTTP client is built for fixed credentials")
    }

    pub fn new(
        source: Source,
        origin: String,
        endpoints: AuthEndpoints,
        opts: &ProviderOptions,
    ) -> Result<Self, String> {
        let build = |no_proxy: bool| {
            let mut b = reqwest::Client::builder()
                .connect_timeout(opts.connect_timeout)
                .timeout(opts.request_timeout)
                .user_agent(concat!("dts-switch/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::none());
            if no_proxy {
                // The metadata service is link-local to the instance: never via a proxy.
                b = b.no_proxy();
            } else {
                // STS: the same policy as the DTS calls (never a proxy for loopback).
                let proxy =
                    crate::api::endpoint::ProxyEnv::from_env(&|n: &str| std::env::var(n).ok())?;
                b = crate::api::client::with_proxy_policy(b, &std::sync::Arc::new(proxy));
            }
            b.build()
                .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))
        };
        let (sts_http, metadata_http) = match &source {
            Source::Static(_) => (None, None),
            Source::RamRoleArn(_) | Source::Oidc(_) => (Some(build(false)?), None),
            Source::EcsRamRole(_) => (None, Some(build(true)?)),
        };
        let mut secrets = Vec::new();
        let base = match &source {
            Source::Static(c) => Some(c),
            Source::RamRoleArn(s) => Some(&s.base),
            _ => None,
        };
        if let Some(c) = base {
            secrets.push(c.access_key_secret.clone());
            secrets.extend(c.security_token.clone());
        }
        Ok(CredentialProvider {
            source,
            origin,
            endpoints,
            sts_http,
            metadata_http,
            cache: tokio::sync::Mutex::new(None),
            secrets: Mutex::new(secrets),
            ecs_role: OnceLock::new(),
        })
    }

    /// The mode, as the aliyun CLI names it: AK, StsToken, RamRoleArn, EcsRamRole, OIDC.
    pub fn mode(&self) -> &'static str {
        self.source.mode()
    }

    /// Where the credentials come from, e.g. `profile "ops" in PATH`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// True when credentials expire and are fetched again.
    pub fn refreshes(&self) -> bool {
        !matches!(self.source, Source::Static(_))
    }

    /// Who calls, for banners and the journal, never secret: the masked AccessKeyId for
    /// a fixed AccessKey, else the mode and the role: `RamRoleArn acs:ram::1234****3456:role/ops`.
    pub fn identity(&self) -> String {
        match &self.source {
            Source::Static(c) => c.masked_id(),
            Source::RamRoleArn(s) => format!("RamRoleArn {}", mask_arn(&s.role_arn)),
            Source::Oidc(s) => format!("OIDC {}", mask_arn(&s.role_arn)),
            Source::EcsRamRole(s) => {
                match s
                    .role_name
                    .as_deref()
                    .or(self.ecs_role.get().map(String::as_str))
                {
                    Some(r) => format!("EcsRamRole {}", crate::text::clean(r)),
                    None => "EcsRamRole (the instance's role)".into(),
                }
            }
        }
    }

    /// Removes every secret this provider has held or handed out from `text`, and masks
    /// any `AccessKeyId=` value (a service may echo its string-to-sign).
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.lock().expect("secrets");
        let values: Vec<&str> = secrets.iter().map(Secret::expose).collect();
        mask_access_key_ids(&redact_values(text, &values))
    }

    fn remember(&self, s: &Secret) {
        let mut list = self.secrets.lock().expect("secrets");
        if !list.contains(s) {
            list.push(s.clone());
        }
        // Keep the base secrets (first) and the newest ones.
        if list.len() > MAX_REMEMBERED {
            let keep_head = 3;
            let excess = list.len() - MAX_REMEMBERED;
            list.drain(keep_head..keep_head + excess);
        }
    }

    /// Credentials for one attempt: the cached ones while fresh, else fetched anew.
    /// When a refresh fails but the cached ones are still valid, those are used.
    pub async fn get(&self) -> Result<Credentials, CredentialError> {
        if let Source::Static(c) = &self.source {
            return Ok(c.clone());
        }
        let mut cache = self.cache.lock().await;
        let now = Utc::now();
        if let Some(c) = cache.as_ref() {
            if now < c.refresh_at {
                return Ok(c.credentials.clone());
            }
        }
        match self.fetch().await {
            Ok(issued) => {
                let fetched = Utc::now();
                tracing::info!(
                    mode = self.mode(),
                    identity = %self.identity(),
                    expires = %issued.expires.format("%Y-%m-%dT%H:%M:%SZ"),
                    "credentials fetched"
                );
                let mut creds = issued.credentials;
                creds.source = self.origin.clone();
                *cache = Some(Cached {
                    credentials: creds.clone(),
                    expires: issued.expires,
                    refresh_at: refresh_at(fetched, issued.expires),
                });
                Ok(creds)
            }
            Err(f) => {
                let detail = self.redact(&f.detail);
                match cache.as_ref() {
                    Some(c) if Utc::now() < c.expires => {
                        tracing::warn!(mode = self.mode(), %detail, "credential refresh failed; the current ones are still valid");
                        Ok(c.credentials.clone())
                    }
                    _ => Err(CredentialError::Fetch {
                        mode: self.mode(),
                        origin: self.origin.clone(),
                        detail,
                        fatal: f.fatal,
                    }),
                }
            }
        }
    }

    /// Forgets the cached credentials (the service said they expired), so the next
    /// [`get`](Self::get) fetches new ones. A no-op for fixed credentials.
    pub async fn invalidate(&self) {
        if self.refreshes() {
            *self.cache.lock().await = None;
        }
    }

    async fn fetch(&self) -> Result<Issued, Failure> {
        let now = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let issued = match &self.source {
            Source::Static(_) => unreachable!("fixed credentials are never fetched"),
            Source::RamRoleArn(spec) => {
                let params = sts::assume_role_params(spec, &uuid::Uuid::new_v4().to_string(), &now);
                let http = self.sts_http.as_ref().expect("built for STS");
                sts::call(http, &self.endpoints.sts, sts::ASSUME_ROLE, &params).await?
            }
            Source::Oidc(spec) => {
                let token = std::fs::read_to_string(&spec.token_file).map_err(|e| {
                    Failure::fatal(format!(
                        "cannot read the OIDC token file {} ({e})\n  next step: check oidc_token_file / ALIBABA_CLOUD_OIDC_TOKEN_FILE",
                        spec.token_file.display()
                    ))
                })?;
                let token = Secret::new(token.trim());
                if token.expose().is_empty() {
                    return Err(Failure::fatal(format!(
                        "the OIDC token file {} is empty",
                        spec.token_file.display()
                    )));
                }
                self.remember(&token);
                let params = sts::oidc_params(spec, token.expose(), &now);
                let http = self.sts_http.as_ref().expect("built for STS");
                sts::call(
                    http,
                    &self.endpoints.sts,
                    sts::ASSUME_ROLE_WITH_OIDC,
                    &params,
                )
                .await?
            }
            Source::EcsRamRole(spec) => {
                let http = self.metadata_http.as_ref().expect("built for metadata");
                let known = self.ecs_role.get().map(String::as_str);
                let f = metadata::fetch(http, &self.endpoints.metadata, spec, known).await;
                let f = f?;
                if let Some(t) = &f.token {
                    self.remember(t);
                }
                if spec.role_name.is_none() {
                    let _ = self.ecs_role.set(f.role.clone());
                }
                f.issued
            }
        };
        self.remember(&issued.credentials.access_key_secret);
        if let Some(t) = &issued.credentials.security_token {
            self.remember(t);
        }
        Ok(issued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn refresh_margin_is_15_minutes_or_a_quarter_of_the_life() {
        let t0 = Utc::now();
        let at = refresh_at(t0, t0 + TimeDelta::hours(6));
        assert_eq!(t0 + TimeDelta::hours(6) - at, TimeDelta::minutes(15));
        let at = refresh_at(t0, t0 + TimeDelta::hours(1));
        assert_eq!(t0 + TimeDelta::hours(1) - at, TimeDelta::minutes(15));
        let at = refresh_at(t0, t0 + TimeDelta::seconds(900));
        assert_eq!(at - t0, TimeDelta::seconds(675));
        let at = refresh_at(t0, t0 + TimeDelta::seconds(4));
        assert_eq!(at - t0, TimeDelta::seconds(3));
        let past = t0 - TimeDelta::seconds(5);
        assert_eq!(refresh_at(t0, past), past, "already expired: fetch now");
    }

    #[tokio::test]
    async fn fixed_credentials_are_handed_out_as_they_are() {
        let mut c = Credentials::new("LTAI5tABCDEFGH0001", "s3cr3t-value", None);
        c.source = "given".into();
        let p = CredentialProvider::fixed(c);
        assert!(!p.refreshes());
        assert_eq!(p.identity(), "LTAI****0001");
        assert_eq!(p.mode(), "AK");
        assert_eq!(p.get().await.unwrap().access_key_id, "LTAI5tABCDEFGH0001");
        assert_eq!(p.redact("x s3cr3t-value y"), "x *** y");
        assert!(!format!("{p:?}").contains("s3cr3t"));
    }

    #[tokio::test]
    async fn an_unreachable_sts_is_a_transient_error_naming_the_mode() {
        let spec = crate::api::credentials::RamRoleArnSpec {
            base: Credentials::new("LTAI5tABCDEFGH0001", "s3cr3t-value", None),
            role_arn: "acs:ram::1234567890123456:role/ops".into(),
            session_name: "s1".into(),
            duration_secs: 900,
            external_id: None,
            policy: None,
        };
        let endpoints = AuthEndpoints {
            sts: url::Url::parse("http://127.0.0.1:9").unwrap(),
            ..AuthEndpoints::default()
        };
        let p = CredentialProvider::new(
            Source::RamRoleArn(spec),
            "test".into(),
            endpoints,
            &ProviderOptions {
                connect_timeout: Duration::from_millis(500),
                request_timeout: Duration::from_secs(1),
            },
        )
        .unwrap();
        assert_eq!(p.identity(), "RamRoleArn acs:ram::1234****3456:role/ops");
        let e = p.get().await.unwrap_err();
        assert_eq!(e.exit_code(), 1);
        let s = e.to_string();
        assert!(
            s.contains("RamRoleArn") && s.contains("could not be reached"),
            "{s}"
        );
    }
}
