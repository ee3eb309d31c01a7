//! Proxy variables: honoured for real endpoints and named in the banner and in JSON
//! (user and password masked), never used for a loopback endpoint (a simulator), and
//! `NO_PROXY` respected.

mod common;
use common::*;

/// Nothing listens on port 9 of this machine: a request through this proxy fails.
const DEAD_PROXY: &str = "http://ops:s3cretpw@127.0.0.1:9";

fn with_proxy(c: &mut std::process::Command) -> &mut std::process::Command {
    for v in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        c.env(v, DEAD_PROXY);
    }
    c.env_remove("NO_PROXY").env_remove("no_proxy")
}

#[test]
fn a_loopback_endpoint_never_goes_through_the_proxy() {
    let sim = sim();
    let env = Env::new();
    let out = Out::from(
        with_proxy(&mut env.command_at(&sim.url()))
            .args(["jobs"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("local simulator"), "{out:?}");
    assert!(!out.all().contains("proxy"), "no proxy is named: {out:?}");
    let mut plan = two_way_args("plan");
    plan.extend(["--output".into(), "json".into()]);
    let out = Out::from(
        with_proxy(&mut env.command_at(&sim.url()))
            .args(strs(&plan))
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert!(v["proxy"].is_null(), "{v}");
    let mut sw = two_way_args("switch");
    sw.extend(
        [
            "--yes",
            "--output",
            "json",
            "--poll-interval",
            "50ms",
            "--no-verify",
        ]
        .map(String::from),
    );
    let out = Out::from(
        with_proxy(&mut env.command_at(&sim.url()))
            .args(strs(&sw))
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert!(v["proxy"].is_null(), "{v}");
    assert_eq!(v["result"], "finished", "{v}");
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        2,
        "sent directly, not to the proxy"
    );
}

fn real_endpoint(env: &Env) -> std::process::Command {
    let mut c = env.command();
    c.env("DTS_SWITCH_ENDPOINT", "https://dts.fake-host.invalid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIfake00000001")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "fake-secret-0001");
    c
}

#[test]
fn a_real_endpoint_goes_through_the_proxy_and_says_so() {
    let env = Env::new();
    // No network: `resume` with an empty journal names the target and stops.
    let out = Out::from(
        with_proxy(&mut real_endpoint(&env))
            .args(["resume"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "PRODUCTION https://dts.fake-host.invalid via proxy http://****@127.0.0.1:9 · region"
        ),
        "{out:?}"
    );
    assert!(!out.all().contains("s3cretpw"), "{out:?}");
    assert!(!out.all().contains("ops:"), "{out:?}");
    // A call goes to the proxy (nothing listens there) and the error names it.
    let out = Out::from(
        with_proxy(&mut real_endpoint(&env))
            .args(["--read-only", "--timeout", "2s", "jobs"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("via proxy http://****@127.0.0.1:9"),
        "{out:?}"
    );
    assert!(!out.all().contains("s3cretpw"), "{out:?}");
}

#[test]
fn no_proxy_sends_a_real_endpoint_direct() {
    let env = Env::new();
    let out = Out::from(
        with_proxy(&mut real_endpoint(&env))
            .env("NO_PROXY", "localhost,.invalid")
            .args(["resume"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("PRODUCTION https://dts.fake-host.invalid · region"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("proxy"), "{out:?}");
}

#[test]
fn an_unsupported_proxy_is_refused_without_its_password() {
    let env = Env::new();
    let out = Out::from(
        real_endpoint(&env)
            .env("HTTPS_PROXY", "socks5://ops:s3cretpw@127.0.0.1:9")
            .args(["resume"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not supported"), "{out:?}");
    assert!(!out.all().contains("s3cretpw"), "{out:?}");
}
