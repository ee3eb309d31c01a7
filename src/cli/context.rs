//! Turns global flags and the environment into a ready API client: credentials, region,
//! endpoint, or an in-process simulator for `--demo`.

use crate::api::credentials::{
    self, CredentialProvider, Credentials, ProviderOptions, REGION_VARS,
};
use crate::api::endpoint::{default_endpoint, is_loopback, validate_region};
use crate::api::{Client, ClientConfig, RetryPolicy};
use crate::cli::{CliError, Global};
use crate::domain::guard::Sender;
use crate::sim::{SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::sync::Arc;
use std::time::Duration;

pub struct Ctx {
    pub client: Client,
    pub endpoint: url::Url,
    pub region: String,
    /// Who calls, never secret: the masked AccessKeyId (`LTAI****0001`), or for role
    /// modes the mode and the role (`RamRoleArn acs:ram::1234****3456:role/ops`).
    pub masked_ak: String,
    /// The credentials mode: AK, StsToken, RamRoleArn, EcsRamRole or OIDC.
    pub credential_mode: &'static str,
    /// True when the endpoint is a loopback simulator, not the cloud.
    pub is_local: bool,
    /// The proxy the calls go through (from `HTTPS_PROXY` & co., user and password
    /// masked); `None` when they go direct (always for a loopback endpoint).
    pub proxy: Option<String>,
    pub demo: Option<Simulator>,
}

impl Ctx {
    /// The guarded sender for switch calls, recording `command` as who sends.
    pub fn sender(&self, journal: crate::domain::journal::Journal, command: &str) -> Sender {
        Sender {
            client: self.client.port(),
            journal,
            endpoint: self.endpoint.as_str().to_string(),
            masked_ak: self.masked_ak.clone(),
            by: crate::domain::journal::who(command),
        }
    }

    /// One line naming where calls go, for headers of every output.
    pub fn banner(&self) -> String {
        let place = if self.demo.is_some() {
            "DEMO simulator".to_string()
        } else if self.is_local {
            "local simulator".to_string()
        } else {
            "PRODUCTION".to_string()
        };
        let who = match self.credential_mode {
            "AK" | "StsToken" => format!("AccessKeyId {}", self.masked_ak),
            _ => self.masked_ak.clone(),
        };
        let via = self
            .proxy
            .as_deref()
            .map(|p| format!(" via proxy {p}"))
            .unwrap_or_default();
        format!(
            "{place} {}{via} · region {} · {who}",
            self.endpoint.as_str().trim_end_matches('/'),
            self.region,
        )
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub async fn build(g: &Global) -> Result<Ctx, CliError> {
    // A proxy variable that is no HTTP(S) proxy is bad input, before anything else.
    crate::api::endpoint::ProxyEnv::from_env(&env_var).map_err(|e| CliError::new(2, e))?;
    let connect_timeout = g.timeout.min(Duration::from_secs(5));
    let (provider, profile_region, demo) = if g.demo {
        // The demo also serves the twelve jobs behind one database, for `failover`.
        let cfg = SimConfig {
            fleet: true,
            ..SimConfig::default()
        };
        let sim = Simulator::start(cfg, "127.0.0.1:0".parse().expect("addr"))
            .await
            .map_err(|e| CliError::new(1, format!("cannot start the demo simulator: {e}")))?;
        let mut c = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None);
        c.source = "demo simulator".into();
        (CredentialProvider::fixed(c), None, Some(sim))
    } else {
        let path = credentials::default_config_path();
        let r = credentials::resolve(g.profile.as_deref(), &env_var, path.as_deref())
            .map_err(|e| CliError::new(e.exit_code(), e.to_string()))?;
        for w in &r.warnings {
            errln!("{w}");
        }
        let provider = CredentialProvider::new(
            r.source,
            r.origin,
            r.endpoints,
            &ProviderOptions {
                connect_timeout,
                request_timeout: g.timeout,
            },
        )
        .map_err(|e| CliError::new(1, e))?;
        (provider, r.profile_region, None)
    };

    let region = match &g.region {
        Some(r) => r.clone(),
        None => credentials::first_env(&env_var, REGION_VARS)
            .map(|(_, v)| v)
            .or(profile_region)
            .unwrap_or_else(|| "cn-hangzhou".to_string()),
    };
    validate_region(&region).map_err(|e| CliError::new(2, e))?;

    let endpoint_text = match (&demo, &g.endpoint) {
        (Some(sim), _) => sim.url(),
        (None, Some(e)) => e.clone(),
        (None, None) => default_endpoint(&region),
    };
    let endpoint = parse_endpoint(&endpoint_text)?;
    let is_local = is_loopback(&endpoint);
    // Role modes: get the first credentials now, so a wrong role or an unreachable STS
    // is said before anything else happens (and names the role found on an instance).
    provider
        .get()
        .await
        .map_err(|e| CliError::new(e.exit_code(), crate::text::clean_lines(&e.to_string())))?;
    let masked_ak = provider.identity();
    let credential_mode = provider.mode();
    let client = Client::new(ClientConfig {
        endpoint: endpoint.clone(),
        region: region.clone(),
        credentials: Arc::new(provider),
        connect_timeout,
        request_timeout: g.timeout,
        retry: RetryPolicy::default(),
    })
    .map_err(|e| CliError::new(1, e))?;
    let proxy = client.proxy();
    tracing::info!(endpoint = %endpoint, region = %region, ak = %masked_ak, mode = credential_mode, proxy = proxy.as_deref().unwrap_or("none"), "client ready");
    Ok(Ctx {
        client,
        endpoint,
        region,
        masked_ak,
        credential_mode,
        is_local,
        proxy,
        demo,
    })
}

pub use crate::api::endpoint::without_userinfo;

pub fn parse_endpoint(text: &str) -> Result<url::Url, CliError> {
    let shown = without_userinfo(text);
    let bad = |why: &str| {
        CliError::new(
            2,
            format!("--endpoint {shown:?} {why}; expected a URL such as https://dts.cn-hangzhou.aliyuncs.com or http://127.0.0.1:8080"),
        )
    };
    if shown != text {
        return Err(bad("carries a user name or password (user:password@); dts-switch signs its requests and never sends credentials in the URL: remove them"));
    }
    let u = url::Url::parse(text).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad(
            "carries a user name or password (user:password@); remove them",
        ));
    }
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(bad("must start with http:// or https://"));
    }
    if u.host().is_none() {
        return Err(bad("has no host"));
    }
    if u.scheme() == "http" && !is_loopback(&u) {
        return Err(bad("uses plain http to a remote host; use https (plain http only for a loopback simulator)"));
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_refused_without_echoing_the_password() {
        for text in [
            "http://user:hunter2pw@127.0.0.1:8080",
            "https://user:hunter2pw@dts.aliyuncs.com/",
            "https://:hunter2pw@dts.aliyuncs.com",
            "https://hunter2pw@dts.aliyuncs.com",
            "http://user:hunter2pw@remote.example:80",
            "https://us er:hunter2pw@bad host",
            "https://a:b@c:hunter2pw@dts.aliyuncs.com/x?y=1",
            "https://user:hun/ter2pw@dts.aliyuncs.com",
            "user:hunter2pw@dts.aliyuncs.com",
        ] {
            let e = parse_endpoint(text).unwrap_err();
            assert_eq!(e.code, 2, "{text}");
            assert!(!e.message.contains("ter2pw"), "{text}: {}", e.message);
        }
        let e = parse_endpoint("http://user:hunter2pw@127.0.0.1:8080").unwrap_err();
        assert!(
            e.message.contains("\"http://127.0.0.1:8080\""),
            "{}",
            e.message
        );
        assert!(e.message.contains("user name or password"), "{}", e.message);
    }

    #[test]
    fn plain_endpoints_are_accepted() {
        assert!(parse_endpoint("https://dts.cn-hangzhou.aliyuncs.com").is_ok());
        assert!(parse_endpoint("http://127.0.0.1:8080/").is_ok());
        assert!(parse_endpoint("http://[::1]:8080").is_ok());
        assert_eq!(without_userinfo("https://h/p?q=@x"), "https://h/p?q=@x");
    }
}
