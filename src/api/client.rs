//! Transport: builds signed RPC requests, sends them over HTTP(S), turns answers into
//! JSON or typed errors, and retries what is safe to retry.

use crate::api::credentials::{CredentialProvider, Credentials};
use crate::api::endpoint::{proxy_words, ProxyEnv};
use crate::api::error::ApiError;
use crate::api::sign;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const API_VERSION: &str = "2020-01-01";

/// Whether a call changes anything in the service. Mutating calls are never resent once
/// they may have reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallMode {
    Read,
    Mutating,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with full jitter in [d/2, d], honouring a server hint.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        let jitter = half.mul_f64(fastrand::f64());
        let d = half + jitter;
        match retry_after {
            Some(r) => d.max(r.min(Duration::from_secs(60))),
            None => d,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub endpoint: url::Url,
    pub region: String,
    /// Where each attempt gets its credentials (fixed, or refreshed before they expire).
    pub credentials: Arc<CredentialProvider>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

/// One finished attempt, as reported to observers (command log, tracing).
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub action: String,
    pub attempt: u32,
    pub request_id: Option<String>,
    /// `ok`, or the error code / kind.
    pub result: String,
    pub elapsed: Duration,
    pub will_retry: bool,
}

pub type Observer = Arc<dyn Fn(&CallRecord) + Send + Sync>;

/// A successful answer: the JSON body and its RequestId.
#[derive(Debug, Clone)]
pub struct Answer {
    pub body: Value,
    pub request_id: Option<String>,
}

/// The outcome of one attempt of a call.
#[derive(Debug)]
pub struct Attempt {
    pub result: Result<Answer, ApiError>,
    /// The service's `x-acs-retry-after` hint, when it sent one.
    pub retry_after: Option<Duration>,
    /// The error may be retried (per the call's mode) and attempts are left.
    pub will_retry: bool,
    /// The credentials had expired and were fetched anew: retry at once, without
    /// refreshing again.
    pub refreshed_credentials: bool,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    observer: Option<Observer>,
    proxy: Arc<ProxyEnv>,
}

