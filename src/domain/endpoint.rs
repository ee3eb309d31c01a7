//! An endpoint (one database of a job) in the domain's terms, and a JSON value kept as
//! text. The API layer maps both families' wire shapes into these.

use serde_json::value::RawValue;
use serde_json::Value;
use std::sync::Arc;

/// A short text held inline (up to 24 bytes: ids, addresses, ports, types), so that a
/// listing of thousands of endpoints is not thousands of small allocations.
pub type Text = compact_str::CompactString;

/// One endpoint as the listing shows it (`SourceEndpoint` / `DestinationEndpoint`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EndpointInfo {
    pub instance_type: Text,
    pub instance_id: Text,
    pub engine_name: Text,
    pub ip: Text,
    pub port: Text,
    /// The new family's `Region` (empty where the service does not say).
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub region: Text,
    /// The new family's `DatabaseName` (PostgreSQL, MongoDB).
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub database_name: Text,
    /// The account DTS connects with (`UserName`), where the service says.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub user_name: Text,
}

impl EndpointInfo {
    /// `ip:port`, or the instance id when there is no IP (ECS, ApsaraDB).
    pub fn address(&self) -> String {
        match (self.ip.is_empty(), self.port.is_empty()) {
            (false, false) if self.ip.contains(':') => format!("[{}]:{}", self.ip, self.port),
            (false, false) => format!("{}:{}", self.ip, self.port),
            (false, true) => self.ip.to_string(),
            (true, false) if !self.instance_id.is_empty() => {
                format!("{}:{}", self.instance_id, self.port)
            }
            _ => self.instance_id.to_string(),
        }
    }
}

/// A JSON value kept as its (compact) text rather than as a parsed tree: a few hundred
/// bytes per listing entry instead of a tree of maps and strings. Cheap to clone.
#[derive(Clone)]
pub struct RawJson(Arc<RawValue>);

impl RawJson {
    pub fn from_value(v: &Value) -> Self {
        let raw = serde_json::value::to_raw_value(v).expect("a JSON value serializes");
        RawJson(Arc::from(raw))
    }
    /// `{}`: for callers that never show the service's own fields (the TUI), so a
    /// listing does not keep every entry's text. One shared allocation.
    pub fn empty() -> Self {
        static EMPTY: std::sync::OnceLock<Arc<RawValue>> = std::sync::OnceLock::new();
        RawJson(
            EMPTY
                .get_or_init(|| Arc::from(RawValue::from_string("{}".into()).expect("valid")))
                .clone(),
        )
    }
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
    /// The value, parsed (a tree for as long as the caller keeps it).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawJson({} bytes)", self.get().len())
    }
}

impl serde::Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
