//! The simulated STS (`AssumeRole`, signed; `AssumeRoleWithOIDC`, anonymous) and ECS
//! instance metadata service (token, role listing, role credentials). Both issue
//! short-lived STS credentials that the simulated DTS API then accepts until they expire.

use super::{gateway, invalid, missing, request_id, Reply, SimState};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

pub const VERSION: &str = "2015-04-01";
pub const ACTIONS: &[&str] = &["AssumeRole", "AssumeRoleWithOIDC"];
pub const DEMO_ROLE_ARN: &str = "acs:ram::1234567890123456:role/dts-switch-demo";
pub const DEMO_ECS_ROLE: &str = "dts-switch-demo-ecs";
pub const DEMO_OIDC_PROVIDER_ARN: &str = "acs:ram::1234567890123456:oidc-provider/dts-switch-demo";
/// A demo OIDC token (not a real JWT; the simulator compares it as a string).
pub const DEMO_OIDC_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiJ9.ZHRzLXN3aXRjaC1zaW11bGF0b3ItZGVtbw.c2ltLWRlbW8tc2lnbmF0dXJl";

const TOKEN_PATH: &str = "/latest/api/token";
const ROLE_PATH: &str = "/latest/meta-data/ram/security-credentials/";

#[derive(Debug, Clone)]
pub struct StsConfig {
    /// The longest life of the credentials it issues: a longer `DurationSeconds` gets
    /// this much (short, so tests can see credentials being refreshed).
    pub lifetime: Duration,
    /// Role ARNs that exist (AssumeRole and AssumeRoleWithOIDC).
    pub role_arns: Vec<String>,
    /// The RAM role attached to the simulated ECS instance; None: no role.
    pub ecs_role: Option<String>,
    pub oidc_provider_arn: String,
    pub oidc_token: String,
    /// The metadata service hands out tokens (`PUT /latest/api/token`); false: an older
    /// service that answers that PUT with 404.
    pub metadata_tokens: bool,
    /// The metadata service refuses GETs without a token (hardened mode only).
    pub metadata_require_token: bool,
    /// Issued credentials stop working this long before their stated Expiration (like
    /// a revoked session or a skewed clock), to test fetching new ones on
    /// `InvalidSecurityToken.Expired`.
    pub expire_early: Duration,
}

impl Default for StsConfig {
    fn default() -> Self {
        StsConfig {
            lifetime: Duration::from_secs(3600),
            role_arns: vec![DEMO_ROLE_ARN.into()],
            ecs_role: Some(DEMO_ECS_ROLE.into()),
            oidc_provider_arn: DEMO_OIDC_PROVIDER_ARN.into(),
            oidc_token: DEMO_OIDC_TOKEN.into(),
            metadata_tokens: true,
            metadata_require_token: false,
            expire_early: Duration::ZERO,
        }
    }
}

/// STS credentials the simulator issued.
#[derive(Debug, Clone)]
pub(super) struct IssuedKey {
    pub secret: String,
    pub token: String,
    pub expires: DateTime<Utc>,
}

fn random(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

fn text(status: u16, body: &str) -> Reply {
    Reply::Text {
        status,
        text: body.to_string(),
    }
}

fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@-_".contains(c))
}

impl SimState {
    /// Issues new STS credentials for at most `duration`, expiring on a whole second
    /// (as `Expiration` is written).
    fn issue(&mut self, duration: Duration) -> (String, IssuedKey) {
        let life = duration.min(self.config.sts.lifetime);
        let at = Utc::now() + chrono::TimeDelta::from_std(life).expect("fits");
        let expires = DateTime::from_timestamp(at.timestamp(), 0).expect("valid");
        let id = format!("STS.NSim{}", random(20).to_ascii_uppercase());
        let key = IssuedKey {
            secret: random(30),
            token: format!("CAIS{}", random(96)),
            expires,
        };
        self.issued.insert(id.clone(), key.clone());
        (id, key)
    }

    fn credentials_json(id: &str, k: &IssuedKey) -> serde_json::Value {
        json!({
            "AccessKeyId": id,
            "AccessKeySecret": k.secret,
            "SecurityToken": k.token,
            "Expiration": k.expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        })
    }

    /// Every secret it issued (AccessKey secrets, security tokens, metadata tokens), for
    /// tests that check none of them is ever shown.
    pub fn issued_secrets(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .issued
            .values()
            .flat_map(|k| [k.secret.clone(), k.token.clone()])
            .collect();
        v.extend(self.imds_tokens.keys().cloned());
        v
    }