/// The proxy policy of every HTTP client: the environment's proxy variables for real
/// endpoints (`NO_PROXY` respected), never a proxy for loopback (see [`ProxyEnv`]).
/// Replaces reqwest's own reading of the variables, which would send a simulator's
/// calls to a proxy too.
pub fn with_proxy_policy(
    b: reqwest::ClientBuilder,
    proxy: &Arc<ProxyEnv>,
) -> reqwest::ClientBuilder {
    let p = proxy.clone();
    b.no_proxy()
        .proxy(reqwest::Proxy::custom(move |url| p.proxy_for(url).cloned()))
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Self, String> {
        let proxy = Arc::new(ProxyEnv::from_env(&|n: &str| std::env::var(n).ok())?);
        let http = with_proxy_policy(
            reqwest::Client::builder()
                .connect_timeout(cfg.connect_timeout)
                .timeout(cfg.request_timeout)
                .user_agent(concat!("dts-switch/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::none()),
            &proxy,
        )
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))?;
        Ok(Client {
            http,
            cfg: Arc::new(cfg),
            observer: None,
            proxy,
        })
    }

    /// The proxy the endpoint's calls go through, in words with any user and password
    /// masked (`http://proxy:3128`); `None` when they go direct (always for loopback).
    pub fn proxy(&self) -> Option<String> {
        self.proxy.proxy_for(&self.cfg.endpoint).map(proxy_words)
    }

    pub fn with_observer(mut self, o: Observer) -> Self {
        self.observer = Some(o);
        self
    }

    pub fn region(&self) -> &str {
        &self.cfg.region
    }

    /// The retry policy reads follow (for callers running their own retry schedule).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.cfg.retry
    }

    /// Each request's timeout.
    pub fn request_timeout(&self) -> Duration {
        self.cfg.request_timeout
    }

    /// The same client for another region (and, when given, another endpoint).
    pub fn with_region(&self, region: &str, endpoint: Option<url::Url>) -> Client {
        let mut cfg = (*self.cfg).clone();
        cfg.region = region.to_string();
        if let Some(e) = endpoint {
            cfg.endpoint = e;
        }
        Client {
            http: self.http.clone(),
            cfg: Arc::new(cfg),
            observer: self.observer.clone(),
            proxy: self.proxy.clone(),
        }
    }

    pub fn endpoint(&self) -> &url::Url {
        &self.cfg.endpoint
    }

    /// Calls `action` with business `params` (RegionId is added), retrying per `mode`.
    pub async fn call(
        &self,
        action: &str,
        params: &[(String, String)],
        mode: CallMode,
    ) -> Result<Answer, ApiError> {
        let mut attempt = 0;
        let mut refreshed_expired = false;
        loop {
            attempt += 1;
            let a = self
                .call_attempt(action, params, mode, attempt, !refreshed_expired)
                .await;
            match a.result {
                Ok(ans) => return Ok(ans),
                Err(_) if a.refreshed_credentials => refreshed_expired = true,
                Err(_) if a.will_retry => {
                    let d = self.cfg.retry.delay(attempt, a.retry_after);
                    tracing::debug!(?d, "backing off before retry");
                    tokio::time::sleep(d).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One attempt of a call (attempt number `attempt`, from 1), recorded for observers and
    /// the log like every attempt. The caller retries when `will_retry` says so: at once
    /// when `refreshed_credentials` (then with `may_refresh` false), else after
    /// [`RetryPolicy::delay`]. [`Client::call`] does exactly that.
    pub async fn call_attempt(
        &self,
        action: &str,
        params: &[(String, String)],
        mode: CallMode,
        attempt: u32,
        may_refresh: bool,
    ) -> Attempt {
        let started = Instant::now();
        let (result, retry_after) = self.attempt(action, params).await;
        let may_retry = match &result {
            Ok(_) => false,
            Err(e) => match mode {
                CallMode::Read => e.retryable_read(),
                CallMode::Mutating => e.retryable_switch(),
            },
        };
        // Short-lived credentials the service found expired (a clock step, a slow
        // hop): fetch new ones and try once more. The service refused before
        // executing anything, so this is safe for a switch too.
        let expired_token = may_refresh
            && self.cfg.credentials.refreshes()
            && matches!(&result, Err(e) if e.code() == Some("InvalidSecurityToken.Expired"));
        let will_retry = expired_token || (may_retry && attempt < self.cfg.retry.max_attempts);
        // A dry run changes nothing: the log says so, so that nobody reading it in an
        // incident takes it for a write.
        let dry_run = params
            .iter()
            .any(|(k, v)| k == "DryRun" && v.eq_ignore_ascii_case("true"));
        let record = CallRecord {
            action: if dry_run {
                format!("{action} (DryRun)")
            } else {
                action.to_string()
            },
            attempt,
            request_id: match &result {
                Ok(a) => a.request_id.as_deref(),
                Err(e) => e.request_id(),
            }
            .map(|r| crate::text::clean(r).into_owned()),
            result: match &result {
                Ok(_) => "ok".into(),
                Err(e) => e
                    .code()
                    .map(|c| crate::text::clean(c).into_owned())
                    .unwrap_or_else(|| match e {
                        ApiError::Connect { .. } => "connect-error".to_string(),
                        ApiError::NoAnswer { .. } => "no-answer".to_string(),
                        ApiError::Malformed { .. } => "malformed-answer".to_string(),
                        ApiError::TooLarge { .. } => "answer-too-large".to_string(),
                        ApiError::MissingTaskId { .. } => "missing-taskid".to_string(),
                        ApiError::ErrorPage { http_status, .. } => {
                            format!("HTTP{http_status}-page")
                        }
                        ApiError::Service { .. } => "service-error".to_string(),
                        ApiError::Credentials { .. } => "credentials-error".to_string(),
                    }),
            },
            elapsed: started.elapsed(),
            will_retry,
        };
        tracing::info!(
            action = %record.action,
            attempt = record.attempt,
            request_id = record.request_id.as_deref().unwrap_or("-"),
            result = %record.result,
            elapsed_ms = record.elapsed.as_millis() as u64,
            will_retry,
            "api call"
        );
        if let Some(o) = &self.observer {
            o(&record);
        }
        if expired_token && result.is_err() {
            tracing::info!(action, "security token expired; fetching new credentials");
            self.cfg.credentials.invalidate().await;
        }
        Attempt {
            result,
            retry_after,
            will_retry,
            refreshed_credentials: expired_token,
        }
    }

    /// Builds the full signed parameter list for one attempt (fresh nonce and timestamp).
    pub fn signed_params(
        &self,
        c: &Credentials,
        action: &str,
        params: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut business: Vec<(String, String)> = Vec::with_capacity(params.len() + 1);
        if !params.iter().any(|(k, _)| k == "RegionId") {
            business.push(("RegionId".into(), self.cfg.region.clone()));
        }
        business.extend(params.iter().cloned());
        sign::signed_request(
            c,
            action,
            API_VERSION,
            &uuid::Uuid::new_v4().to_string(),
            &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            business,
        )
    }

    async fn attempt(
        &self,
        action: &str,
        params: &[(String, String)],
    ) -> (Result<Answer, ApiError>, Option<Duration>) {
        let creds = match self.cfg.credentials.get().await {
            Ok(c) => c,
            Err(e) => {
                let fatal = e.exit_code() == 2;
                return (
                    Err(ApiError::Credentials {
                        action: action.into(),
                        detail: e.to_string(),
                        fatal,
                    }),
                    None,
                );
            }
        };
        let all = self.signed_params(&creds, action, params);
        let query = all
            .iter()
            .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut url = self.cfg.endpoint.clone();
        url.set_path("/");
        url.set_query(Some(&query));
        let redact = |s: String| self.cfg.credentials.redact(&creds.redact(&s));

        let resp = match self.http.post(url).send().await {
            Ok(r) => r,
            Err(e) => {
                let mut detail = redact(describe_reqwest(&e));
                if let Some(p) = self.proxy() {
                    detail = format!("via proxy {p}: {detail}");
                }
                let err = if e.is_connect() || e.is_builder() {
                    ApiError::Connect {
                        action: action.into(),
                        detail,
                    }
                } else {
                    ApiError::NoAnswer {
                        action: action.into(),
                        detail,
                    }
                };
                return (Err(err), None);
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = match read_limited(resp, MAX_ANSWER_BYTES).await {
            Ok(t) => t,
            Err(BodyError::TooLarge) => {
                return (
                    Err(ApiError::TooLarge {
                        action: action.into(),
                        http_status: status,
                        limit: MAX_ANSWER_BYTES,
                    }),
                    retry_after,
                )
            }
            Err(BodyError::Broken(e)) => {
                return (
                    Err(ApiError::NoAnswer {
                        action: action.into(),
                        detail: redact(format!(
                            "the answer (HTTP {status}) broke off: {}",
                            describe_reqwest(&e)
                        )),
                    }),
                    retry_after,
                )
            }
        };
        let result = parse_answer(action, status, &text).map_err(|e| redact_error(e, &redact));
        (result, retry_after)
    }
}

/// The most of one answer's body that is read (every DTS answer is far smaller; a page of
/// 30 jobs is some 60 KiB). Reading stops there with [`ApiError::TooLarge`].
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

enum BodyError {
    TooLarge,
    Broken(reqwest::Error),
}

/// Reads the body chunk by chunk, stopping as soon as it passes `limit` bytes (or at
/// once when Content-Length says it will). Invalid UTF-8 is replaced, never an error.
async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<String, BodyError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Broken)? {
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// The body as text, at most `limit` bytes (for the credential services: STS, metadata).
pub(crate) async fn read_text(resp: reqwest::Response, limit: usize) -> Result<String, String> {
    read_limited(resp, limit).await.map_err(|e| match e {
        BodyError::TooLarge => format!(
            "the answer is larger than {}, more than any such answer",
            crate::api::error::human_bytes(limit)
        ),
        BodyError::Broken(e) => format!("the answer broke off: {}", describe_reqwest(&e)),
    })
}

fn redact_error(e: ApiError, redact: &dyn Fn(String) -> String) -> ApiError {
    match e {
        ApiError::Service {
            action,
            http_status,
            code,
            message,
            request_id,
            recommend,
        } => ApiError::Service {
            action,
            http_status,
            code,
            message: redact(message),
            request_id,
            recommend: recommend.map(redact),
        },
        ApiError::Malformed {
            action,
            http_status,
            detail,
            request_id,
        } => ApiError::Malformed {
            action,
            http_status,
            detail: redact(detail),
            request_id,
        },
        ApiError::ErrorPage {
            action,
            http_status,
            snippet,
        } => ApiError::ErrorPage {
            action,
            http_status,
            snippet: redact(snippet),
        },
        other => other,
    }
}

/// A reqwest error in plain words, never with the URL (it carries the signature).
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    if e.is_timeout() {
        parts.push("timed out".to_string());
    }
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !t.contains("http://") && !t.contains("https://") && !parts.contains(&t) {
            parts.push(t);
        }
        src = s.source();
    }
    if parts.is_empty() {
        let what = if e.is_connect() {
            "connection failed"
        } else if e.is_body() || e.is_decode() {
            "the answer's body could not be read"
        } else {
            "request failed"
        };
        parts.push(what.to_string());
    }
    parts.join(": ")
}

/// Returns a string for strings, numbers and booleans.
pub fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field(obj: &serde_json::Map<String, Value>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| obj.get(*n).and_then(str_of))
        .filter(|s| !s.is_empty())
}

fn unwrap_response(obj: &serde_json::Map<String, Value>) -> Option<serde_json::Map<String, Value>> {
    if obj.len() != 1 {
        return None;
    }
    let (k, v) = obj.iter().next()?;
    match v {
        Value::Object(inner) if k.ends_with("Response") => Some(inner.clone()),
        _ => None,
    }
}

/// `Success` is `false` (a boolean, or a string in any case, spaces around it ignored).
pub fn is_success_false(obj: &serde_json::Map<String, Value>) -> bool {
    obj.get("Success")
        .and_then(str_of)
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("false"))
}

/// The error an answer with `Success:false` stands for (dts-api.md §5.3): `ErrCode` (else
/// `Code`/`code`, else `UnknownError`, which proves nothing), the message with
/// `DynamicMessage` put in for its `%s` (or the `DynamicMessage` alone when there is no
/// message), and a `DynamicCode` that differs from the code kept in the message: it is
/// informative only (e.g. `403`), never the code errors are classified by.
pub fn success_false_error(
    action: &str,
    http_status: u16,
    obj: &serde_json::Map<String, Value>,
) -> ApiError {
    let code = field(obj, &["ErrCode", "Code", "code"]).unwrap_or_else(|| "UnknownError".into());
    let mut message = service_message(obj, &["ErrMessage", "Message", "message"]);
    if let Some(dc) = field(obj, &["DynamicCode"]) {
        if dc.trim() != code && !message.contains(&dc) {
            message = format!("{message} (DynamicCode {dc})");
        }
    }
    ApiError::Service {
        action: action.into(),
        http_status,
        code,
        message,
        request_id: field(obj, &["RequestId", "requestId"]),
        recommend: None,
    }
}

/// The first of `names` that is a non-empty message, with `DynamicMessage` put in for
/// its first `%s`; `DynamicMessage` alone when there is none; else `(no message)`.
fn service_message(obj: &serde_json::Map<String, Value>, names: &[&str]) -> String {
    let dynamic = field(obj, &["DynamicMessage"]);
    match (field(obj, names), dynamic) {
        (Some(m), Some(d)) if m.contains("%s") => m.replacen("%s", &d, 1),
        (Some(m), _) => m,
        (None, Some(d)) => d,
        (None, None) => "(no message)".into(),
    }
}

/// Turns an HTTP status and body into an answer or a typed error (`dts-api.md` §5).
pub fn parse_answer(action: &str, status: u16, text: &str) -> Result<Answer, ApiError> {
    let parsed: Result<Value, _> = serde_json::from_str(text);
    let obj = match parsed {
        Ok(Value::Object(o)) => o,
        Ok(_) | Err(_) => {
            let snippet: String = text.chars().take(120).collect();
            let snippet = snippet.replace(['\n', '\r'], " ");
            if status >= 400 {
                return Err(ApiError::ErrorPage {
                    action: action.into(),
                    http_status: status,
                    snippet: if snippet.trim().is_empty() {
                        "(empty body)".into()
                    } else {
                        snippet.trim().to_string()
                    },
                });
            }
            return Err(ApiError::Malformed {
                action: action.into(),
                http_status: status,
                detail: format!("expected a JSON object, got: {snippet:?}"),
                request_id: None,
            });
        }
    };
    if !(200..300).contains(&status) && status < 400 {
        return Err(ApiError::Malformed {
            action: action.into(),
            http_status: status,
            detail: format!("unexpected HTTP status {status} for an API answer"),
            request_id: field(&obj, &["RequestId", "requestId"]),
        });
    }
    // Some docs show the body wrapped as {"<Action>Response": {...}}; real answers are
    // not, but accept both.
    let obj = match unwrap_response(&obj) {
        Some(inner) => inner,
        None => obj,
    };
    let request_id = field(&obj, &["RequestId", "requestId"]);
    if status >= 400 {
        let code =
            field(&obj, &["Code", "code", "ErrCode"]).unwrap_or_else(|| format!("HTTP{status}"));
        return Err(ApiError::Service {
            action: action.into(),
            http_status: status,
            code,
            message: service_message(&obj, &["Message", "message", "ErrMessage"]),
            request_id,
            recommend: field(&obj, &["Recommend"]),
        });
    }
    if is_success_false(&obj) {
        return Err(success_false_error(action, status, &obj));
    }
    Ok(Answer {
        body: Value::Object(obj),
        request_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_error_is_typed() {
        let e = parse_answer(
            "X",
            400,
            r#"{"RequestId":"R1","HostId":"h","Code":"Throttling.User","Message":"slow down"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("Throttling.User"));
        assert_eq!(e.request_id(), Some("R1"));
    }

    #[test]
    fn lowercase_gateway_fields_are_accepted() {
        let e = parse_answer(
            "X",
            403,
            r#"{"requestId":"R2","code":"Forbidden.RAM","message":"no"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("Forbidden.RAM"));
        assert_eq!(e.request_id(), Some("R2"));
    }

    #[test]
    fn success_false_in_200_body_is_an_error_bool_or_string() {
        for s in [r#""false""#, "false", r#""False""#] {
            let body = format!(
                r#"{{"RequestId":"R","Success":{s},"ErrCode":"InvalidParameter","ErrMessage":"The Value of Input Parameter %s is not valid.","DynamicMessage":"DtsJobId"}}"#
            );
            let e = parse_answer("X", 200, &body).unwrap_err();
            assert_eq!(e.code(), Some("InvalidParameter"));
            assert!(
                e.to_string().contains("Parameter DtsJobId is not valid"),
                "{e}"
            );
        }
        assert!(parse_answer("X", 200, r#"{"RequestId":"R","Success":true}"#).is_ok());
        assert!(parse_answer("X", 200, r#"{"RequestId":"R","Success":"true"}"#).is_ok());
    }

    /// The maintained family's error shapes (ModifyDtsJobEndpoint, DescribeDtsJob*).
    #[test]
    fn maintained_family_error_shapes() {
        let biz = |body: &str| parse_answer("ModifyDtsJobEndpoint", 200, body).unwrap_err();
        // Success as the string "false", HttpStatusCode as a string, DynamicMessage.
        let e = biz(
            r#"{"RequestId":"R1","Success":"false","HttpStatusCode":"400","ErrCode":"InvalidParameter","ErrMessage":"The Value of Input Parameter %s is not valid.","DynamicMessage":"EndpointPort","DynamicCode":"403"}"#,
        );
        assert_eq!(e.code(), Some("InvalidParameter"));
        assert_eq!(e.request_id(), Some("R1"));
        let s = e.to_string();
        assert!(s.contains("Parameter EndpointPort is not valid"), "{s}");
        assert!(s.contains("DynamicCode 403"), "{s}");
        assert!(e.proves_not_executed());
        // A DTS.Msg code in a boolean false; HttpStatusCode a number.
        let e = biz(
            r#"{"RequestId":"R2","Success":false,"HttpStatusCode":200,"ErrCode":"DTS.Msg.OperationDenied.JobStatusModifying","ErrMessage":"The job is modifying."}"#,
        );
        assert!(e.is_job_status_modifying() && e.proves_not_executed());
        // " False " with spaces; DynamicMessage without a %s is not lost when there is
        // no message at all.
        let e = biz(
            r#"{"Success":" False ","ErrCode":"DTS.Msg.InvalidEndpoint","DynamicMessage":"dest"}"#,
        );
        assert_eq!(e.code(), Some("DTS.Msg.InvalidEndpoint"));
        assert!(e.to_string().contains(": dest"), "{e}");
        // No ErrCode: UnknownError, an unknown outcome for a write.
        let e = biz(r#"{"Success":false,"ErrMessage":"x","DynamicCode":"500"}"#);
        assert_eq!(e.code(), Some("UnknownError"));
        assert!(e.outcome_unknown());
        // DynamicCode equal to the code is not repeated.
        let e = biz(r#"{"Success":false,"ErrCode":"X1","ErrMessage":"m","DynamicCode":"X1"}"#);
        assert!(!e.to_string().contains("DynamicCode"), "{e}");
        // A 403 JSON error of the new family: ErrCode/ErrMessage/DynamicMessage.
        let e = parse_answer(
            "ModifyDtsJobEndpoint",
            403,
            r#"{"RequestId":"R3","Success":false,"ErrCode":"OperationDenied.JobVersionNotSupported","ErrMessage":"job %s","DynamicMessage":"dtsx"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("OperationDenied.JobVersionNotSupported"));
        assert_eq!(e.kind(), crate::api::ErrorKind::WrongFamily);
        assert!(e.to_string().contains("job dtsx"), "{e}");
        // Success true, or missing: not an error here (the operation's parser decides).
        assert!(parse_answer("X", 200, r#"{"Success":"True"}"#).is_ok());
        assert!(parse_answer("X", 200, r#"{"RequestId":"R"}"#).is_ok());
    }

    #[test]
    fn wrapped_answers_are_unwrapped() {
        let a = parse_answer(
            "SwitchSynchronizationEndpoint",
            200,
            r#"{"SwitchSynchronizationEndpointResponse":{"RequestId":"R9","Success":"true","TaskId":"5"}}"#,
        )
        .unwrap();
        assert_eq!(a.request_id.as_deref(), Some("R9"));
        assert_eq!(a.body["TaskId"], "5");
    }

    #[test]
    fn malformed_bodies() {
        assert!(matches!(
            parse_answer("X", 200, "<html>oops"),
            Err(ApiError::Malformed { .. })
        ));
        assert!(matches!(
            parse_answer("X", 200, "[1,2]"),
            Err(ApiError::Malformed { .. })
        ));
        let e = parse_answer("X", 502, "Bad Gateway").unwrap_err();
        assert!(
            matches!(
                e,
                ApiError::ErrorPage {
                    http_status: 502,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.outcome_unknown() && e.retryable_read());
        assert!(e.to_string().contains("Bad Gateway"), "{e}");
        let e = parse_answer("X", 404, "<html>\n<h1>Not Found</h1>").unwrap_err();
        assert!(
            matches!(
                e,
                ApiError::ErrorPage {
                    http_status: 404,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.outcome_unknown() && !e.retryable_read());
        let e = parse_answer("X", 400, r#"{"RequestId":"R","Message":"m"}"#).unwrap_err();
        assert_eq!(e.code(), Some("HTTP400"), "a JSON error without a code");
    }

    /// Serves one raw HTTP answer on loopback and returns its URL.
    async fn serve_once(head: &'static str, body: Vec<u8>, chunked: bool) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(head.as_bytes()).await;
            if chunked {
                for part in body.chunks(1000) {
                    let _ = s
                        .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                        .await;
                    let _ = s.write_all(part).await;
                    let _ = s.write_all(b"\r\n").await;
                }
                let _ = s.write_all(b"0\r\n\r\n").await;
            } else {
                let _ = s.write_all(&body).await;
            }
        });
        url
    }

    #[tokio::test]
    async fn body_reading_stops_at_the_limit() {
        let http = reqwest::Client::new();
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        // Streamed without a length: stops once past the limit.
        let url = serve_once(chunked, vec![b'x'; 5000], true).await;
        let r = read_limited(http.get(&url).send().await.unwrap(), 4096).await;
        assert!(matches!(r, Err(BodyError::TooLarge)));
        // Announced by Content-Length: refused before reading.
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n";
        let url = serve_once(head, vec![b'x'; 5000], false).await;
        let r = read_limited(http.get(&url).send().await.unwrap(), 4096).await;
        assert!(matches!(r, Err(BodyError::TooLarge)));
        // Within the limit, invalid UTF-8 is replaced.
        let url = serve_once(chunked, b"{\"a\":\"\xff\"}".to_vec(), true).await;
        let r = read_limited(http.get(&url).send().await.unwrap(), 4096).await;
        assert_eq!(r.ok().as_deref(), Some("{\"a\":\"\u{fffd}\"}"));
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(800),
        };
        for a in 1..10 {
            let d = p.delay(a, None);
            assert!(d <= Duration::from_millis(800));
        }
        assert!(p.delay(1, None) <= Duration::from_millis(100));
        assert!(p.delay(4, None) >= Duration::from_millis(400));
        assert!(p.delay(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
    }
}
