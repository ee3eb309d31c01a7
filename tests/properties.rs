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
        let input = EndpointInput { instance_id: id, ip, port, owner_id: owner, role, extra: Default::default() };
        match validate(ty, &input) {
            Ok(e) => {
                if ty.legacy() { prop_assert!(e.port.is_some_and(|p| p >= 1)); }
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

// ---- Service text never reaches the terminal unescaped (issue 8, terminal injection) ----

use dts_switch::api::ops::{EndpointInfo, JobStatusAnswer, SwitchStatus};
use dts_switch::cli::output;
use dts_switch::domain::executor::{task_end, CallOutcome, Outcome, ProgressEvent};
use dts_switch::domain::{Direction, Side, SwitchRequest};
use dts_switch::text::clean;

/// Characters a service string may carry to talk to a terminal, mixed with ordinary ones.
fn arb_service_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(vec![
            '\x1b', '\r', '\n', '\t', '\x07', '\x00', '\x08', '\x7f', '\u{85}', '\u{9b}',
            '\u{9d}', '\u{202e}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{200f}', '\u{2028}',
            '[', ']', ';', '\\',
        ]),
        4 => prop::char::range('a', 'z'),
    ]
}

fn arb_service_text() -> impl Strategy<Value = String> {
    prop::collection::vec(arb_service_char(), 0..24).prop_map(String::from_iter)
}