    /// AssumeRole and AssumeRoleWithOIDC (Version 2015-04-01).
    pub(super) fn sts(&mut self, method: &str, params: &[(String, String)], action: &str) -> Reply {
        let get = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if action == "AssumeRole" {
            if let Err(r) = self.authenticate(method, params, VERSION, &["AssumeRole"]) {
                return r;
            }
        } else if get("Timestamp").is_none() {
            return missing("Timestamp");
        }
        let Some(role) = get("RoleArn") else {
            return missing("RoleArn");
        };
        let Some(session) = get("RoleSessionName") else {
            return missing("RoleSessionName");
        };
        if !valid_session_name(&session) {
            return invalid("RoleSessionName");
        }
        let duration = match get("DurationSeconds") {
            None => 3600,
            Some(d) => match d.parse::<u64>() {
                Ok(n @ 900..=43200) => n,
                _ => {
                    return gateway(
                        400,
                        "InvalidParameter.DurationSeconds",
                        "The parameter DurationSeconds is out of range (900 to the role's maximum session duration).",
                    )
                }
            },
        };
        if action == "AssumeRoleWithOIDC" {
            let Some(provider) = get("OIDCProviderArn") else {
                return missing("OIDCProviderArn");
            };
            let Some(token) = get("OIDCToken") else {
                return missing("OIDCToken");
            };
            if provider != self.config.sts.oidc_provider_arn {
                return gateway(
                    404,
                    "EntityNotExist.OIDCProvider",
                    &format!("The OIDC provider not exists: {provider}."),
                );
            }
            if token != self.config.sts.oidc_token {
                return gateway(
                    400,
                    "AuthenticationFail.OIDCToken.Invalid",
                    "The OIDC token is invalid.",
                );
            }
        }
        if !self.config.sts.role_arns.contains(&role) {
            return gateway(
                404,
                "EntityNotExist.Role",
                &format!("The role not exists: {role}."),
            );
        }
        let (id, key) = self.issue(Duration::from_secs(duration));
        let role_name = role.rsplit('/').next().unwrap_or_default().to_string();
        Reply::Json {
            status: 200,
            body: json!({
                "RequestId": request_id(),
                "AssumedRoleUser": {
                    "Arn": format!("{role}/{session}"),
                    "AssumedRoleId": format!("3{}:{session}", &random(17)),
                },
                "Credentials": Self::credentials_json(&id, &key),
                "SourceIdentity": role_name,
            }),
            retry_after: None,
        }
    }

    /// The ECS metadata service: `PUT /latest/api/token`, the role listing and the role's
    /// credentials. `token` is the `X-aliyun-ecs-metadata-token` header, `ttl` the
    /// `X-aliyun-ecs-metadata-token-ttl-seconds` header.
    pub fn metadata(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        ttl: Option<&str>,
    ) -> Reply {
        let (action, mut reply) = self.metadata_reply(method, path, token, ttl);
        let mut params = BTreeMap::new();
        params.insert("path".to_string(), path.to_string());
        params.insert(
            "token".to_string(),
            if token.is_some() { "yes" } else { "no" }.to_string(),
        );
        self.record(method, action, params, &mut reply);
        reply
    }

