//! The one table that says, per instance type, which endpoint fields are required,
//! optional or not shown, and the validators for each field. The CLI's checks and the
//! TUI's form are both generated from it.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum InstanceType {
    /// A self-managed database on a public IP (`other` in the maintained family).
    LocalInstance,
    #[serde(rename = "ECS")]
    Ecs,
    Express,
    /// The maintained family's ApsaraDB and other managed types
    /// (`dts-api-maintained.md` §1.3): ModifyDtsJobEndpoint only.
    #[serde(rename = "rds")]
    Rds,
    #[serde(rename = "polardb")]
    PolarDb,
    #[serde(rename = "mongodb")]
    MongoDb,
    #[serde(rename = "distributed_mongodb")]
    DistributedMongoDb,
    #[serde(rename = "greenplum")]
    Greenplum,
    #[serde(rename = "kafka")]
    Kafka,
}

impl InstanceType {
    /// Every type, the legacy three first.
    pub const ALL: [InstanceType; 9] = [
        InstanceType::LocalInstance,
        InstanceType::Ecs,
        InstanceType::Express,
        InstanceType::Rds,
        InstanceType::PolarDb,
        InstanceType::MongoDb,
        InstanceType::DistributedMongoDb,
        InstanceType::Greenplum,
        InstanceType::Kafka,
    ];
    /// The types SwitchSynchronizationEndpoint takes (the legacy family).
    pub const LEGACY: [InstanceType; 3] = [
        InstanceType::LocalInstance,
        InstanceType::Ecs,
        InstanceType::Express,
    ];

    /// The value of `Endpoint.InstanceType` on the wire (legacy names for the three the
    /// legacy family takes; the maintained family's names for the others).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceType::LocalInstance => "LocalInstance",
            InstanceType::Ecs => "ECS",
            InstanceType::Express => "Express",
            t => t.maintained_name(),
        }
    }

    /// The value of `EndpointInstanceType` (ModifyDtsJobEndpoint): `LocalInstance` is
    /// `other`, `ECS` `ecs`, `Express` `express` (§1.3).
    pub fn maintained_name(self) -> &'static str {
        match self {
            InstanceType::LocalInstance => "other",
            InstanceType::Ecs => "ecs",
            InstanceType::Express => "express",
            InstanceType::Rds => "rds",
            InstanceType::PolarDb => "polardb",
            InstanceType::MongoDb => "mongodb",
            InstanceType::DistributedMongoDb => "distributed_mongodb",
            InstanceType::Greenplum => "greenplum",
            InstanceType::Kafka => "kafka",
        }
    }

    /// True for the types the legacy family (SwitchSynchronizationEndpoint) takes.
    pub fn legacy(self) -> bool {
        Self::LEGACY.contains(&self)
    }

    pub fn spec(self) -> &'static TypeSpec {
        TABLE
            .iter()
            .find(|s| s.instance_type == self)
            .expect("every instance type has a row")
    }
}

impl fmt::Display for InstanceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InstanceType {
    type Err = String;
    /// Either vocabulary, in any case: `LocalInstance`/`other`, `ECS`/`ecs`,
    /// `Express`/`express`, and the maintained family's `rds`, `polardb`, ….
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        InstanceType::ALL
            .into_iter()
            .find(|ty| ty.as_str().eq_ignore_ascii_case(t) || ty.maintained_name().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!("{s:?} is not an instance type; allowed: LocalInstance (other), ECS, Express, and for new-version jobs rds, polardb, mongodb, distributed_mongodb, greenplum, kafka")
            })
    }
}

/// The endpoint fields whose presence depends on the instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldId {
    InstanceId,
    Ip,
    Port,
}

impl FieldId {
    pub const ALL: [FieldId; 3] = [FieldId::InstanceId, FieldId::Ip, FieldId::Port];

    pub fn param(self) -> &'static str {
        match self {
            FieldId::InstanceId => "Endpoint.InstanceId",
            FieldId::Ip => "Endpoint.IP",
            FieldId::Port => "Endpoint.Port",
        }
    }
    pub fn flag(self) -> &'static str {
        match self {
            FieldId::InstanceId => "--instance-id",
            FieldId::Ip => "--ip",
            FieldId::Port => "--port",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FieldId::InstanceId => "Instance ID",
            FieldId::Ip => "IP address",
            FieldId::Port => "Port",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
    NotShown,
}

/// What a field holds for one instance type, and whether it is needed.
#[derive(Debug, Clone, Copy)]
pub struct FieldRule {
    pub field: FieldId,
    pub need: Need,
    /// What the value is for this type, e.g. "ECS instance id (i-…)".
    pub meaning: &'static str,
    /// Required prefix of the value, if any.
    pub prefix: Option<&'static str>,
}

#[derive(Debug)]
pub struct TypeSpec {
    pub instance_type: InstanceType,
    /// One line: when to choose this type.
    pub when: &'static str,
    pub fields: [FieldRule; 3],
}

impl TypeSpec {
    pub fn rule(&self, f: FieldId) -> &FieldRule {
        self.fields
            .iter()
            .find(|r| r.field == f)
            .expect("every field has a rule")
    }
    /// Fields shown for this type, in form order.
    pub fn shown(&self) -> impl Iterator<Item = &FieldRule> {
        self.fields.iter().filter(|r| r.need != Need::NotShown)
    }
}

