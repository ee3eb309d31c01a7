//! The ECS instance metadata service (`dts-api.md` §6.4): the credentials of the RAM role
//! attached to the instance. Hardened mode first (a token from `PUT /latest/api/token`,
//! sent on every GET), falling back to asking without a token unless
//! `ALIBABA_CLOUD_IMDSV1_DISABLED=true`.

use crate::api::credentials::sts::{credentials_from, Failure, Issued, MAX_ANSWER_BYTES};
use crate::api::credentials::{EcsRamRoleSpec, Secret, IMDSV1_DISABLED_VAR};

pub const TOKEN_PATH: &str = "/latest/api/token";
pub const ROLE_PATH: &str = "/latest/meta-data/ram/security-credentials/";
pub const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
pub const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
pub const TOKEN_TTL_SECS: u32 = 21600;

/// What one visit to the metadata service gave.
#[derive(Debug)]
pub struct Fetched {
    pub issued: Issued,
    pub role: String,
    /// The metadata token used, if any (a secret too).
    pub token: Option<Secret>,
}

/// Parses the credentials document: `Code` must be `Success`.
pub fn parse_credentials(text: &str, role: &str) -> Result<Issued, Failure> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        Failure::transient(format!(
            "the metadata service's credentials of role {role:?} are not JSON"
        ))
    })?;
    match v.get("Code").and_then(|c| c.as_str()) {
        Some("Success") => {}
        Some(code) => {
            return Err(Failure::transient(format!(
            "the metadata service answered Code {code:?} for role {role:?} (expected \"Success\")"
        )))
        }
        None => {
            return Err(Failure::transient(format!(
                "the metadata service's credentials of role {role:?} carry no Code"
            )))
        }
    }
    credentials_from(&v, "the metadata service").map_err(Failure::transient)
}

fn unreachable(base: &url::Url, e: &reqwest::Error) -> Failure {
    Failure::transient(format!(
        "the ECS metadata service at {} could not be reached ({}); EcsRamRole works only on an ECS instance with a RAM role",
        base.as_str().trim_end_matches('/'),
        crate::api::client::describe_reqwest(e)
    ))
}

/// GETs `path`; returns the HTTP status and body.
async fn get(
    http: &reqwest::Client,
    base: &url::Url,
    url: url::Url,
    token: Option<&Secret>,
) -> Result<(u16, String), Failure> {
    let mut req = http.get(url);
    if let Some(t) = token {
        req = req.header(TOKEN_HEADER, t.expose());
    }
    let resp = req.send().await.map_err(|e| unreachable(base, &e))?;
    let status = resp.status().as_u16();
    let text = crate::api::client::read_text(resp, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| Failure::transient(format!("the ECS metadata service: {e}")))?;
    Ok((status, text))
}

/// Asks for a metadata token; None when the service gives none (an older service, or
/// hardened mode not available).
async fn token(http: &reqwest::Client, base: &url::Url) -> Result<Option<Secret>, Failure> {
    let url = base.join(TOKEN_PATH).expect("valid path");
    let resp = match http
        .put(url)
        .header(TOKEN_TTL_HEADER, TOKEN_TTL_SECS.to_string())
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) if e.is_connect() => return Err(unreachable(base, &e)),
        Err(e) => {
            tracing::debug!(
                error = %crate::api::client::describe_reqwest(&e),
                "no metadata token"
            );
            return Ok(None);
        }
    };
    let status = resp.status().as_u16();
    let text = crate::api::client::read_text(resp, MAX_ANSWER_BYTES)
        .await
        .unwrap_or_default();
    let text = text.trim();
    if status == 200 && !text.is_empty() {
        Ok(Some(Secret::new(text)))
    } else {
        tracing::debug!(status, "no metadata token");
        Ok(None)
    }
}

