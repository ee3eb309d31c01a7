//! Role credentials, with the real binary against the simulator's STS and ECS metadata
//! service over loopback HTTP: each mode, refresh during a long switch, clear errors,
//! and no secret anywhere.

mod common;

use common::*;
use dts_switch::sim::{
    Faults, SimConfig, Simulator, StsConfig, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
    DEMO_ECS_ROLE, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const MASKED_ROLE: &str = "acs:ram::1234****3456:role/dts-switch-demo";

fn sts_sim(step: Duration, sts: StsConfig) -> Simulator {
    Simulator::start_background(SimConfig {
        step,
        faults: Faults::default(),
        sts,
        ..SimConfig::default()
    })
}

fn default_sim() -> Simulator {
    sts_sim(Duration::from_millis(150), StsConfig::default())
}

/// A command aimed at the simulator for DTS, STS and metadata, with no credentials.
fn cmd(env: &Env, sim: &Simulator) -> Command {
    let mut c = env.command();
    c.env("DTS_SWITCH_ENDPOINT", sim.url())
        .env("DTS_SWITCH_STS_ENDPOINT", sim.url())
        .env("DTS_SWITCH_METADATA_URL", sim.url());
    c
}

fn run(mut c: Command, args: &[&str]) -> Out {
    Out::from(c.args(args).output().unwrap())
}

fn with_access_key(c: &mut Command) -> &mut Command {
    c.env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
}

fn write_config(env: &Env, profiles: &str) {
    let path = env.home().join(".aliyun/config.json");
    write_file(
        &path,
        &format!(r#"{{"current":"p","profiles":[{profiles}]}}"#),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn role_profile(name: &str, mode: &str, role: &str) -> String {
    format!(
        r#"{{"name":"{name}","mode":"{mode}","access_key_id":"{DEMO_ACCESS_KEY_ID}","access_key_secret":"{DEMO_ACCESS_KEY_SECRET}","ram_role_arn":"{role}","ram_session_name":"oncall","expired_seconds":900,"external_id":"ext-42","region_id":"cn-hangzhou"}}"#
    )
}

fn oidc_token_file(env: &Env, token: &str) -> PathBuf {
    let p = env.dir.path().join("oidc-token");
    write_file(&p, &format!("{token}\n"));
    p
}

/// AccessKeyIds the simulated DTS API saw, in order, duplicates removed.
fn dts_key_ids(sim: &Simulator) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in sim.requests() {
        if let Some(id) = r.params.get("AccessKeyId") {
            if !r.action.starts_with("AssumeRole") && !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    ids
}

fn switch_args() -> Vec<String> {
    let mut a = two_way_args("switch");
    a.extend(["--yes", "--poll-interval", "200ms"].map(String::from));
    a
}

#[test]
fn ram_role_arn_profile_assumes_the_role_and_names_it() {
    let sim = default_sim();
    let env = Env::new();
    // Mode names match in any case, as in the aliyun CLI.
    write_config(&env, &role_profile("p", "ramrolearn", DEMO_ROLE_ARN));
    let out = run(cmd(&env, &sim), &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("RamRoleArn {MASKED_ROLE}")),
        "the banner names the role: {out:?}"
    );
    let assumed = sim.requests_of("AssumeRole");
    assert_eq!(assumed.len(), 1, "one session serves the whole run");
    let p = &assumed[0].params;
    assert_eq!(assumed[0].outcome, "executed");
    assert_eq!(p["AccessKeyId"], DEMO_ACCESS_KEY_ID);
    assert_eq!(p["RoleArn"], DEMO_ROLE_ARN);
    assert_eq!(p["RoleSessionName"], "oncall");
    assert_eq!(p["DurationSeconds"], "900");
    assert_eq!(p["ExternalId"], "ext-42");
    assert_eq!(p["Version"], "2015-04-01");
    let ids = dts_key_ids(&sim);
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(
        ids[0].starts_with("STS."),
        "DTS is called with the role's keys: {ids:?}"
    );
    assert!(sim.requests_of(LIST).iter().all(|r| r
        .params
        .get("SecurityToken")
        .map(String::as_str)
        == Some("***")));
}

#[test]
fn ecs_ram_role_profile_with_a_metadata_token() {
    // Hardened mode only: a GET without the token would be refused.
    let sim = sts_sim(
        Duration::from_millis(150),
        StsConfig {
            metadata_require_token: true,
            ..StsConfig::default()
        },
    );
    let env = Env::new();
    write_config(
        &env,
        r#"{"name":"p","mode":"EcsRamRole","region_id":"cn-hangzhou"}"#,
    );
    let out = run(cmd(&env, &sim), &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("EcsRamRole {DEMO_ECS_ROLE}")),
        "the role learnt from the metadata service is named: {out:?}"
    );
    let token = sim.requests_of("MetadataToken");
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].method, "PUT");
    let list = sim.requests_of("MetadataRoleList");
    assert_eq!(list.len(), 1, "no ram_role_name: the role is listed");
    assert_eq!(list[0].params["token"], "yes");
    let creds = sim.requests_of("MetadataCredentials");
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].params["token"], "yes");
    assert!(creds[0].params["path"].ends_with(DEMO_ECS_ROLE));
    assert!(dts_key_ids(&sim)[0].starts_with("STS."));
}