/// THE table. The LocalInstance row is our reading of an ambiguous doc: `dts-api.md`
/// §2.1 gives InstanceId no meaning for LocalInstance and says IP is used only for
/// Express; a self-managed database on a public IP cannot be switched without its IP,
/// so we require IP and make InstanceId optional.
pub static TABLE: [TypeSpec; 9] = [
    TypeSpec {
        instance_type: InstanceType::LocalInstance,
        when: "self-managed database on a public IP address",
        fields: [
            FieldRule {
                field: FieldId::InstanceId,
                need: Need::Optional,
                meaning: "instance id (optional; the doc gives it no meaning here)",
                prefix: None,
            },
            FieldRule {
                field: FieldId::Ip,
                need: Need::Required,
                meaning: "the database's public IP address",
                prefix: None,
            },
            FieldRule {
                field: FieldId::Port,
                need: Need::Required,
                meaning: "the database's port",
                prefix: None,
            },
        ],
    },
    TypeSpec {
        instance_type: InstanceType::Ecs,
        when: "self-managed database on an ECS instance",
        fields: [
            FieldRule {
                field: FieldId::InstanceId,
                need: Need::Required,
                meaning: "the ECS instance id (i-…)",
                prefix: Some("i-"),
            },
            FieldRule {
                field: FieldId::Ip,
                need: Need::NotShown,
                meaning: "not used: DTS reaches the database through the ECS instance",
                prefix: None,
            },
            FieldRule {
                field: FieldId::Port,
                need: Need::Required,
                meaning: "the database's port",
                prefix: None,
            },
        ],
    },
    TypeSpec {
        instance_type: InstanceType::Express,
        when: "self-managed database reached over Express Connect (VPC)",
        fields: [
            FieldRule {
                field: FieldId::InstanceId,
                need: Need::Required,
                meaning: "the VPC id (vpc-…) the database is connected to",
                prefix: Some("vpc-"),
            },
            FieldRule {
                field: FieldId::Ip,
                need: Need::Required,
                meaning: "the database's IP address in that network",
                prefix: None,
            },
            FieldRule {
                field: FieldId::Port,
                need: Need::Required,
                meaning: "the database's port",
                prefix: None,
            },
        ],
    },
    managed(InstanceType::Rds, "ApsaraDB RDS for MySQL or PostgreSQL (new-version jobs only)", "the RDS instance id (rm-…)"),
    managed(InstanceType::PolarDb, "PolarDB for MySQL or PostgreSQL (new-version jobs only)", "the PolarDB cluster id (pc-…)"),
    managed(InstanceType::MongoDb, "ApsaraDB for MongoDB, replica set (new-version jobs only)", "the MongoDB instance id (dds-…)"),
    managed(InstanceType::DistributedMongoDb, "ApsaraDB for MongoDB, sharded, as the source of a distributed instance (new-version jobs only)", "the MongoDB instance id (dds-…)"),
    managed(InstanceType::Greenplum, "AnalyticDB for PostgreSQL (new-version jobs only)", "the AnalyticDB for PostgreSQL instance id (gp-…)"),
    managed(InstanceType::Kafka, "ApsaraMQ for Kafka (new-version jobs only)", "the Kafka instance id (alikafka_…)"),
];

/// A row for a managed type of the maintained family: the instance id is required, the
/// port optional (ModifyDtsJobEndpoint marks both optional; an id names the instance).
const fn managed(instance_type: InstanceType, when: &'static str, id: &'static str) -> TypeSpec {
    TypeSpec {
        instance_type,
        when,
        fields: [
            FieldRule {
                field: FieldId::InstanceId,
                need: Need::Required,
                meaning: id,
                prefix: None,
            },
            FieldRule {
                field: FieldId::Ip,
                need: Need::NotShown,
                meaning: "not used: DTS reaches the instance by its id",
                prefix: None,
            },
            FieldRule {
                field: FieldId::Port,
                need: Need::Optional,
                meaning: "the database's port (optional)",
                prefix: None,
            },
        ],
    }
}

/// A validation failure, naming the field and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The CLI flag, e.g. `--port`.
    pub flag: &'static str,
    /// The API parameter, e.g. `Endpoint.Port`.
    pub param: &'static str,
    pub message: String,
}

/// Each endpoint value's parameter in SwitchSynchronizationEndpoint, in
/// ModifyDtsJobEndpoint, and both (for an error made before the job's family is known).
const WIRE_NAMES: [(&str, &str, &str); 6] = [
    (
        TYPE_PARAM,
        "EndpointInstanceType",
        "Endpoint.InstanceType / EndpointInstanceType",
    ),
    (
        "Endpoint.InstanceId",
        "EndpointInstanceId",
        "Endpoint.InstanceId / EndpointInstanceId",
    ),
    ("Endpoint.IP", "EndpointIp", "Endpoint.IP / EndpointIp"),
    (
        "Endpoint.Port",
        "EndpointPort",
        "Endpoint.Port / EndpointPort",
    ),
    (
        OWNER_PARAM,
        "AliyunUid",
        "SourceEndpoint.OwnerID / AliyunUid",
    ),
    (ROLE_PARAM, "RoleName", "SourceEndpoint.Role / RoleName"),
];