/// Gets the role's credentials. `known_role` is a role name learnt on an earlier visit.
pub async fn fetch(
    http: &reqwest::Client,
    base: &url::Url,
    spec: &EcsRamRoleSpec,
    known_role: Option<&str>,
) -> Result<Fetched, Failure> {
    let token = token(http, base).await?;
    if token.is_none() && spec.imdsv1_disabled {
        return Err(Failure::fatal(format!(
            "the ECS metadata service gave no token (PUT {TOKEN_PATH}), and {IMDSV1_DISABLED_VAR}=true forbids asking without one\n  next step: check that the instance's metadata service allows hardened mode, or unset {IMDSV1_DISABLED_VAR}"
        )));
    }
    let refused = |status: u16, what: &str| {
        let hint = if token.is_none() && (status == 401 || status == 403) {
            " (the instance may require hardened mode, and no metadata token could be had)"
        } else {
            ""
        };
        Failure::fatal(format!(
            "the ECS metadata service refused {what} (HTTP {status}){hint}"
        ))
    };
    let role = match spec.role_name.as_deref().or(known_role) {
        Some(r) => r.to_string(),
        None => {
            let url = base.join(ROLE_PATH).expect("valid path");
            let (status, text) = get(http, base, url, token.as_ref()).await?;
            match status {
                200 => {}
                404 => {
                    return Err(Failure::fatal(
                        "no RAM role is attached to this ECS instance (the metadata service lists none)\n  next step: attach a RAM role to the instance, or name one with ram_role_name / ALIBABA_CLOUD_ECS_METADATA",
                    ))
                }
                s if s >= 500 => {
                    return Err(Failure::transient(format!(
                        "the ECS metadata service failed listing the role (HTTP {s})"
                    )))
                }
                s => return Err(refused(s, "the role listing")),
            }
            match text.lines().map(str::trim).find(|l| !l.is_empty()) {
                Some(r) => r.to_string(),
                None => {
                    return Err(Failure::fatal(
                        "no RAM role is attached to this ECS instance (the metadata service lists none)",
                    ))
                }
            }
        }
    };
    let mut url = base.join(ROLE_PATH).expect("valid path");
    url.path_segments_mut()
        .expect("http URL")
        .pop_if_empty()
        .push(&role);
    let (status, text) = get(http, base, url, token.as_ref()).await?;
    match status {
        200 => {}
        404 => {
            return Err(Failure::fatal(format!(
                "the ECS metadata service has no credentials for role {role:?} (HTTP 404): that role is not attached to this instance\n  next step: check ram_role_name / ALIBABA_CLOUD_ECS_METADATA, or leave it out to use the instance's role"
            )))
        }
        s if s >= 500 => {
            return Err(Failure::transient(format!(
                "the ECS metadata service failed (HTTP {s}) for role {role:?}"
            )))
        }
        s => return Err(refused(s, &format!("the credentials of role {role:?}"))),
    }
    let issued = parse_credentials(&text, &role)?;
    Ok(Fetched {
        issued,
        role,
        token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_document() {
        let ok = r#"{"AccessKeyId":"STS.abc","AccessKeySecret":"sec","SecurityToken":"CAIS","Expiration":"2024-05-01T18:00:00Z","LastUpdated":"2024-05-01T12:00:00Z","Code":"Success"}"#;
        let i = parse_credentials(ok, "r").unwrap();
        assert_eq!(i.credentials.access_key_id, "STS.abc");
        assert_eq!(i.expires.to_rfc3339(), "2024-05-01T18:00:00+00:00");
        let e = parse_credentials(&ok.replace("Success", "Failed"), "r").unwrap_err();
        assert!(e.detail.contains("Failed"), "{}", e.detail);
        let e = parse_credentials(&ok.replace(",\"Code\":\"Success\"", ""), "r").unwrap_err();
        assert!(e.detail.contains("no Code"), "{}", e.detail);
        let e = parse_credentials(
            &ok.replace("2024-05-01T18:00:00Z", "2024-05-01 18:00:00"),
            "r",
        )
        .unwrap_err();
        assert!(e.detail.contains("Expiration"), "{}", e.detail);
        let e = parse_credentials("<html>", "r").unwrap_err();
        assert!(!e.detail.contains("<html>"));
    }
}
