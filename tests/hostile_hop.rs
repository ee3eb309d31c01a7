//! A hop between dts-switch and the service that delivers a write twice (a retrying
//! proxy or load balancer): the first copy runs, the second is answered
//! `SignatureNonceUsed`, and that is the answer dts-switch sees. It must take it as an
//! unknown outcome (exit 3), never resend, and the service must have run the write once.
//! Also: a second operator with another journal meets the endpoint already switched.

mod common;
use common::*;
use dts_switch::sim::data_maintained::MAINTAINED_ONE_WAY_JOB_ID;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// Reads one HTTP/1.1 request (headers and a Content-Length body).
fn read_request(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = s.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return buf;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return buf;
        }
    }
}

/// Sends `req` to `upstream` on a fresh connection and returns the whole answer.
fn forward(upstream: &str, req: &[u8]) -> Vec<u8> {
    let mut u = TcpStream::connect(upstream).unwrap();
    // One request per connection: ask the upstream to close after answering.
    let text = String::from_utf8_lossy(req).replacen("\r\n", "\r\nConnection: close\r\n", 1);
    u.write_all(text.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = u.read_to_end(&mut out);
    out
}

/// A hop in front of `upstream` (host:port) that delivers every write twice and answers
/// with the second copy's answer. Reads pass once.
fn replaying_hop(upstream: String) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let req = read_request(&mut c);
                if req.is_empty() {
                    return;
                }
                let line = String::from_utf8_lossy(&req)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let write = (line.contains("Action=SwitchSynchronizationEndpoint")
                    || line.contains("Action=ModifyDtsJobEndpoint"))
                    && !line.contains("DryRun=true");
                let mut answer = forward(&upstream, &req);
                if write {
                    answer = forward(&upstream, &req);
                }
                let _ = c.write_all(&answer);
            });
        }
    });
    format!("http://{addr}")
}

fn host_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

#[test]
fn a_write_delivered_twice_is_unknown_and_never_resent_in_either_family() {
    let sim = sim();
    let hop = replaying_hop(host_port(&sim.url()));
    let env = Env::new();
    // Legacy: SwitchSynchronizationEndpoint.
    let args = two_way_args("switch");
    let mut a = strs(&args);
    a.extend([
        "--yes",
        "--poll-interval",
        "100ms",
        "--only-direction",
        "forward",
    ]);
    let out = Out::from(env.command_at(&hop).args(&a).output().unwrap());
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.all().contains("SignatureNonceUsed"), "{out:?}");
    let switches = sim.executed_writes();
    assert_eq!(switches.len(), 1, "the service ran it once: {switches:?}");
    assert!(
        sim.requests_of(SWITCH)
            .iter()
            .any(|r| r.outcome.contains("SignatureNonceUsed")),
        "the second copy was refused"
    );
    // Maintained: ModifyDtsJobEndpoint.
    let env = Env::new();
    let out = Out::from(
        env.command_at(&hop)
            .args([
                "switch",
                "--job",
                MAINTAINED_ONE_WAY_JOB_ID,
                "--database",
                "source",
                "--instance-type",
                "ecs",
                "--instance-id",
                "i-bp1shopnew0009",
                "--port",
                "3306",
                "--yes",
                "--poll-interval",
                "100ms",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 3, "{out:?}");
    let modifies: Vec<_> = sim
        .executed_writes()
        .into_iter()
        .filter(|r| r.action == "ModifyDtsJobEndpoint")
        .collect();
    assert_eq!(modifies.len(), 1, "{modifies:?}");
}

#[test]
fn a_second_operator_with_another_journal_finds_it_already_switched() {
    let sim = sim();
    let (a, b) = (Env::new(), Env::new());
    let mut args = two_way_args("switch");
    args.extend(
        [
            "--yes",
            "--poll-interval",
            "100ms",
            "--verify-timeout",
            "20s",
        ]
        .map(String::from),
    );
    let out = a.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 2);
    // Another jump host, another journal, the same change: nothing is sent.
    let out = b.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("already switched"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 2, "nothing sent again");
}

/// Two processes on one host, each with a journal of its own, started together on one
/// job: the host's per-job lock and its list of journals let only one of them send; the
/// other finds the first's unfinished plan in the other journal (or the job already
/// switched), and nothing is sent twice.
#[test]
fn two_journals_on_one_host_started_together_send_each_write_once() {
    let sim = dts_switch::sim::Simulator::start_background(dts_switch::sim::SimConfig {
        step: std::time::Duration::from_millis(800),
        maintained_jobs: true,
        ..dts_switch::sim::SimConfig::default()
    });
    let legacy = {
        let mut a = two_way_args("switch");
        a.extend(
            [
                "--yes",
                "--poll-interval",
                "100ms",
                "--verify-timeout",
                "20s",
            ]
            .map(String::from),
        );
        a
    };
    let maintained: Vec<String> = [
        "switch",
        "--job",
        MAINTAINED_ONE_WAY_JOB_ID,
        "--database",
        "source",
        "--instance-type",
        "ecs",
        "--instance-id",
        "i-bp1shopnew0009",
        "--port",
        "3306",
        "--yes",
        "--poll-interval",
        "100ms",
        "--verify-timeout",
        "20s",
    ]
    .map(String::from)
    .to_vec();
    for (args, action, expected) in [
        (&legacy, SWITCH, 2usize),
        (&maintained, "ModifyDtsJobEndpoint", 1usize),
    ] {
        let envs: Vec<Env> = (0..3).map(|_| Env::new()).collect();
        let children: Vec<_> = envs
            .iter()
            .map(|e| {
                e.command_at(&sim.url())
                    .args(strs(args))
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<Out> = children
            .into_iter()
            .map(|c| Out::from(c.wait_with_output().unwrap()))
            .collect();
        let sent: Vec<_> = sim
            .requests_of(action)
            .into_iter()
            .filter(|r| r.params.get("DryRun").map(String::as_str) != Some("true"))
            .collect();
        assert_eq!(
            sent.len(),
            expected,
            "{action} sent once per call: {outs:?}"
        );
        let ok = outs.iter().filter(|o| o.code == 0).count();
        assert!(ok >= 1, "one of them switched: {outs:?}");
        for o in outs.iter().filter(|o| o.code != 0) {
            assert!(
                o.all().contains("another journal")
                    || o.all().contains("already switched")
                    || o.all().contains("JobStatusModifying"),
                "the others say why: {o:?}"
            );
        }
    }
}