/// The parameter `legacy` names as one API names it (`maintained`: ModifyDtsJobEndpoint's
/// `EndpointPort`, else `Endpoint.Port`), or as both name it while the job's API is not
/// known (None).
pub fn param_in(legacy: &'static str, maintained: Option<bool>) -> &'static str {
    match (WIRE_NAMES.iter().find(|(l, _, _)| *l == legacy), maintained) {
        (Some((_, m, _)), Some(true)) => m,
        (Some((l, _, _)), Some(false)) => l,
        (Some((_, _, b)), None) => b,
        (None, _) => legacy,
    }
}

/// The parameter `legacy` names in both APIs (`Endpoint.Port / EndpointPort`).
fn both_names(legacy: &'static str) -> &'static str {
    WIRE_NAMES
        .iter()
        .find(|(l, _, _)| *l == legacy)
        .map(|(_, _, b)| *b)
        .unwrap_or(legacy)
}

impl FieldError {
    /// The error as it reads for a job of one API: its parameter as that API names it
    /// (`maintained`: ModifyDtsJobEndpoint's `EndpointPort`, else `Endpoint.Port`).
    pub fn in_api(mut self, maintained: bool) -> Self {
        if let Some((l, m, _)) = WIRE_NAMES
            .iter()
            .find(|(l, m, b)| [*l, *m, *b].contains(&self.param))
        {
            self.param = if maintained { m } else { l };
        }
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.flag, self.param, self.message)
    }
}

/// Checks one value of `field` for `ty`. `value` is already trimmed; empty means absent.
pub fn validate_field(ty: InstanceType, field: FieldId, value: &str) -> Result<(), String> {
    let rule = ty.spec().rule(field);
    match (rule.need, value.is_empty()) {
        (Need::NotShown, true) => return Ok(()),
        (Need::NotShown, false) => {
            return Err(format!(
                "is not used with instance type {ty} ({}); leave it out",
                rule.meaning
            ))
        }
        (Need::Required, true) => {
            return Err(format!(
                "is required for instance type {ty}: {}",
                rule.meaning
            ))
        }
        (Need::Optional, true) => return Ok(()),
        _ => {}
    }
    no_inner_space(value)?;
    match field {
        FieldId::Port => match value.parse::<u32>() {
            Ok(p) if (1..=65535).contains(&p) => Ok(()),
            _ => Err(format!(
                "{value:?} is not a port; allowed: a whole number from 1 to 65535"
            )),
        },
        FieldId::Ip => value
            .parse::<std::net::IpAddr>()
            .map(|_| ())
            .map_err(|_| format!("{value:?} is not an IPv4 or IPv6 address")),
        FieldId::InstanceId => {
            let charset_ok = value.len() <= 64
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            match rule.prefix {
                Some(p) if !value.starts_with(p) || value.len() <= p.len() || !charset_ok => {
                    Err(format!(
                        "{value:?} is not {}; expected {p} followed by letters and digits",
                        rule.meaning
                    ))
                }
                None if !charset_ok => Err(format!(
                    "{value:?} is not an instance id; allowed: up to 64 letters, digits, '-' and '_'"
                )),
                _ => Ok(()),
            }
        }
    }
}

/// The wire name and CLI flag of the instance type.
pub const TYPE_PARAM: &str = "Endpoint.InstanceType";
pub const TYPE_FLAG: &str = "--instance-type";

/// Every endpoint value of a switch as (CLI flag, wire parameter), in the order a
/// command line names them.
pub fn value_flags() -> [(&'static str, &'static str); 5] {
    [
        (FieldId::InstanceId.flag(), FieldId::InstanceId.param()),
        (FieldId::Ip.flag(), FieldId::Ip.param()),
        (FieldId::Port.flag(), FieldId::Port.param()),
        (OWNER_FLAG, OWNER_PARAM),
        (ROLE_FLAG, ROLE_PARAM),
    ]
}

/// A short label for an endpoint's instance type as the service writes it
/// (`LocalInstance` → `Local`); other strings are shown as they are.
pub fn short_type_label(instance_type: &str) -> &str {
    match instance_type.parse::<InstanceType>() {
        Ok(InstanceType::LocalInstance) if !instance_type.trim().eq_ignore_ascii_case("other") => {
            "Local"
        }
        Ok(t) if t.legacy() && t.as_str().eq_ignore_ascii_case(instance_type.trim()) => t.as_str(),
        _ => instance_type,
    }
}

/// True for the self-managed types this API switches (LocalInstance, ECS, Express).
pub fn is_switchable_type(instance_type: &str) -> bool {
    matches!(endpoint_kind(instance_type), EndpointKind::SelfManaged(_))
}

/// The types this API switches, in words: `LocalInstance, ECS and Express`.
pub fn switchable_types_text() -> String {
    let names: Vec<&str> = InstanceType::LEGACY.iter().map(|t| t.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// What is known about an endpoint's `InstanceType` as the service lists it (the old
/// family's vocabulary, `dts-api-maintained.md` §3.3; compared in any case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointKind {
    /// LocalInstance, ECS, Express: a self-managed database this API switches.
    SelfManaged(InstanceType),
    /// An instance Alibaba Cloud runs (ApsaraDB RDS, PolarDB, Redis, MongoDB, …): DTS
    /// follows its switchovers by itself. The product's name.
    Managed(&'static str),
    /// A self-managed database reached through Database Gateway (`dg`) or Cloud
    /// Enterprise Network (`cen`): this API cannot switch it. How it is reached.
    NotSwitchable(&'static str),
    /// The service lists no type.
    Unlisted,
    /// A string dts-switch does not know, as listed (shown verbatim).
    Unknown(String),
}

/// The listed instance types that are not [`InstanceType`]s, and what they are. The
/// ConfigureSynchronizationJob source and destination vocabularies, plus MongoDB, which
/// the API reference names among the ApsaraDB instances DTS updates by itself (§2.1).
static LISTED_TYPES: &[(&str, EndpointKind)] = &[
    ("RDS", EndpointKind::Managed("ApsaraDB RDS")),
    ("PolarDB", EndpointKind::Managed("PolarDB")),
    ("Redis", EndpointKind::Managed("ApsaraDB for Redis")),
    ("MongoDB", EndpointKind::Managed("ApsaraDB for MongoDB")),
    ("DRDS", EndpointKind::Managed("PolarDB-X (DRDS)")),
    ("AnalyticDB", EndpointKind::Managed("AnalyticDB")),
    (
        "Greenplum",
        EndpointKind::Managed("AnalyticDB for PostgreSQL"),
    ),
    ("DataHub", EndpointKind::Managed("DataHub")),
    ("MaxCompute", EndpointKind::Managed("MaxCompute")),
    ("dg", EndpointKind::NotSwitchable("Database Gateway")),
    (
        "cen",
        EndpointKind::NotSwitchable("Cloud Enterprise Network"),
    ),
];

/// What `instance_type` (as listed for a job's endpoint) is.
pub fn endpoint_kind(instance_type: &str) -> EndpointKind {
    // Plain spaces only: any other blank is shown escaped, so it is part of the string.
    let t = instance_type.trim_matches(' ');
    if t.is_empty() {
        return EndpointKind::Unlisted;
    }
    if let Some(ty) = InstanceType::LEGACY.into_iter().find(|ty| {
        ty.as_str().eq_ignore_ascii_case(t) || ty.maintained_name().eq_ignore_ascii_case(t)
    }) {
        return EndpointKind::SelfManaged(ty);
    }
    LISTED_TYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(t))
        .map(|(_, k)| k.clone())
        .unwrap_or_else(|| EndpointKind::Unknown(instance_type.to_string()))
}

/// Why the endpoint a switch would replace is not a plain self-managed one, when it is
/// not: `side` names it (`the source`), `current` is its type and id as listed;
/// `maintained` says which API the call uses (None: not known yet). For
/// [`EndpointKind::NotSwitchable`] in the legacy API this is the reason a plan is
/// refused; otherwise a warning. Service text in it is not cleaned.
pub fn current_endpoint_note(
    instance_type: &str,
    instance_id: &str,
    side: &str,
    maintained: Option<bool>,
) -> Option<String> {
    let current = format!("{instance_type} {instance_id}")
        .trim_matches(' ')
        .to_string();
    let legacy_only =
        "SwitchSynchronizationEndpoint (legacy jobs) switches only self-managed databases";
    match (endpoint_kind(instance_type), maintained) {
        (EndpointKind::SelfManaged(_) | EndpointKind::Unlisted, _) => None,
        (EndpointKind::Managed(product), Some(false)) => Some(format!(
            "{side} is {product} ({current}), run by Alibaba Cloud: DTS follows its switchovers by itself; this call is for self-managed databases. Is it the database that was switched over?"
        )),
        (EndpointKind::Managed(product), Some(true)) => Some(format!(
            "{side} is {product} ({current}), run by Alibaba Cloud: DTS follows its primary/secondary switchovers by itself; change it only to point the job at another instance. Is it the database that was switched over?"
        )),
        (EndpointKind::Managed(product), None) => Some(format!(
            "{side} is {product} ({current}), run by Alibaba Cloud: DTS follows its primary/secondary switchovers by itself ({legacy_only}). Is it the database that was switched over?"
        )),
        (EndpointKind::NotSwitchable(via), Some(false)) => Some(format!(
            "{side} is a database reached through {via} ({current}): SwitchSynchronizationEndpoint switches only {} endpoints, so it cannot switch this one; change it in the DTS console (or choose the other database)",
            switchable_types_text()
        )),
        (EndpointKind::NotSwitchable(via), Some(true)) => Some(format!(
            "{side} is a database reached through {via} ({current}): the dry run says whether ModifyDtsJobEndpoint takes this change"
        )),
        (EndpointKind::NotSwitchable(via), None) => Some(format!(
            "{side} is a database reached through {via} ({current}): SwitchSynchronizationEndpoint (legacy jobs) cannot switch it; for a new-version job the dry run says whether ModifyDtsJobEndpoint takes the change"
        )),
        (EndpointKind::Unknown(t), Some(true)) => Some(format!(
            "{side} has instance type \"{t}\" ({current}), which dts-switch does not know; check the job in the DTS console"
        )),
        (EndpointKind::Unknown(t), _) => Some(format!(
            "{side} has instance type \"{t}\" ({current}), which dts-switch does not know: {legacy_only} ({}); check the job in the DTS console",
            switchable_types_text()
        )),
    }
}

/// True when this API cannot switch an endpoint of `instance_type` (`dg`, `cen`).
pub fn refuses_switch(instance_type: &str) -> bool {
    matches!(endpoint_kind(instance_type), EndpointKind::NotSwitchable(_))
}

/// What kind of non-public address `ip` is (`a private address (RFC 1918)`), or None
/// for a public one or text that is not an address.
pub fn non_public_address(ip: &str) -> Option<&'static str> {
    use std::net::{IpAddr, Ipv4Addr};
    fn v4(a: Ipv4Addr) -> Option<&'static str> {
        let o = a.octets();
        if a.is_unspecified() {
            Some("the unspecified address")
        } else if a.is_loopback() {
            Some("a loopback address")
        } else if a.is_private() {
            Some("a private address (RFC 1918)")
        } else if a.is_link_local() {
            Some("a link-local address")
        } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
            Some("a carrier-grade NAT address (100.64.0.0/10)")
        } else if a.is_broadcast() {
            Some("the broadcast address")
        } else {
            None
        }
    }
    match ip.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => {
            if let Some(m) = a.to_ipv4_mapped() {
                return v4(m);
            }
            let first = a.segments()[0];
            if a.is_unspecified() {
                Some("the unspecified address")
            } else if a.is_loopback() {
                Some("a loopback address")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a unique local address (IPv6 ULA, fc00::/7)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else {
                None
            }
        }
    }
}