    fn metadata_reply(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        ttl: Option<&str>,
    ) -> (&'static str, Reply) {
        let now = Utc::now();
        if path == TOKEN_PATH {
            let action = "MetadataToken";
            if !self.config.sts.metadata_tokens {
                return (action, text(404, "Not Found"));
            }
            if method != "PUT" {
                return (action, text(405, "Method Not Allowed"));
            }
            let secs = match ttl.and_then(|t| t.trim().parse::<i64>().ok()) {
                Some(s @ 1..=21600) => s,
                _ => return (action, text(400, "Bad Request")),
            };
            let t = format!("sim-imds-{}", random(40));
            self.imds_tokens
                .insert(t.clone(), now + chrono::TimeDelta::seconds(secs));
            return (action, text(200, &t));
        }
        let action = if path == ROLE_PATH {
            "MetadataRoleList"
        } else {
            "MetadataCredentials"
        };
        if method != "GET" {
            return (action, text(405, "Method Not Allowed"));
        }
        match token {
            Some(t) if self.imds_tokens.get(t).is_some_and(|exp| now < *exp) => {}
            Some(_) => return (action, text(401, "Unauthorized")),
            None if self.config.sts.metadata_require_token => {
                return (action, text(403, "Forbidden"))
            }
            None => {}
        }
        let role = self.config.sts.ecs_role.clone();
        if path == ROLE_PATH {
            return match role {
                Some(r) => (action, text(200, &r)),
                None => (action, text(404, "Not Found")),
            };
        }
        match path.strip_prefix(ROLE_PATH) {
            Some(name) if Some(name) == role.as_deref() => {
                let (id, key) = self.issue(self.config.sts.lifetime);
                let mut body = Self::credentials_json(&id, &key);
                body["LastUpdated"] = json!(now.format("%Y-%m-%dT%H:%M:%SZ").to_string());
                body["Code"] = json!("Success");
                (
                    action,
                    Reply::Json {
                        status: 200,
                        body,
                        retry_after: None,
                    },
                )
            }
            _ => (action, text(404, "Not Found")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::credentials::{sts as client_sts, Credentials, RamRoleArnSpec};
    use crate::api::sign;
    use crate::sim::state::{SimConfig, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
    use std::time::Instant;

    fn now() -> String {
        Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    fn assume(st: &mut SimState, role: &str) -> Reply {
        let spec = RamRoleArnSpec {
            base: Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None),
            role_arn: role.into(),
            session_name: "unit".into(),
            duration_secs: 900,
            external_id: None,
            policy: None,
        };
        let p = client_sts::assume_role_params(&spec, &uuid::Uuid::new_v4().to_string(), &now());
        st.handle("POST", &p, Instant::now())
    }

    /// A DescribeSynchronizationJobs request signed with `c`.
    fn list_with(st: &mut SimState, c: &Credentials) -> Reply {
        let mut p: Vec<(String, String)> = [
            ("Action", "DescribeSynchronizationJobs"),
            ("Version", "2020-01-01"),
            ("Format", "JSON"),
            ("AccessKeyId", c.access_key_id.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        p.push(("SignatureNonce".into(), uuid::Uuid::new_v4().to_string()));
        p.push(("Timestamp".into(), now()));
        if let Some(t) = &c.security_token {
            p.push(("SecurityToken".into(), t.expose().into()));
        }
        let sig = sign::sign(
            "POST",
            p.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            c.access_key_secret.expose(),
        );
        p.push(("Signature".into(), sig));
        st.handle("POST", &p, Instant::now())
    }

    fn code(r: &Reply) -> Option<String> {
        match r {
            Reply::Json { body, .. } => body["Code"].as_str().map(str::to_string),
            _ => Some("not json".into()),
        }
    }

    #[test]
    fn issued_credentials_work_until_they_expire() {
        let mut st = SimState::new(SimConfig::default());
        let r = assume(&mut st, DEMO_ROLE_ARN);
        let Reply::Json {
            status: 200, body, ..
        } = &r
        else {
            panic!("{r:?}")
        };
        let issued = client_sts::credentials_from(&body["Credentials"], "t").unwrap();
        let life = issued.expires - Utc::now();
        assert!(
            life <= chrono::TimeDelta::seconds(900),
            "capped by DurationSeconds"
        );
        let c = issued.credentials;
        assert_eq!(code(&list_with(&mut st, &c)), None);
        let mut no_token = c.clone();
        no_token.security_token = None;
        assert_eq!(
            code(&list_with(&mut st, &no_token)).as_deref(),
            Some("MissingSecurityToken")
        );
        st.issued.get_mut(&c.access_key_id).unwrap().expires = Utc::now();
        assert_eq!(
            code(&list_with(&mut st, &c)).as_deref(),
            Some("InvalidSecurityToken.Expired")
        );
        assert_eq!(st.requests_of("AssumeRole").len(), 1);
        assert!(st
            .issued_secrets()
            .contains(&c.access_key_secret.expose().to_string()));
    }

    #[test]
    fn unknown_role_and_bad_signature_are_refused() {
        let mut st = SimState::new(SimConfig::default());
        let r = assume(&mut st, "acs:ram::1234567890123456:role/nope");
        assert_eq!(code(&r).as_deref(), Some("EntityNotExist.Role"));
        st.config.access_key_secret = "other".into();
        let r = assume(&mut st, DEMO_ROLE_ARN);
        assert_eq!(code(&r).as_deref(), Some("SignatureDoesNotMatch"));
    }

    #[test]
    fn metadata_tokens_and_hardened_mode() {
        let mut st = SimState::new(SimConfig::default());
        let Reply::Text {
            status: 200,
            text: tok,
        } = st.metadata("PUT", TOKEN_PATH, None, Some("21600"))
        else {
            panic!()
        };
        let r = st.metadata("GET", ROLE_PATH, Some(&tok), None);
        assert_eq!(
            r,
            Reply::Text {
                status: 200,
                text: DEMO_ECS_ROLE.into()
            }
        );
        let r = st.metadata("GET", ROLE_PATH, Some("forged"), None);
        assert!(matches!(r, Reply::Text { status: 401, .. }));
        let path = format!("{ROLE_PATH}{DEMO_ECS_ROLE}");
        let r = st.metadata("GET", &path, None, None);
        let Reply::Json { body, .. } = &r else {
            panic!("{r:?}")
        };
        assert_eq!(body["Code"], "Success");
        assert_eq!(st.requests.last().unwrap().outcome, "executed");
        st.config.sts.metadata_require_token = true;
        assert!(matches!(
            st.metadata("GET", &path, None, None),
            Reply::Text { status: 403, .. }
        ));
        st.config.sts.metadata_tokens = false;
        assert!(matches!(
            st.metadata("PUT", TOKEN_PATH, None, Some("21600")),
            Reply::Text { status: 404, .. }
        ));
    }
}
