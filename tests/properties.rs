//! Property-based tests: validators, parsing of arbitrary service answers, and the
//! signature's percent-encoding against the reference rules (dts-api.md §3.2).

use dts_switch::api::client::parse_answer;
use dts_switch::api::credentials::redact_values;
use dts_switch::api::ops::{
    parse_jobs_page, parse_switch_answer, parse_switch_status, validate_task_id, SyncJobEntry,
};
use dts_switch::api::sign::{canonical_query, percent_encode, sign};
use dts_switch::domain::rules::{validate, validate_field, EndpointInput, FieldId, InstanceType};
use proptest::prelude::*;
use serde_json::Value;

/// The reference rule, byte by byte: keep A-Z a-z 0-9 - _ . ~, else %XX uppercase.
fn reference_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("Success"),
            Just("TaskId"),
            Just("Status"),
            Just("false"),
            Just("true"),
            Just("SynchronizationInstances"),
            Just("Forward"),
            Just("Reverse"),
            Just("30"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("RequestId".to_string()),
            Just("Success".to_string()),
            Just("TaskId".to_string()),
            Just("Status".to_string()),
            Just("ErrCode".to_string()),
            Just("ErrMessage".to_string()),
            Just("Code".to_string()),
            Just("Message".to_string()),
            Just("DynamicMessage".to_string()),
            Just("PageNumber".to_string()),
            Just("TotalRecordCount".to_string()),
            Just("SynchronizationInstances".to_string()),
            Just("SynchronizationJobId".to_string()),
            Just("SynchronizationDirection".to_string()),
            Just("SourceEndpoint".to_string()),
            Just("DestinationEndpoint".to_string()),
            Just("IP".to_string()),
            Just("Port".to_string()),
            Just("ErrorMessage".to_string()),
            ".{0,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn percent_encoding_matches_reference(s in "\\PC{0,40}") {
        prop_assert_eq!(percent_encode(&s), reference_encode(&s));
    }

    #[test]
    fn percent_encoding_of_any_bytes_text(s in any::<String>()) {
        prop_assert_eq!(percent_encode(&s), reference_encode(&s));
    }

    #[test]
    fn signature_does_not_depend_on_parameter_order(
        mut params in prop::collection::btree_map("[A-Za-z][A-Za-z.]{0,12}", "\\PC{0,16}", 1..10)
            .prop_map(|m| m.into_iter().collect::<Vec<(String, String)>>()),
        seed in any::<u64>(),
    ) {
        let a = sign("POST", params.iter().map(|(k, v)| (k.as_str(), v.as_str())), "secret");
        let mut rng = seed;
        for i in (1..params.len()).rev() {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            params.swap(i, (rng >> 33) as usize % (i + 1));
        }
        let b = sign("POST", params.iter().map(|(k, v)| (k.as_str(), v.as_str())), "secret");
        prop_assert_eq!(a, b);
        let q = canonical_query(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        prop_assert!(!q.contains(' ') && !q.contains('+'));
    }

    #[test]
    fn any_text_answer_gives_a_clean_result(status in 100u16..600, text in any::<String>()) {
        let _ = parse_answer("DescribeSynchronizationJobs", status, &text);
    }

    #[test]
    fn any_json_answer_gives_a_clean_result(status in prop_oneof![Just(200u16), 400u16..600], v in arb_json()) {
        let text = v.to_string();
        if let Ok(a) = parse_answer("X", status, &text) {
            let _ = parse_jobs_page(&a.body, a.request_id.clone(), 1);
            let _ = parse_switch_status(&a.body, a.request_id.clone());
            let _ = parse_switch_answer(&a.body, a.request_id.clone());
            let _ = SyncJobEntry::from_value(&a.body);
            if let Some(Value::Array(items)) = a.body.get("SynchronizationInstances") {
                let entries: Vec<_> = items.iter().filter_map(SyncJobEntry::from_value).collect();
                let jobs = dts_switch::domain::merge_entries(entries);
                for j in jobs {
                    let _ = j.to_json();
                    let _ = j.forward.source.address();
                }
            }
        }
    }

    #[test]
    fn switch_answer_without_task_id_is_never_success(v in arb_json()) {
        let tid = v.get("TaskId").and_then(|t| match t {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }).filter(|s| validate_task_id(s).is_ok());
        let r = parse_switch_answer(&v, None);
        prop_assert_eq!(r.is_ok(), tid.is_some());
        if let Err(e) = &r {
            prop_assert!(e.outcome_unknown(), "no usable TaskId is an unknown outcome: {e:?}");
        }
    }

    #[test]
    fn port_rule(p in any::<i64>()) {
        let r = validate_field(InstanceType::LocalInstance, FieldId::Port, &p.to_string());
        prop_assert_eq!(r.is_ok(), (1..=65535).contains(&p));
    }

    #[test]
    fn ip_rule_accepts_every_address(a in any::<std::net::IpAddr>()) {
        prop_assert!(validate_field(InstanceType::Express, FieldId::Ip, &a.to_string()).is_ok());
        prop_assert!(validate_field(InstanceType::Ecs, FieldId::Ip, &a.to_string()).is_err(), "ECS never takes an IP");
    }

    #[test]
    fn validators_never_panic_and_errors_name_fields(
        ty in prop::sample::select(InstanceType::ALL.to_vec()),
        id in proptest::option::of(any::<String>()),
        ip in proptest::option::of(any::<String>()),
        port in proptest::option::of(any::<String>()),
        owner in proptest::option::of("[0-9a-z ]{0,6}"),
        role in proptest::option::of(any::<String>()),
    ) {
        let input = EndpointInput { instance_id: id, ip, port, owner_id: owner, role };
        match validate(ty, &input) {
            Ok(e) => {
                prop_assert!(e.port >= 1);
                if ty == InstanceType::Ecs { prop_assert!(e.ip.is_none()); }
                if ty != InstanceType::LocalInstance { prop_assert!(e.instance_id.is_some()); }
                prop_assert_eq!(e.owner_id.is_some(), e.role.is_some());
            }
            Err(errs) => {
                prop_assert!(!errs.is_empty());
                for e in errs {
                    prop_assert!(e.flag.starts_with("--"));
                    prop_assert!(e.to_string().contains(e.param));
                }
            }
        }
    }

    #[test]
    fn redaction_removes_every_form_of_a_secret(
        secret in "[A-Za-z0-9+/=_-]{4,40}",
        before in "[ a-z]{0,10}",
        after in "[ a-z]{0,10}",
    ) {
        let enc = percent_encode(&secret);
        let twice = percent_encode(&enc);
        let text = format!("{before}{secret}{after} {enc} {twice}");
        let r = redact_values(&text, &[&secret]);
        prop_assert!(!r.contains(&secret));
        prop_assert!(!r.contains(&enc));
        prop_assert!(!r.contains(&twice));
    }
}