/// A warning when the new address does not fit the instance type: LocalInstance means a
/// database on a public IP, which DTS reaches over the Internet. A warning, not an
/// error: the operator may know a path we do not.
pub fn address_warning(ty: InstanceType, ip: &str) -> Option<String> {
    if ty != InstanceType::LocalInstance {
        return None;
    }
    let what = non_public_address(ip)?;
    Some(format!(
        "{} is {what}, but {} means a database on a public IP address that DTS reaches over the Internet; a database in a VPC is reached with {} or {}",
        ip.trim(),
        InstanceType::LocalInstance,
        InstanceType::Express,
        InstanceType::Ecs
    ))
}

/// Ids and addresses never hold a space: one inside a value (a paste across two fields,
/// a typo) is an error that says so, never dropped or joined silently. `value` is
/// already trimmed.
pub fn no_inner_space(value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_whitespace()) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{value:?} has a {} in it: remove it (ids, addresses, ports and role names have none)",
            if c == ' ' { "space" } else { "blank character" }
        )),
    }
}

/// The wire parameters of a new endpoint, in send order.
pub fn endpoint_params(e: &ValidEndpoint) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = vec![(TYPE_PARAM.into(), e.instance_type.as_str().into())];
    if let Some(id) = &e.instance_id {
        p.push((FieldId::InstanceId.param().into(), id.clone()));
    }
    if let Some(ip) = &e.ip {
        p.push((FieldId::Ip.param().into(), ip.clone()));
    }
    if let Some(port) = e.port {
        p.push((FieldId::Port.param().into(), port.to_string()));
    }
    if let (Some(o), Some(r)) = (&e.owner_id, &e.role) {
        p.push((OWNER_PARAM.into(), o.clone()));
        p.push((ROLE_PARAM.into(), r.clone()));
    }
    p
}