/// No C0 control but our own line feeds, no DEL, no C1 control, no bidi control.
fn assert_terminal_safe(what: &str, out: &str) -> Result<(), TestCaseError> {
    for c in out.chars() {
        let bad = (c < ' ' && c != '\n')
            || c == '\x7f'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || matches!(
                c,
                '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
            );
        prop_assert!(!bad, "{what}: raw {:?} in {:?}", c, out);
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct ServiceTexts {
    id: String,
    name: String,
    status: String,
    delay: String,
    error: String,
    class: String,
    created: String,
    endpoint: [String; 5],
    task_id: String,
    request_id: String,
    task_status: String,
    task_error: String,
}

fn arb_texts() -> impl Strategy<Value = ServiceTexts> {
    let t = arb_service_text;
    (
        (t(), t(), t(), t(), t(), t(), t()),
        [t(), t(), t(), t(), t()],
        (t(), t(), t(), t()),
    )
        .prop_map(
            |(
                (id, name, status, delay, error, class, created),
                endpoint,
                (task_id, request_id, task_status, task_error),
            )| ServiceTexts {
                id: format!("dts{id}"),
                name,
                status,
                delay,
                error,
                class,
                created,
                endpoint,
                task_id,
                request_id,
                task_status,
                task_error,
            },
        )
}

impl ServiceTexts {
    fn cleaned(&self) -> ServiceTexts {
        let c = |s: &String| clean(s).into_owned();
        ServiceTexts {
            id: c(&self.id),
            name: c(&self.name),
            status: c(&self.status),
            delay: c(&self.delay),
            error: c(&self.error),
            class: c(&self.class),
            created: c(&self.created),
            endpoint: self.endpoint.clone().map(|s| c(&s)),
            task_id: c(&self.task_id),
            request_id: c(&self.request_id),
            task_status: c(&self.task_status),
            task_error: c(&self.task_error),
        }
    }

    /// Every CLI text built from these service strings, one entry per output.
    fn outputs(&self) -> Vec<(&'static str, String)> {
        let [itype, iid, engine, ip, port] = &self.endpoint;
        let ep = serde_json::json!({"InstanceType": itype, "InstanceId": iid, "EngineName": engine, "IP": ip, "Port": port});
        let entry = serde_json::json!({
            "SynchronizationJobId": self.id, "SynchronizationJobName": self.name,
            "SynchronizationDirection": "Forward", "Status": self.status, "Delay": self.delay,
            "ErrorMessage": self.error, "SynchronizationJobClass": self.class,
            "CreateTime": self.created, "SourceEndpoint": ep, "DestinationEndpoint": ep,
        });
        let mut jobs =
            dts_switch::domain::merge_entries(vec![SyncJobEntry::from_value(&entry).unwrap()]);
        // A one-way job (the listing alone cannot say: no Reverse entry anywhere).
        jobs[0].one_way_known = true;
        let job = &jobs[0];
        let info = EndpointInfo {
            instance_type: itype.clone().into(),
            instance_id: iid.clone().into(),
            engine_name: engine.clone().into(),
            ip: ip.clone().into(),
            port: port.clone().into(),
            ..EndpointInfo::default()
        };
        let live = JobStatusAnswer {
            request_id: Some(self.request_id.clone()),
            status: self.status.clone(),
            error_message: self.error.clone(),
            delay: self.delay.clone(),
            delay_secs: None,
            checkpoint: None,
            source: info.clone(),
            destination: info,
            raw: Value::Null,
        };
        let endpoint = validate(
            InstanceType::LocalInstance,
            &EndpointInput {
                instance_id: None,
                ip: Some("10.0.0.9".into()),
                port: Some("3306".into()),
                owner_id: None,
                role: None,
                extra: Default::default(),
            },
        )
        .unwrap();
        let req = SwitchRequest {
            database: Side::Source,
            endpoint,
            only_direction: None,
            topology: None,
        };
        // A side this API cannot switch (`dg`, `cen`) is refused: the CLI prints why.
        let plan_out = match dts_switch::domain::plan(job, "cn-hangzhou", &req, Default::default())
        {
            Ok(plan) => output::plan_text(&plan, job, "B"),
            Err(e) => dts_switch::text::clean_lines(&e.to_string()),
        };
        let (_, failed) = task_end(&SwitchStatus::Failed, Some(&self.task_error)).unwrap();
        let outcome = CallOutcome {
            direction: Direction::Forward,
            endpoint_type: Side::Source,
            request_id: Some(self.request_id.clone()),
            task_id: Some(self.task_id.clone()),
            status: Some(self.task_status.clone()),
            outcome: Outcome::Failed,
            error: failed,
            error_code: None,
            sent_at: None,
            note: None,
            ended_at: None,
            error_kind: None,
            journal_error: None,
            refusal: None,
            stopped: false,
        };
        let mut printer = output::ProgressPrinter::new(1, false);
        let progress = [
            ProgressEvent::Accepted {
                index: 0,
                request_id: Some(self.request_id.clone()),
                task_id: Some(self.task_id.clone()),
            },
            ProgressEvent::Status {
                index: 0,
                task_id: Some(self.task_id.clone()),
                status: self.task_status.clone(),
                elapsed: std::time::Duration::from_secs(3),
            },
        ]
        .iter()
        .filter_map(|ev| printer.line(ev))
        .collect::<Vec<_>>()
        .join("\n");
        let list = [job];
        vec![
            ("jobs table (80)", output::jobs_table(&list, 80)),
            ("jobs table (200)", output::jobs_table(&list, 200)),
            (
                "job detail",
                output::job_detail_text("B", job, &live, Some(&live)),
            ),
            ("plan", plan_out),
            ("outcome", output::outcome_line(0, 1, &outcome)),
            (
                "status",
                output::status_line(
                    &self.task_id,
                    Some(&self.task_status),
                    Some(&self.task_error),
                    None,
                ),
            ),
            ("progress", progress),
        ]
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn clean_output_is_always_terminal_safe(s in arb_service_text(), t in any::<String>()) {
        for x in [&s, &t] {
            let once = clean(x);
            assert_terminal_safe("clean", &once)?;
            prop_assert!(!once.contains('\n'));
            prop_assert_eq!(clean(&once), once.clone(), "idempotent");
            let lines = dts_switch::text::clean_lines(x);
            assert_terminal_safe("clean_lines", &lines)?;
            prop_assert_eq!(lines.matches('\n').count(), x.matches('\n').count());
        }
    }

    /// Arbitrary characters in any service string (job name, status, endpoint, delay,
    /// error message, TaskId, RequestId, task status and error) never reach the CLI's
    /// output unescaped, and the output is exactly what the escaped strings give: no
    /// forged lines, no moved cursor.
    #[test]
    fn service_text_never_reaches_cli_output_unescaped(texts in arb_texts()) {
        let raw = texts.outputs();
        let escaped = texts.cleaned().outputs();
        for ((what, out), (_, want)) in raw.iter().zip(&escaped) {
            assert_terminal_safe(what, out)?;
            prop_assert_eq!(out, want, "{}", what);
        }
    }

    /// Error answers: the service's Code, Message, RequestId and Recommend are shown
    /// escaped, on the lines we compose.
    #[test]
    fn service_error_text_is_escaped(
        code in arb_service_text(),
        message in arb_service_text(),
        rid in arb_service_text(),
        rec in arb_service_text(),
        status in prop_oneof![Just(200u16), Just(400u16), Just(403u16), Just(503u16)],
    ) {
        let body = if status == 200 {
            serde_json::json!({"RequestId": rid, "Success": false, "ErrCode": code, "ErrMessage": message})
        } else {
            serde_json::json!({"RequestId": rid, "Code": code, "Message": message, "Recommend": rec})
        };
        let e = parse_answer("SwitchSynchronizationEndpoint", status, &body.to_string()).unwrap_err();
        let shown = e.to_string();
        assert_terminal_safe("ApiError", &shown)?;
        let ours = 1
            + usize::from(e.request_id().is_some())
            + usize::from(status != 200 && !rec.is_empty())
            + usize::from(e.next_step().is_some());
        prop_assert_eq!(shown.matches('\n').count() + 1, ours, "{:?}", shown);
        let page = parse_answer("X", status.max(400), &format!("<html>{message}</html>")).unwrap_err();
        assert_terminal_safe("error page", &page.to_string())?;
    }

    #[test]
    fn redaction_reads_lowercase_and_twice_encoded_forms(
        secret in "[A-Za-z0-9+/=*_~-]{4,40}",
        before in "[ a-z]{0,10}",
    ) {
        let lower = |s: String| {
            let mut out = String::new();
            let mut it = s.chars().peekable();
            while let Some(c) = it.next() {
                out.push(c);
                if c == '%' {
                    for _ in 0..2 {
                        if let Some(h) = it.next() { out.push(h.to_ascii_lowercase()); }
                    }
                }
            }
            out
        };
        let enc = percent_encode(&secret);
        let twice = percent_encode(&enc);
        let text = format!("{before}{} {} {} {}", lower(enc.clone()), lower(twice.clone()), enc, twice);
        let r = redact_values(&text, &[&secret]);
        prop_assert!(!r.contains(&secret));
        prop_assert!(!r.to_ascii_lowercase().contains(&enc.to_ascii_lowercase()), "{}", r);
        prop_assert!(!r.to_ascii_lowercase().contains(&twice.to_ascii_lowercase()), "{}", r);
    }
}