#[test]
fn ecs_ram_role_without_a_token_falls_back_unless_imdsv1_is_disabled() {
    // An older metadata service: PUT /latest/api/token answers 404.
    let sim = sts_sim(
        Duration::from_millis(150),
        StsConfig {
            metadata_tokens: false,
            ..StsConfig::default()
        },
    );
    let env = Env::new();
    write_config(
        &env,
        &format!(r#"{{"name":"p","mode":"ECSRAMROLE","ram_role_name":"{DEMO_ECS_ROLE}"}}"#),
    );
    let out = run(cmd(&env, &sim), &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(sim.requests_of("MetadataRoleList").is_empty(), "role named");
    let creds = sim.requests_of("MetadataCredentials");
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].params["token"], "no", "asked without a token");

    let listed = sim.requests_of(LIST).len();
    let mut c = cmd(&env, &sim);
    c.env("ALIBABA_CLOUD_IMDSV1_DISABLED", "true");
    let out = run(c, &["jobs"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("EcsRamRole"), "{out:?}");
    assert!(
        out.stderr.contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        "{out:?}"
    );
    assert_eq!(sim.requests_of("MetadataCredentials").len(), 1, "not asked");
    assert_eq!(sim.requests_of(LIST).len(), listed, "DTS not called");
}

#[test]
fn environment_role_arn_is_assumed_with_the_environment_access_key() {
    let sim = default_sim();
    let env = Env::new();
    let mut c = cmd(&env, &sim);
    with_access_key(&mut c)
        .env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .env("ALIBABA_CLOUD_ROLE_SESSION_NAME", "night-shift");
    let out = run(c, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let _ = out.json();
    let assumed = sim.requests_of("AssumeRole");
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0].params["RoleSessionName"], "night-shift");
    assert_eq!(assumed[0].params["DurationSeconds"], "3600");
    assert!(dts_key_ids(&sim)[0].starts_with("STS."));
    let out = run(
        {
            let mut c = cmd(&env, &sim);
            with_access_key(&mut c).env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN);
            c
        },
        &strs(&two_way_args("plan")),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("RamRoleArn {MASKED_ROLE}")),
        "{out:?}"
    );
}

#[test]
fn oidc_from_the_environment_and_from_a_profile() {
    let sim = default_sim();
    let env = Env::new();
    let file = oidc_token_file(&env, DEMO_OIDC_TOKEN);
    let mut c = cmd(&env, &sim);
    c.env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN)
        .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &file);
    let out = run(c, &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("OIDC {MASKED_ROLE}")),
        "{out:?}"
    );
    let oidc = sim.requests_of("AssumeRoleWithOIDC");
    assert_eq!(oidc.len(), 1);
    let p = &oidc[0].params;
    assert!(
        !p.contains_key("AccessKeyId") && !p.contains_key("SignatureNonce"),
        "anonymous: {p:?}"
    );
    assert_eq!(p["OIDCProviderArn"], DEMO_OIDC_PROVIDER_ARN);
    assert_eq!(p["OIDCToken"], "***", "the simulator does not keep it");
    assert_eq!(p["RoleSessionName"], "dts-switch");

    write_config(
        &env,
        &format!(
            r#"{{"name":"p","mode":"OIDC","ram_role_arn":"{DEMO_ROLE_ARN}","oidc_provider_arn":"{DEMO_OIDC_PROVIDER_ARN}","oidc_token_file":"{}","ram_session_name":"k8s-job"}}"#,
            file.display()
        ),
    );
    let out = run(cmd(&env, &sim), &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    let oidc = sim.requests_of("AssumeRoleWithOIDC");
    assert_eq!(oidc.len(), 2);
    assert_eq!(oidc[1].params["RoleSessionName"], "k8s-job");
}

#[test]
fn environment_ecs_metadata_names_the_role() {
    let sim = default_sim();
    let env = Env::new();
    let mut c = cmd(&env, &sim);
    c.env("ALIBABA_CLOUD_ECS_METADATA", DEMO_ECS_ROLE);
    let out = run(c, &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&format!("EcsRamRole {DEMO_ECS_ROLE}")));
    assert!(sim.requests_of("MetadataRoleList").is_empty());
    assert_eq!(sim.requests_of("MetadataCredentials").len(), 1);
}

