//! The one table that says, per instance type, which endpoint fields are required,
//! optional or not shown, and the validators for each field. The CLI's checks and the
//! TUI's form are both generated from it.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum InstanceType {
    LocalInstance,
    #[serde(rename = "ECS")]
    Ecs,
    Express,
}

impl InstanceType {
    pub const ALL: [InstanceType; 3] = [
        InstanceType::LocalInstance,
        InstanceType::Ecs,
        InstanceType::Express,
    ];

    /// The value of `Endpoint.InstanceType` on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceType::LocalInstance => "LocalInstance",
            InstanceType::Ecs => "ECS",
            InstanceType::Express => "Express",
        }
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
    fn from_str(s: &str) -> Result<Self, String> {
        InstanceType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("{s:?} is not an instance type; allowed: LocalInstance, ECS, Express")
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
pub static TABLE: [TypeSpec; 3] = [
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
];

/// A validation failure, naming the field and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The CLI flag, e.g. `--port`.
    pub flag: &'static str,
    /// The API parameter, e.g. `Endpoint.Port`.
    pub param: &'static str,
    pub message: String,
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
        Ok(InstanceType::LocalInstance) => "Local",
        Ok(t) => t.as_str(),
        Err(_) => instance_type,
    }
}

/// True for the self-managed types this API switches (LocalInstance, ECS, Express).
pub fn is_switchable_type(instance_type: &str) -> bool {
    instance_type.parse::<InstanceType>().is_ok()
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
    p.push((FieldId::Port.param().into(), e.port.to_string()));
    if let (Some(o), Some(r)) = (&e.owner_id, &e.role) {
        p.push((OWNER_PARAM.into(), o.clone()));
        p.push((ROLE_PARAM.into(), r.clone()));
    }
    p
}

/// The new endpoint of a planned call in words: `ECS i-bp1… port 3306`.
pub fn describe_params(params: &[(String, String)]) -> String {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut s = get(TYPE_PARAM).unwrap_or("?").to_string();
    for f in [FieldId::InstanceId, FieldId::Ip] {
        if let Some(v) = get(f.param()) {
            s.push_str(&format!(" {v}"));
        }
    }
    s.push_str(&format!(
        " port {}",
        get(FieldId::Port.param()).unwrap_or("?")
    ));
    s
}

pub const OWNER_FLAG: &str = "--owner-id";
pub const OWNER_PARAM: &str = "SourceEndpoint.OwnerID";
pub const ROLE_FLAG: &str = "--role";
pub const ROLE_PARAM: &str = "SourceEndpoint.Role";

pub fn validate_owner_id(v: &str) -> Result<(), String> {
    if !v.is_empty() && v.len() <= 32 && v.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{v:?} is not an Alibaba Cloud account id; allowed: digits only"
        ))
    }
}

pub fn validate_role(v: &str) -> Result<(), String> {
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
}

/// A new endpoint that passed every rule of its instance type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidEndpoint {
    pub instance_type: InstanceType,
    pub instance_id: Option<String>,
    pub ip: Option<String>,
    pub port: u16,
    pub owner_id: Option<String>,
    pub role: Option<String>,
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
                param: f.param(),
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
                param: OWNER_PARAM,
                message: "is required for a cross-account switch: the account id that owns the source instance (digits)".into(),
            });
            errors.push(FieldError {
                flag: ROLE_FLAG,
                param: ROLE_PARAM,
                message: "is required for a cross-account switch: the RAM role name authorised for the destination account".into(),
            });
        }
        (true, true) => {}
        (false, true) => errors.push(FieldError {
            flag: ROLE_FLAG,
            param: ROLE_PARAM,
            message: "is required with --owner-id: the cross-account pair is given together or not at all".into(),
        }),
        (true, false) => errors.push(FieldError {
            flag: OWNER_FLAG,
            param: OWNER_PARAM,
            message: "is required with --role: the cross-account pair is given together or not at all".into(),
        }),
        (false, false) => {
            if let Err(m) = validate_owner_id(&owner) {
                errors.push(FieldError {
                    flag: OWNER_FLAG,
                    param: OWNER_PARAM,
                    message: m,
                });
            }
            if let Err(m) = validate_role(&role) {
                errors.push(FieldError {
                    flag: ROLE_FLAG,
                    param: ROLE_PARAM,
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
        port: values[2].1.parse().expect("validated"),
        owner_id: opt(&owner),
        role: opt(&role),
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
        for t in InstanceType::ALL {
            assert_eq!(need(t, FieldId::Port), Required);
        }
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
        assert_eq!(e.port, 3306);
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
    fn messages_say_what_is_allowed() {
        let e = validate(
            InstanceType::LocalInstance,
            &input(None, Some("1.2.3.4"), Some("70000")),
        )
        .unwrap_err();
        assert!(e[0].to_string().contains("1 to 65535"), "{}", e[0]);
        assert!(e[0].to_string().contains("Endpoint.Port"));
        assert!("ecs".parse::<InstanceType>().is_ok());
        assert!("rds"
            .parse::<InstanceType>()
            .unwrap_err()
            .contains("LocalInstance, ECS, Express"));
    }
}
