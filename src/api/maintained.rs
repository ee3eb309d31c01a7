//! STUB (replaced by the api-maintained branch): wire shapes of the maintained family.
use crate::api::client::{str_of, CallMode, Client};
use crate::api::error::ApiError;
use serde_json::Value;

pub const MODIFY: &str = "ModifyDtsJobEndpoint";
pub const DETAIL: &str = "DescribeDtsJobDetail";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DtsEndpoint {
    pub instance_type: String,
    pub instance_id: String,
    pub engine_name: String,
    pub ip: String,
    pub port: String,
    pub region: String,
    pub database_name: String,
    pub user_name: String,
    pub aliyun_uid: String,
    pub role_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryState {
    pub retrying: bool,
    pub retry_count: u64,
    pub retry_time_secs: u64,
    pub max_retry_time_secs: u64,
    pub target: String,
    pub err_message: String,
}

#[derive(Debug, Clone)]
pub struct DtsJobDetail {
    pub request_id: Option<String>,
    pub dts_job_id: String,
    pub dts_instance_id: String,
    pub status: String,
    pub error_message: String,
    pub delay_ms: Option<f64>,
    pub checkpoint: Option<u64>,
    pub retry_state: Option<RetryState>,
    pub source: DtsEndpoint,
    pub destination: DtsEndpoint,
    pub raw: Value,
}

#[derive(Debug, Clone)]
pub struct ModifyAnswer {
    pub request_id: Option<String>,
}

fn ep(v: Option<&Value>) -> DtsEndpoint {
    let g = |ks: &[&str]| {
        ks.iter()
            .find_map(|k| v.and_then(|o| o.get(*k)).and_then(str_of))
            .unwrap_or_default()
    };
    DtsEndpoint {
        instance_type: g(&["InstanceType"]),
        instance_id: g(&["InstanceID", "InstanceId"]),
        engine_name: g(&["EngineName"]),
        ip: g(&["Ip", "IP"]),
        port: g(&["Port"]),
        region: g(&["Region"]),
        database_name: g(&["DatabaseName"]),
        ..Default::default()
    }
}

impl Client {
    pub async fn describe_dts_job_detail(
        &self,
        dts_job_id: Option<&str>,
        dts_instance_id: Option<&str>,
        direction: Option<&str>,
    ) -> Result<DtsJobDetail, ApiError> {
        let mut p = Vec::new();
        if let Some(j) = dts_job_id {
            p.push(("DtsJobId".to_string(), j.to_string()));
        }
        if let Some(i) = dts_instance_id {
            p.push(("DtsInstanceID".to_string(), i.to_string()));
        }
        if let Some(d) = direction {
            p.push(("SynchronizationDirection".to_string(), d.to_string()));
        }
        let a = self.call(DETAIL, &p, CallMode::Read).await?;
        let b = &a.body;
        let g = |k: &str| b.get(k).and_then(str_of).unwrap_or_default();
        Ok(DtsJobDetail {
            request_id: a.request_id.clone(),
            dts_job_id: g("DtsJobId"),
            dts_instance_id: g("DtsInstanceID"),
            status: g("Status"),
            error_message: g("ErrorMessage"),
            delay_ms: g("Delay").parse().ok(),
            checkpoint: g("Checkpoint").parse().ok(),
            retry_state: None,
            source: ep(b.get("SourceEndpoint")),
            destination: ep(b.get("DestinationEndpoint")),
            raw: b.clone(),
        })
    }

    pub async fn modify_dts_job_endpoint(
        &self,
        params: &[(String, String)],
    ) -> Result<ModifyAnswer, ApiError> {
        let a = self.call(MODIFY, params, CallMode::Mutating).await?;
        Ok(ModifyAnswer {
            request_id: a.request_id,
        })
    }

    pub async fn modify_dts_job_endpoint_dry_run(
        &self,
        params: &[(String, String)],
    ) -> Result<ModifyAnswer, ApiError> {
        let mut p = params.to_vec();
        p.push(("DryRun".into(), "true".into()));
        let a = self.call(MODIFY, &p, CallMode::Mutating).await?;
        Ok(ModifyAnswer {
            request_id: a.request_id,
        })
    }
}