/// Credentials living 3 s, a two-way switch of about 6 s: the run must fetch new ones
/// on the way, without a hitch.
fn long_switch_with(mode: &str) {
    let sim = sts_sim(
        Duration::from_millis(800),
        StsConfig {
            lifetime: Duration::from_secs(3),
            ..StsConfig::default()
        },
    );
    let env = Env::new();
    let mut c = cmd(&env, &sim);
    let fetches = match mode {
        "RamRoleArn" => {
            with_access_key(&mut c).env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN);
            "AssumeRole"
        }
        _ => {
            c.env("ALIBABA_CLOUD_ECS_METADATA", DEMO_ECS_ROLE);
            "MetadataCredentials"
        }
    };
    let out = run(c, &strs(&switch_args()));
    assert_eq!(out.code, 0, "{mode}: {out:?}");
    assert!(out.stdout.contains("Done"), "{out:?}");
    let switches = sim.requests_of(SWITCH);
    assert_eq!(switches.len(), 2, "each call sent once");
    assert!(switches.iter().all(|r| r.outcome == "executed"));
    let n = sim.requests_of(fetches).len();
    assert!(n >= 2, "{mode}: credentials fetched {n} time(s)");
    assert!(dts_key_ids(&sim).len() >= 2, "new keys were used");
    let refused: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.outcome.contains("InvalidSecurityToken"))
        .collect();
    assert!(refused.is_empty(), "refreshed before expiry: {refused:?}");
}

#[test]
fn ram_role_credentials_are_refreshed_during_a_long_switch() {
    long_switch_with("RamRoleArn");
}

#[test]
fn ecs_role_credentials_are_refreshed_during_a_long_switch() {
    long_switch_with("EcsRamRole");
}

#[test]
fn credentials_the_service_calls_expired_are_fetched_again() {
    // The service stops taking the keys 2 s before their Expiration says: the client
    // hears InvalidSecurityToken.Expired, fetches new ones and carries on.
    let sim = sts_sim(
        Duration::from_millis(500),
        StsConfig {
            lifetime: Duration::from_secs(4),
            expire_early: Duration::from_secs(3),
            ..StsConfig::default()
        },
    );
    let env = Env::new();
    let mut c = cmd(&env, &sim);
    with_access_key(&mut c).env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN);
    let out = run(c, &strs(&switch_args()));
    assert_eq!(out.code, 0, "{out:?}");
    let expired = sim
        .requests()
        .into_iter()
        .filter(|r| r.outcome == "rejected:InvalidSecurityToken.Expired")
        .count();
    assert!(expired >= 1, "the keys did expire on the way");
    assert!(sim.requests_of("AssumeRole").len() >= 2);
    assert_eq!(
        sim.requests_of(SWITCH)
            .iter()
            .filter(|r| r.outcome == "executed")
            .count(),
        2
    );
}

#[test]
fn a_wrong_role_is_a_clear_error_naming_the_mode_exit_2() {
    let sim = default_sim();
    let env = Env::new();
    write_config(
        &env,
        &role_profile("p", "RamRoleArn", "acs:ram::1234567890123456:role/nope"),
    );
    let mut a = two_way_args("switch");
    a.push("--yes".into());
    let out = run(cmd(&env, &sim), &strs(&a));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("RamRoleArn"), "{out:?}");
    assert!(out.stderr.contains("EntityNotExist.Role"), "{out:?}");
    assert!(out.stderr.contains("next step"), "{out:?}");

    write_config(
        &env,
        r#"{"name":"p","mode":"EcsRamRole","ram_role_name":"not-attached"}"#,
    );
    let out = run(cmd(&env, &sim), &strs(&a));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("EcsRamRole"), "{out:?}");
    assert!(out.stderr.contains("not-attached"), "{out:?}");

    let file = oidc_token_file(&env, "not-the-token");
    let mut c = cmd(&env, &sim);
    c.env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN)
        .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &file);
    let out = run(c, &strs(&a));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("OIDC"), "{out:?}");
    assert!(
        out.stderr.contains("AuthenticationFail.OIDCToken"),
        "{out:?}"
    );

    assert!(
        sim.requests()
            .iter()
            .all(|r| !r.action.starts_with("Describe") && r.action != SWITCH),
        "DTS was never called"
    );
}