/// The new endpoint of a planned call in words: `ECS i-bp1… port 3306`.
pub fn describe_params(params: &[(String, String)]) -> String {
    // Either family's names: `Endpoint.InstanceType` (legacy) or `EndpointInstanceType`.
    let get = |k: &str| {
        let alt = k.replace('.', "");
        params
            .iter()
            .find(|(n, _)| *n == k || *n == alt)
            .map(|(_, v)| v.as_str())
    };
    let mut s = get(TYPE_PARAM).unwrap_or("?").to_string();
    for f in [FieldId::InstanceId, FieldId::Ip] {
        if let Some(v) =
            get(f.param()).or_else(|| (f == FieldId::Ip).then(|| get("Endpoint.Ip")).flatten())
        {
            s.push_str(&format!(" {v}"));
        }
    }
    if let Some(p) = get(FieldId::Port.param()) {
        s.push_str(&format!(" port {p}"));
    }
    s
}

pub const OWNER_FLAG: &str = "--owner-id";
pub const OWNER_PARAM: &str = "SourceEndpoint.OwnerID";
pub const ROLE_FLAG: &str = "--role";
pub const ROLE_PARAM: &str = "SourceEndpoint.Role";

pub fn validate_owner_id(v: &str) -> Result<(), String> {
    no_inner_space(v)?;
    if !v.is_empty() && v.len() <= 32 && v.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{v:?} is not an Alibaba Cloud account id; allowed: digits only"
        ))
    }
}

pub fn validate_role(v: &str) -> Result<(), String> {
    no_inner_space(v)?;
    if !v.is_empty()
        && v.chars().count() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(format!(
            "{v:?} is not a RAM role name; allowed: 1 to 64 letters, digits, '.', '-' and '_'"
        ))
    }
}

/// Raw input for the new endpoint, as typed by the operator.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub instance_id: Option<String>,
    pub ip: Option<String>,
    pub port: Option<String>,
    pub owner_id: Option<String>,
    pub role: Option<String>,
    /// The maintained family's extras (`--database-name`, `--endpoint-region`,
    /// `--username`); the legacy family takes none of them.
    pub extra: MaintainedExtras,
}

/// What only ModifyDtsJobEndpoint takes: the database name (PostgreSQL, MongoDB), the
/// new database's region, and an account change. The password is a [`Secret`]: never
/// journalled, logged, previewed or printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MaintainedExtras {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
}

impl MaintainedExtras {
    pub fn is_empty(&self) -> bool {
        self.database_name.is_none()
            && self.endpoint_region.is_none()
            && self.username.is_none()
            && self.password.is_none()
    }
    /// The flags given, for "the legacy API takes none of these" errors.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.database_name.is_some() {
            v.push("--database-name");
        }
        if self.endpoint_region.is_some() {
            v.push("--endpoint-region");
        }
        if self.username.is_some() {
            v.push("--username");
        }
        if self.password.is_some() {
            v.push("--password-stdin/DTS_SWITCH_DB_PASSWORD");
        }
        v
    }
}

