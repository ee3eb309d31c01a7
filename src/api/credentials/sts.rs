//! STS (Security Token Service, API version 2015-04-01): `AssumeRole`, signed with an
//! AccessKey like every RPC call (`sign.rs`), and `AssumeRoleWithOIDC`, which is not
//! signed (the OIDC token is the proof). Both answer with short-lived credentials.

use crate::api::credentials::{Credentials, OidcSpec, RamRoleArnSpec};
use crate::api::sign;
use chrono::{DateTime, Utc};

pub const STS_VERSION: &str = "2015-04-01";
pub const ASSUME_ROLE: &str = "AssumeRole";
pub const ASSUME_ROLE_WITH_OIDC: &str = "AssumeRoleWithOIDC";
/// The most of an STS or metadata answer that is read (they are a few KiB).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Credentials issued for a limited time.
#[derive(Debug, Clone)]
pub struct Issued {
    pub credentials: Credentials,
    pub expires: DateTime<Utc>,
}

/// Why getting credentials failed, and whether asking again could help.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub detail: String,
    pub fatal: bool,
}

impl Failure {
    pub fn fatal(detail: impl Into<String>) -> Self {
        Failure {
            detail: detail.into(),
            fatal: true,
        }
    }
    pub fn transient(detail: impl Into<String>) -> Self {
        Failure {
            detail: detail.into(),
            fatal: false,
        }
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The signed parameters of an AssumeRole request (POST).
pub fn assume_role_params(
    spec: &RamRoleArnSpec,
    nonce: &str,
    timestamp: &str,
) -> Vec<(String, String)> {
    let c = &spec.base;
    let duration = spec.duration_secs.to_string();
    let mut business = pairs(&[
        ("RoleArn", &spec.role_arn),
        ("RoleSessionName", &spec.session_name),
        ("DurationSeconds", &duration),
    ]);
    if let Some(e) = &spec.external_id {
        business.push(("ExternalId".into(), e.clone()));
    }
    if let Some(p) = &spec.policy {
        business.push(("Policy".into(), p.clone()));
    }
    sign::signed_request(c, ASSUME_ROLE, STS_VERSION, nonce, timestamp, business)
}

/// The parameters of an AssumeRoleWithOIDC request (POST, anonymous: no AccessKeyId,
/// no signature).
pub fn oidc_params(spec: &OidcSpec, oidc_token: &str, timestamp: &str) -> Vec<(String, String)> {
    let duration = spec.duration_secs.to_string();
    pairs(&[
        ("Action", ASSUME_ROLE_WITH_OIDC),
        ("Version", STS_VERSION),
        ("Format", "JSON"),
        ("Timestamp", timestamp),
        ("RoleArn", &spec.role_arn),
        ("OIDCProviderArn", &spec.provider_arn),
        ("OIDCToken", oidc_token),
        ("RoleSessionName", &spec.session_name),
        ("DurationSeconds", &duration),
    ])
}

/// Parses `Expiration` as STS and the metadata service write it: `%Y-%m-%dT%H:%M:%SZ` UTC.
pub fn parse_expiration(s: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// Reads `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and `Expiration` from `obj`.
pub fn credentials_from(obj: &serde_json::Value, what: &str) -> Result<Issued, String> {
    let field = |k: &str| {
        obj.get(k)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the answer of {what} carries no {k}"))
    };
    let id = field("AccessKeyId")?;
    let secret = field("AccessKeySecret")?;
    let token = field("SecurityToken")?;
    let exp = field("Expiration")?;
    let expires = parse_expiration(exp).ok_or_else(|| {
        format!("the answer of {what} has an Expiration that is not YYYY-MM-DDTHH:MM:SSZ")
    })?;
    Ok(Issued {
        credentials: Credentials::new(id, secret, Some(token.to_string())),
        expires,
    })
}

/// What to do about an STS error code.
fn next_step(code: &str, action: &str) -> &'static str {
    match code {
        c if c.starts_with("EntityNotExist.Role") || c.contains("RoleArn") => {
            "check the role ARN (ram_role_arn in the profile, or ALIBABA_CLOUD_ROLE_ARN): the role must exist in that account"
        }
        c if c.starts_with("AuthenticationFail.OIDCToken") || c.contains("OIDCToken") => {
            "the OIDC token was refused (expired, or not issued for this provider): check the token file and ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
        }
        c if c.contains("OIDCProvider") || c.contains("OIDC") => {
            "check the OIDC provider ARN (oidc_provider_arn, or ALIBABA_CLOUD_OIDC_PROVIDER_ARN)"
        }
        "NoPermission" | "Forbidden" | "Forbidden.RAM" | "AccessDenied" => {
            if action == ASSUME_ROLE {
                "the RAM user needs sts:AssumeRole on this role (e.g. the AliyunSTSAssumeRoleAccess policy), and the role's trust policy must name it"
            } else {
                "the role's trust policy must allow this OIDC provider"
            }
        }
        c if c.starts_with("InvalidAccessKeyId") || c == "SignatureDoesNotMatch" => {
            "the AccessKey that assumes the role is wrong or disabled: check access_key_id / access_key_secret (or the ALIBABA_CLOUD_ACCESS_KEY_* variables)"
        }
        c if c.contains("DurationSeconds") => {
            "expired_seconds is longer than the role's maximum session duration: lower it (900 to 3600 always works)"
        }
        c if c.contains("RoleSessionName") => {
            "the session name (ram_session_name / ALIBABA_CLOUD_ROLE_SESSION_NAME) is not valid"
        }
        _ => "check the role settings of the profile or environment",
    }
}

/// Turns an STS answer into credentials, or a failure that names the service's Code.
pub fn parse_answer(action: &str, status: u16, text: &str) -> Result<Issued, Failure> {
    use crate::api::error::ApiError;
    match crate::api::client::parse_answer(action, status, text) {
        Ok(a) => {
            let creds = a.body.get("Credentials").cloned().unwrap_or_default();
            credentials_from(&creds, &format!("STS {action}")).map_err(Failure::transient)
        }
        Err(ApiError::Service {
            code,
            message,
            request_id,
            http_status,
            ..
        }) => {
            use crate::text::clean;
            let throttled = code.starts_with("Throttling") || http_status == 429;
            let mut detail = format!(
                "STS {action} refused: {} (HTTP {http_status}): {}",
                clean(&code),
                clean(&message)
            );
            if let Some(id) = request_id {
                detail.push_str(&format!("\n  RequestId: {}", clean(&id)));
            }
            if throttled || http_status >= 500 {
                Err(Failure::transient(detail))
            } else {
                detail.push_str(&format!("\n  next step: {}", next_step(&code, action)));
                Err(Failure::fatal(detail))
            }
        }
        // The body is not quoted: an unreadable answer might still hold credentials.
        Err(_) => Err(Failure::transient(format!(
            "STS {action}: the answer (HTTP {status}) is not the JSON STS sends"
        ))),
    }
}

/// POSTs `params` as a form to the STS endpoint; returns the parsed answer.
pub async fn call(
    http: &reqwest::Client,
    endpoint: &url::Url,
    action: &str,
    params: &[(String, String)],
) -> Result<Issued, Failure> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    let mut url = endpoint.clone();
    url.set_path("/");
    url.set_query(None);
    let resp = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            Failure::transient(format!(
                "STS at {} could not be reached: {}",
                endpoint.as_str().trim_end_matches('/'),
                crate::api::client::describe_reqwest(&e)
            ))
        })?;
    let status = resp.status().as_u16();
    let text = crate::api::client::read_text(resp, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| Failure::transient(format!("STS {action}: {e}")))?;
    parse_answer(action, status, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn spec() -> RamRoleArnSpec {
        RamRoleArnSpec {
            base: Credentials::new("testid", "testsecret", None),
            role_arn: "acs:ram::1234567890123456:role/ops".into(),
            session_name: "oncall".into(),
            duration_secs: 900,
            external_id: Some("ext-1".into()),
            policy: Some(r#"{"Version":"1"}"#.into()),
        }
    }

    #[test]
    fn assume_role_is_signed_like_every_rpc_call() {
        let p = assume_role_params(&spec(), "nonce-1", "2024-05-01T12:00:00Z");
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Action"), Some("AssumeRole"));
        assert_eq!(get("Version"), Some("2015-04-01"));
        assert_eq!(get("DurationSeconds"), Some("900"));
        assert_eq!(get("ExternalId"), Some("ext-1"));
        assert_eq!(get("Policy"), Some(r#"{"Version":"1"}"#));
        assert_eq!(get("SecurityToken"), None);
        let expected = sign::sign(
            "POST",
            p.iter()
                .filter(|(k, _)| k != "Signature")
                .map(|(k, v)| (k.as_str(), v.as_str())),
            "testsecret",
        );
        assert_eq!(get("Signature"), Some(expected.as_str()));
        let mut s = spec();
        s.base = Credentials::new("STS.id", "sec", Some("tok".into()));
        s.external_id = None;
        s.policy = None;
        let p = assume_role_params(&s, "n", "2024-05-01T12:00:00Z");
        assert!(p.iter().any(|(k, v)| k == "SecurityToken" && v == "tok"));
        assert!(!p.iter().any(|(k, _)| k == "ExternalId" || k == "Policy"));
    }

    #[test]
    fn oidc_is_anonymous() {
        let s = OidcSpec {
            role_arn: "acs:ram::1:role/k8s".into(),
            provider_arn: "acs:ram::1:oidc-provider/ack".into(),
            token_file: PathBuf::from("/t"),
            session_name: "dts-switch".into(),
            duration_secs: 3600,
        };
        let p = oidc_params(&s, "jwt.token.here", "2024-05-01T12:00:00Z");
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"OIDCToken") && keys.contains(&"OIDCProviderArn"));
        assert!(!keys.contains(&"AccessKeyId") && !keys.contains(&"Signature"));
    }

    #[test]
    fn answers_are_parsed() {
        let ok = r#"{"RequestId":"R","AssumedRoleUser":{"Arn":"a","AssumedRoleId":"b"},
            "Credentials":{"AccessKeyId":"STS.NUx","AccessKeySecret":"sec","SecurityToken":"CAIS","Expiration":"2024-05-01T13:00:00Z"}}"#;
        let i = parse_answer("AssumeRole", 200, ok).unwrap();
        assert_eq!(i.credentials.access_key_id, "STS.NUx");
        assert_eq!(i.credentials.security_token.unwrap().expose(), "CAIS");
        assert_eq!(i.expires.to_rfc3339(), "2024-05-01T13:00:00+00:00");

        let e = parse_answer(
            "AssumeRole",
            404,
            r#"{"RequestId":"R2","HostId":"sts.aliyuncs.com","Code":"EntityNotExist.Role","Message":"The role not exists: acs:ram::1:role/nope."}"#,
        )
        .unwrap_err();
        assert!(e.fatal);
        assert!(e.detail.contains("EntityNotExist.Role") && e.detail.contains("R2"));
        assert!(e.detail.contains("next step"), "{}", e.detail);

        let e = parse_answer(
            "AssumeRole",
            400,
            r#"{"Code":"Throttling.User","Message":"slow"}"#,
        )
        .unwrap_err();
        assert!(!e.fatal);
        let e = parse_answer("AssumeRole", 503, "gateway down").unwrap_err();
        assert!(!e.fatal);
        let e =
            parse_answer("AssumeRole", 200, r#"{"Credentials":{"AccessKeyId":"x"}}"#).unwrap_err();
        assert!(e.detail.contains("AccessKeySecret"), "{}", e.detail);
        let e = parse_answer(
            "AssumeRole",
            200,
            r#"{"Credentials":{"AccessKeyId":"x","AccessKeySecret":"y","SecurityToken":"z","Expiration":"tomorrow"}}"#,
        )
        .unwrap_err();
        assert!(e.detail.contains("Expiration"), "{}", e.detail);
    }
}