#[test]
fn an_unreachable_sts_is_exit_1() {
    let env = Env::new();
    let mut c = env.command();
    with_access_key(&mut c)
        .env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .env("DTS_SWITCH_STS_ENDPOINT", "http://127.0.0.1:9")
        .env("DTS_SWITCH_ENDPOINT", "http://127.0.0.1:9");
    let out = run(c, &["jobs"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("RamRoleArn") && out.stderr.contains("could not be reached"));
}

#[test]
fn a_remote_plain_http_sts_endpoint_is_refused() {
    let env = Env::new();
    let mut c = env.command();
    with_access_key(&mut c)
        .env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .env("DTS_SWITCH_STS_ENDPOINT", "http://sts.example.com");
    let out = run(c, &["jobs"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("DTS_SWITCH_STS_ENDPOINT"), "{out:?}");
}

#[test]
fn a_mistyped_config_names_the_key_never_the_value() {
    let env = Env::new();
    let secret = "LTAI-this-secret-was-pasted-in-the-wrong-place";
    let path = env.home().join(".aliyun/config.json");
    write_file(
        &path,
        &format!(r#"{{"current":"p","profiles":"{secret}"}}"#),
    );
    let out = run(env.command(), &["jobs", "--endpoint", "http://127.0.0.1:9"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("profiles"), "{out:?}");
    assert!(out.stderr.contains("an array"), "{out:?}");
    assert!(
        !out.all().contains("this-secret"),
        "the value is never quoted"
    );
    write_file(
        &path,
        &format!(
            r#"{{"current":"p","profiles":[{{"name":"p","mode":"AK","access_key_id":"x","access_key_secret":["{secret}"]}}]}}"#
        ),
    );
    let out = run(env.command(), &["jobs", "--endpoint", "http://127.0.0.1:9"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("profiles[0].access_key_secret"),
        "{out:?}"
    );
    assert!(out.stderr.contains("a string"), "{out:?}");
    assert!(!out.all().contains("this-secret"));
}

/// Every file under `dir`, read as text.
fn all_files(dir: &std::path::Path) -> String {
    let mut s = String::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                s.push_str(&all_files(&p));
            } else {
                s.push_str(&String::from_utf8_lossy(
                    &std::fs::read(&p).unwrap_or_default(),
                ));
            }
        }
    }
    s
}

#[test]
fn role_secrets_never_reach_output_log_or_journal() {
    let sim = sts_sim(
        Duration::from_millis(300),
        StsConfig {
            lifetime: Duration::from_secs(2),
            ..StsConfig::default()
        },
    );
    let env = Env::new();
    let file = oidc_token_file(&env, DEMO_OIDC_TOKEN);
    let mut outputs = Vec::new();
    type SetMode<'a> = Box<dyn Fn(&mut Command) + 'a>;
    let modes: Vec<SetMode> = vec![
        Box::new(|c: &mut Command| {
            with_access_key(c).env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN);
        }),
        Box::new(|c: &mut Command| {
            c.env("ALIBABA_CLOUD_ECS_METADATA", DEMO_ECS_ROLE);
        }),
        Box::new(|c: &mut Command| {
            c.env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
                .env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN)
                .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &file);
        }),
    ];
    for (i, set) in modes.iter().enumerate() {
        for args in [
            switch_args(),
            {
                let mut a = switch_args();
                a.extend(["--output", "json"].map(String::from));
                a
            },
            vec!["jobs".into(), "--output".into(), "json".into()],
            vec!["status".into(), "730001".into()],
        ] {
            let mut c = cmd(&env, &sim);
            c.env("DTS_SWITCH_LOG", "debug");
            set(&mut c);
            let out = run(c, &strs(&args));
            assert!(out.code <= 2, "mode {i} {args:?}: {out:?}");
            outputs.push(out);
        }
    }
    assert_eq!(outputs[0].code, 0, "{:?}", outputs[0]);
    let mut haystack: String = outputs.iter().map(|o| o.all()).collect();
    haystack.push_str(&all_files(&env.data()));
    assert!(!env.log().is_empty(), "the log was written");
    assert!(
        env.data().join("journal.jsonl").exists(),
        "the journal was written"
    );
    let mut needles = sim.issued_secrets();
    assert!(
        needles.len() >= 6,
        "credentials were issued: {}",
        needles.len()
    );
    needles.push(DEMO_ACCESS_KEY_SECRET.into());
    needles.push(DEMO_OIDC_TOKEN.into());
    let enc = |s: &str| dts_switch::api::sign::percent_encode(s);
    for s in &needles {
        for form in [s.clone(), enc(s), enc(&enc(s))] {
            assert!(
                !haystack.contains(&form),
                "a secret leaked ({} characters)",
                form.len()
            );
        }
    }
    assert!(!haystack.contains("Signature="), "no signature in output");
}