/// A secret value (a database password): shown and serialized only as `(changed)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The value, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(changed)")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("(changed)")
    }
}

/// A new endpoint that passed every rule of its instance type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidEndpoint {
    pub instance_type: InstanceType,
    pub instance_id: Option<String>,
    pub ip: Option<String>,
    /// Required for LocalInstance, ECS and Express; optional for the managed types.
    pub port: Option<u16>,
    pub owner_id: Option<String>,
    pub role: Option<String>,
    #[serde(skip_serializing_if = "MaintainedExtras::is_empty")]
    pub extra: MaintainedExtras,
}

fn clean(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

/// Validates all fields; returns every problem, not just the first.
pub fn validate(ty: InstanceType, input: &EndpointInput) -> Result<ValidEndpoint, Vec<FieldError>> {
    let mut errors = Vec::new();
    let values = [
        (FieldId::InstanceId, clean(&input.instance_id)),
        (FieldId::Ip, clean(&input.ip)),
        (FieldId::Port, clean(&input.port)),
    ];
    for (f, v) in &values {
        if let Err(m) = validate_field(ty, *f, v) {
            errors.push(FieldError {
                flag: f.flag(),
                param: both_names(f.param()),
                message: m,
            });
        }
    }
    let owner = clean(&input.owner_id);
    let role = clean(&input.role);
    // Cross-account is asked for when either value is given, even empty (a ticked
    // box, or `--owner-id ""` from an unset shell variable): then both are required.
    let asked = input.owner_id.is_some() || input.role.is_some();
    match (owner.is_empty(), role.is_empty()) {
        (true, true) if asked => {
            errors.push(FieldError {
                flag: OWNER_FLAG,
                param: both_names(OWNER_PARAM),
                message: "is required for a cross-account switch: the account id that owns the source instance (digits)".into(),
            });
            errors.push(FieldError {
                flag: ROLE_FLAG,
                param: both_names(ROLE_PARAM),
                message: "is required for a cross-account switch: the RAM role name authorised for the destination account".into(),
            });
        }
        (true, true) => {}
        (false, true) => errors.push(FieldError {
            flag: ROLE_FLAG,
            param: both_names(ROLE_PARAM),
            message: "is required with --owner-id: the cross-account pair is given together or not at all".into(),
        }),
        (true, false) => errors.push(FieldError {
            flag: OWNER_FLAG,
            param: both_names(OWNER_PARAM),
            message: "is required with --role: the cross-account pair is given together or not at all".into(),
        }),
        (false, false) => {
            if let Err(m) = validate_owner_id(&owner) {
                errors.push(FieldError {
                    flag: OWNER_FLAG,
                    param: both_names(OWNER_PARAM),
                    message: m,
                });
            }
            if let Err(m) = validate_role(&role) {
                errors.push(FieldError {
                    flag: ROLE_FLAG,
                    param: both_names(ROLE_PARAM),
                    message: m,
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let opt = |s: &String| (!s.is_empty()).then(|| s.clone());
    Ok(ValidEndpoint {
        instance_type: ty,
        instance_id: opt(&values[0].1),
        ip: opt(&values[1].1),
        port: (!values[2].1.is_empty()).then(|| values[2].1.parse().expect("validated")),
        owner_id: opt(&owner),
        role: opt(&role),
        extra: input.extra.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: Option<&str>, ip: Option<&str>, port: Option<&str>) -> EndpointInput {
        EndpointInput {
            instance_id: id.map(Into::into),
            ip: ip.map(Into::into),
            port: port.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn cross_account_asked_with_empty_values_names_both_fields() {
        let mut i = input(Some("i-bp1x"), None, Some("3306"));
        i.owner_id = Some(String::new());
        i.role = Some("  ".into());
        let errs = validate(InstanceType::Ecs, &i).unwrap_err();
        let flags: Vec<_> = errs.iter().map(|e| e.flag).collect();
        assert_eq!(flags, [OWNER_FLAG, ROLE_FLAG], "{errs:?}");
        assert!(errs[0].message.contains("required"));
        let mut i = input(Some("i-bp1x"), None, Some("3306"));
        i.role = Some(String::new());
        assert!(validate(InstanceType::Ecs, &i).is_err());
    }

    #[test]
    fn table_matches_the_issue() {
        use InstanceType::*;
        use Need::*;
        let need = |t: InstanceType, f| t.spec().rule(f).need;
        assert_eq!(need(LocalInstance, FieldId::InstanceId), Optional);
        assert_eq!(need(LocalInstance, FieldId::Ip), Required);
        assert_eq!(need(Ecs, FieldId::InstanceId), Required);
        assert_eq!(need(Ecs, FieldId::Ip), NotShown);
        assert_eq!(need(Express, FieldId::InstanceId), Required);
        assert_eq!(need(Express, FieldId::Ip), Required);
        for t in InstanceType::LEGACY {
            assert_eq!(need(t, FieldId::Port), Required);
        }
        assert_eq!(need(Rds, FieldId::Port), Optional);
        assert_eq!(need(Rds, FieldId::InstanceId), Required);
        assert_eq!(need(Rds, FieldId::Ip), NotShown);
        assert_eq!(Ecs.spec().shown().count(), 2);
        assert_eq!(Express.spec().shown().count(), 3);
    }

    #[test]
    fn valid_inputs() {
        let e = validate(
            InstanceType::Ecs,
            &input(Some(" i-bp1abc "), None, Some("3306")),
        )
        .unwrap();
        assert_eq!(e.instance_id.as_deref(), Some("i-bp1abc"));
        assert_eq!(e.port, Some(3306));
        let e = validate(
            InstanceType::Express,
            &input(Some("vpc-bp1xyz"), Some("172.16.0.10"), Some("5432")),
        )
        .unwrap();
        assert_eq!(e.ip.as_deref(), Some("172.16.0.10"));
        assert!(validate(
            InstanceType::LocalInstance,
            &input(None, Some("2001:db8::1"), Some("1"))
        )
        .is_ok());
    }

    #[test]
    fn each_bad_input_names_its_field() {
        let flags = |r: Result<ValidEndpoint, Vec<FieldError>>| {
            r.unwrap_err()
                .into_iter()
                .map(|e| e.flag)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            flags(validate(
                InstanceType::Ecs,
                &input(None, None, Some("3306"))
            )),
            ["--instance-id"]
        );
        assert_eq!(
            flags(validate(
                InstanceType::Ecs,
                &input(Some("vpc-1"), None, Some("3306"))
            )),
            ["--instance-id"]
        );
        assert_eq!(
            flags(validate(
                InstanceType::Ecs,
                &input(Some("i-1"), Some("1.2.3.4"), Some("3306"))
            )),
            ["--ip"]
        );
        assert_eq!(
            flags(validate(
                InstanceType::Express,
                &input(Some("vpc-1"), None, Some("3306"))
            )),
            ["--ip"]
        );
        assert_eq!(
            flags(validate(
                InstanceType::LocalInstance,
                &input(None, Some("300.1.1.1"), Some("3306"))
            )),
            ["--ip"]
        );
        for bad in ["0", "65536", "abc", "-1", ""] {
            assert_eq!(
                flags(validate(
                    InstanceType::LocalInstance,
                    &input(None, Some("1.2.3.4"), Some(bad))
                )),
                ["--port"],
                "{bad}"
            );
        }
        let mut i = input(Some("i-1"), None, Some("3306"));
        i.owner_id = Some("123".into());
        assert_eq!(flags(validate(InstanceType::Ecs, &i)), ["--role"]);
        i.role = Some("bad role".into());
        assert_eq!(flags(validate(InstanceType::Ecs, &i)), ["--role"]);
        i.role = Some("ops-role".into());
        i.owner_id = Some("12a".into());
        assert_eq!(flags(validate(InstanceType::Ecs, &i)), ["--owner-id"]);
    }

    #[test]
    fn listed_instance_types_are_known_for_what_they_are() {
        use EndpointKind::*;
        for (t, want) in [
            ("LocalInstance", SelfManaged(InstanceType::LocalInstance)),
            ("ecs", SelfManaged(InstanceType::Ecs)),
            ("EXPRESS", SelfManaged(InstanceType::Express)),
            ("RDS", Managed("ApsaraDB RDS")),
            ("polardb", Managed("PolarDB")),
            ("Redis", Managed("ApsaraDB for Redis")),
            ("MongoDB", Managed("ApsaraDB for MongoDB")),
            ("dg", NotSwitchable("Database Gateway")),
            ("DG", NotSwitchable("Database Gateway")),
            ("cen", NotSwitchable("Cloud Enterprise Network")),
            ("", Unlisted),
            ("Kafka2", Unknown("Kafka2".into())),
        ] {
            assert_eq!(endpoint_kind(t), want, "{t:?}");
        }
        assert!(refuses_switch("dg") && refuses_switch("Cen"));
        assert!(!refuses_switch("RDS") && !refuses_switch("LocalInstance"));
        assert!(!refuses_switch("something-new"));
        assert_eq!(switchable_types_text(), "LocalInstance, ECS and Express");
    }

    #[test]
    fn notes_on_the_current_endpoint_say_what_is_known() {
        assert_eq!(
            current_endpoint_note("ECS", "i-1", "the source", Some(false)),
            None
        );
        assert_eq!(
            current_endpoint_note("", "", "the source", Some(false)),
            None
        );
        let m = current_endpoint_note("RDS", "rm-1", "the destination", Some(false)).unwrap();
        assert!(m.contains("ApsaraDB RDS (RDS rm-1)"), "{m}");
        assert!(m.contains("by itself"), "{m}");
        let m = current_endpoint_note("dg", "dg-bp1x", "the source", Some(false)).unwrap();
        assert!(m.contains("Database Gateway (dg dg-bp1x)"), "{m}");
        assert!(m.contains("cannot switch"), "{m}");
        assert!(m.contains("LocalInstance, ECS and Express"), "{m}");
        assert!(!m.contains("ApsaraDB"), "{m}");
        let m = current_endpoint_note("cen", "cen-1", "the source", Some(false)).unwrap();
        assert!(m.contains("Cloud Enterprise Network"), "{m}");
        let m = current_endpoint_note("Frobnicator", "x-1", "the source", Some(false)).unwrap();
        assert!(m.contains("\"Frobnicator\""), "shown verbatim: {m}");
        assert!(!m.contains("ApsaraDB"), "{m}");
        // A new-version job: ModifyDtsJobEndpoint takes managed instances, and its own
        // vocabulary is named; nothing says "this call is for self-managed databases".
        let m = current_endpoint_note("PolarDB", "pc-1", "the source", Some(true)).unwrap();
        assert!(
            m.contains("another instance") && !m.contains("self-managed"),
            "{m}"
        );
        let m = current_endpoint_note("dg", "dg-1", "the source", Some(true)).unwrap();
        assert!(
            m.contains("ModifyDtsJobEndpoint") && m.contains("dry run"),
            "{m}"
        );
        assert!(!m.contains("cannot switch this one"), "{m}");
        let m = current_endpoint_note("Frobnicator", "x-1", "the source", Some(true)).unwrap();
        assert!(!m.contains("SwitchSynchronizationEndpoint"), "{m}");
        // Not known yet: both APIs are spoken of.
        let m = current_endpoint_note("RDS", "rm-1", "the source", None).unwrap();
        assert!(m.contains("legacy jobs"), "{m}");
    }

    #[test]
    fn non_public_addresses_are_named() {
        for (ip, want) in [
            ("127.0.0.1", Some("loopback")),
            ("::1", Some("loopback")),
            ("0.0.0.0", Some("unspecified")),
            ("::", Some("unspecified")),
            ("10.1.2.3", Some("RFC 1918")),
            ("172.16.0.1", Some("RFC 1918")),
            ("172.31.255.255", Some("RFC 1918")),
            ("192.168.1.1", Some("RFC 1918")),
            ("fd12:3456::1", Some("ULA")),
            ("fc00::1", Some("ULA")),
            ("169.254.10.1", Some("link-local")),
            ("fe80::1", Some("link-local")),
            ("100.64.0.1", Some("carrier-grade NAT")),
            ("100.127.255.254", Some("carrier-grade NAT")),
            ("255.255.255.255", Some("broadcast")),
            ("::ffff:10.0.0.1", Some("RFC 1918")),
            ("47.98.12.34", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("100.63.255.255", None),
            ("2408:4000::1", None),
            ("not an ip", None),
        ] {
            let got = non_public_address(ip);
            match want {
                None => assert_eq!(got, None, "{ip}"),
                Some(w) => assert!(got.is_some_and(|g| g.contains(w)), "{ip}: {got:?}"),
            }
        }
        let w = address_warning(InstanceType::LocalInstance, "10.0.0.5").unwrap();
        assert!(w.contains("10.0.0.5 is a private address"), "{w}");
        assert!(w.contains("public IP"), "{w}");
        assert_eq!(address_warning(InstanceType::Express, "10.0.0.5"), None);
        assert_eq!(
            address_warning(InstanceType::LocalInstance, "8.8.8.8"),
            None
        );
        assert!(
            validate(
                InstanceType::LocalInstance,
                &input(None, Some("192.168.0.9"), Some("3306"))
            )
            .is_ok(),
            "a warning, not an error"
        );
    }

    #[test]
    fn an_inner_space_is_a_named_error_outer_ones_are_trimmed() {
        let named = |r: Result<ValidEndpoint, Vec<FieldError>>| {
            r.unwrap_err()
                .into_iter()
                .map(|e| (e.flag, e.message.contains("has a space in it")))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            named(validate(
                InstanceType::Ecs,
                &input(Some("i-bp1 abc"), None, Some("3306"))
            )),
            [("--instance-id", true)]
        );
        assert_eq!(
            named(validate(
                InstanceType::LocalInstance,
                &input(None, Some("47.98.12 .34"), Some("33 06"))
            )),
            [("--ip", true), ("--port", true)]
        );
        let mut i = input(Some("i-1"), None, Some("3306"));
        i.owner_id = Some("1234 5678".into());
        i.role = Some("ops role".into());
        assert_eq!(
            named(validate(InstanceType::Ecs, &i)),
            [("--owner-id", true), ("--role", true)]
        );
        let e = validate_field(InstanceType::Ecs, FieldId::InstanceId, "i-bp1\u{a0}x").unwrap_err();
        assert!(e.contains("blank character"), "{e}");
        assert!(validate(
            InstanceType::Ecs,
            &input(Some("  i-bp1abc\t"), None, Some(" 3306 "))
        )
        .is_ok());
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let e = validate(
            InstanceType::LocalInstance,
            &input(None, Some("1.2.3.4"), Some("70000")),
        )
        .unwrap_err();
        assert!(e[0].to_string().contains("1 to 65535"), "{}", e[0]);
        assert!(
            e[0].to_string().contains("(Endpoint.Port / EndpointPort)"),
            "{}",
            e[0]
        );
        let legacy = e[0].clone().in_api(false).to_string();
        assert!(legacy.contains("(Endpoint.Port)") && !legacy.contains("EndpointPort"));
        let maintained = e[0].clone().in_api(true).to_string();
        assert!(maintained.contains("(EndpointPort)") && !maintained.contains("Endpoint.Port"));
        assert_eq!(e[0].clone().in_api(true).in_api(false).to_string(), legacy);
        assert_eq!(param_in("Endpoint.Port", Some(true)), "EndpointPort");
        assert_eq!(param_in(OWNER_PARAM, Some(true)), "AliyunUid");
        assert_eq!(param_in("Endpoint.IP", Some(false)), "Endpoint.IP");
        assert_eq!(param_in("Endpoint.IP", None), "Endpoint.IP / EndpointIp");
        assert!("ecs".parse::<InstanceType>().is_ok());
        assert_eq!("RDS".parse::<InstanceType>(), Ok(InstanceType::Rds));
        assert_eq!(
            "other".parse::<InstanceType>(),
            Ok(InstanceType::LocalInstance)
        );
        assert_eq!("EXPRESS".parse::<InstanceType>(), Ok(InstanceType::Express));
        assert!("oracle"
            .parse::<InstanceType>()
            .unwrap_err()
            .contains("LocalInstance (other), ECS, Express"));
    }
}
