//! End to end: the real binary in tmux against the simulator, driven by keystrokes.
//! Lists jobs, completes a two-way switch through every screen, and checks the
//! simulator received exactly the two expected calls in order.

mod common;
use common::*;
use dts_switch::sim::data::TWO_WAY_JOB_ID;
use dts_switch::sim::{SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn start(name: &str, w: u16, h: u16, cmd: &str) -> Tmux {
        let socket = format!("dts-switch-test-{name}-{}", std::process::id());
        let st = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                cmd,
            ])
            .status()
            .unwrap();
        assert!(st.success());
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn text(&self, s: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", s]);
        std::thread::sleep(Duration::from_millis(100));
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn wait_for(&self, needle: &str, secs: u64) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {needle:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn command_line(env: &Env, sim: &Simulator, extra_env: &str) -> String {
    std::fs::create_dir_all(env.home()).unwrap();
    format!(
        "env -u ALIBABA_CLOUD_PROFILE HOME={} DTS_SWITCH_DATA={} DTS_SWITCH_ENDPOINT={} ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={} {extra_env} {}; echo EXIT=$?; sleep 60",
        env.home().display(),
        env.data().display(),
        sim.url(),
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        bin()
    )
}

#[test]
fn two_way_switch_through_every_screen_in_tmux() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(300),
        ..SimConfig::default()
    });
    let env = Env::new();
    let t = Tmux::start(
        "e2e",
        120,
        40,
        &command_line(&env, &sim, "NO_COLOR=1 TERM=screen-256color"),
    );

    let s = t.wait_for("Jobs (17)", 15);
    assert!(s.contains("SIMULATOR"), "{s}");
    assert!(s.contains("LTAI****0001"), "{s}");
    assert!(s.contains(TWO_WAY_JOB_ID), "{s}");

    // Resize to compact and back: it redraws, never crashes.
    t.tmux(&["resize-window", "-t", "t", "-x", "70", "-y", "20"]);
    t.wait_for("Jobs (17)", 5);
    t.tmux(&["resize-window", "-t", "t", "-x", "120", "-y", "40"]);
    t.wait_for("Details", 5);

    // The two-way job is the first row. Enter opens the form.
    t.keys(&["Enter"]);
    t.wait_for("Which database was switched over?", 5);
    // Destination (its current type, ECS, is preselected), then the instance id.
    t.keys(&["Right", "Tab", "Tab"]);
    t.text("i-bp1tmux00001");
    let s = t.wait_for("✓", 5);
    assert!(s.contains("3 The new endpoint (ECS)"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("Call 2 of 2", 10);
    assert!(
        s.lines()
            .any(|l| l.contains("Endpoint.InstanceId") && l.contains("i-bp1tmux00001")),
        "{s}"
    );
    assert!(
        sim.requests_of(SWITCH).is_empty(),
        "nothing sent by the preview"
    );

    // Confirm: a stray Enter does nothing; Esc cancels; typing the id sends.
    t.keys(&["Enter"]);
    t.wait_for("Type the job id to confirm", 5);
    t.keys(&["Enter"]);
    t.wait_for("exactly to send", 5);
    t.keys(&["Escape"]);
    t.wait_for("cancelled: nothing was sent", 5);
    assert!(sim.requests_of(SWITCH).is_empty());
    // A 1 MB paste into the confirmation: cut at once, nothing sent; Esc clears it.
    t.keys(&["Enter"]);
    t.wait_for("Type the job id to confirm", 5);
    let big = env.dir.path().join("confirm-paste.txt");
    std::fs::write(
        &big,
        TWO_WAY_JOB_ID.repeat((1 << 20) / TWO_WAY_JOB_ID.len()),
    )
    .unwrap();
    t.tmux(&["load-buffer", &big.display().to_string()]);
    t.tmux(&["paste-buffer", "-p", "-t", "t"]);
    t.wait_for("pasted text cut to 64 characters", 10);
    t.keys(&["Enter"]);
    t.wait_for("exactly to send", 5);
    assert!(sim.requests_of(SWITCH).is_empty());
    t.keys(&["Escape"]);
    t.wait_for("cancelled: nothing was sent", 5);
    t.keys(&["Enter"]);
    t.wait_for("Type the job id to confirm", 5);
    t.text(TWO_WAY_JOB_ID);
    t.keys(&["Enter"]);
    t.wait_for("· finished", 30);
    // Then the job is watched until it replicates again: per direction its status,
    // delay, checkpoint and a trend chart, and the verdict.
    let s = t.wait_for("replicating again", 30);
    assert!(s.contains("Done:"), "{s}");
    assert!(s.contains("After the switch"), "{s}");
    assert_eq!(s.matches("HEALTHY").count(), 2, "{s}");

    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 2, "exactly two switch calls: {sent:?}");
    assert_eq!(
        (
            sent[0].params["SynchronizationDirection"].as_str(),
            sent[0].params["Endpoint.Type"].as_str()
        ),
        ("Forward", "Destination")
    );
    assert_eq!(
        (
            sent[1].params["SynchronizationDirection"].as_str(),
            sent[1].params["Endpoint.Type"].as_str()
        ),
        ("Reverse", "Source")
    );
    for r in &sent {
        assert_eq!(r.params["Endpoint.InstanceId"], "i-bp1tmux00001");
        assert_eq!(r.params["Endpoint.Port"], "3306");
    }

    // The command log lists every call with its RequestId.
    // From its top: the watch after the switch may have added many reads below them.
    t.keys(&["L"]);
    t.wait_for("Command log", 5);
    t.keys(&["g"]);
    t.wait_for("SwitchSynchronizationEndpoint", 5);
    t.keys(&["Escape", "Escape"]);
    t.wait_for("Jobs (", 5);
    // Quit: the terminal is restored and the shell sees exit status 0.
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(s.contains("EXIT=0"), "{s}");

    // The journal recorded the plan and both calls.
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["calls"][0]["outcome"], "finished");
    assert_eq!(h[0]["calls"][1]["outcome"], "finished");
}

#[test]
fn ctrl_c_while_running_asks_and_the_tui_resumes_from_the_journal() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(3000),
        ..SimConfig::default()
    });
    let env = Env::new();
    let t = Tmux::start("ctrlc", 80, 24, &command_line(&env, &sim, ""));
    t.wait_for("Jobs (17)", 15);
    t.keys(&["Enter"]);
    t.wait_for("Which database", 5);
    t.keys(&["Right", "Tab", "Tab"]);
    t.text("i-bp1ctrlc0001");
    t.keys(&["Enter"]);
    t.wait_for("Call 1 of 2", 10);
    t.keys(&["Enter"]);
    t.wait_for("Type the job id", 5);
    t.text(TWO_WAY_JOB_ID);
    t.keys(&["Enter"]);
    t.wait_for("running", 10);
    t.keys(&["C-c"]);
    t.wait_for("Quit?", 5);
    t.keys(&["n"]);
    t.keys(&["C-c"]);
    t.wait_for("Quit?", 5);
    t.keys(&["y"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(
        s.contains("EXIT=3"),
        "quit while running: outcome not known to this run: {s}"
    );
    assert!(
        s.contains("still running") && s.contains(" resume`"),
        "after leaving, the normal screen says how to go on: {s}"
    );
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        1,
        "only the first call was sent"
    );

    // A new TUI finds the unfinished switch in the journal and follows it.
    let t2 = Tmux::start("ctrlc2", 80, 24, &command_line(&env, &sim, ""));
    let s = t2.wait_for("Unfinished switch from the journal", 15);
    assert!(s.contains("Progress"), "{s}");
    let s = t2.wait_for("c continue", 20);
    assert!(s.contains("Finished"), "{s}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1, "never resent");
    t2.keys(&["c"]);
    let s = t2.wait_for("Calls before call 2 are done", 5);
    assert!(s.contains("Preview"), "{s}");
    t2.keys(&["Enter"]);
    t2.text(TWO_WAY_JOB_ID);
    t2.keys(&["Enter"]);
    t2.wait_for("· finished", 30);
    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].params["SynchronizationDirection"], "Reverse");
}

#[test]
fn terminal_is_restored_after_a_panic() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    let t = Tmux::start(
        "panic",
        80,
        24,
        &command_line(&env, &sim, "DTS_SWITCH_TEST_PANIC=1"),
    );
    let s = t.wait_for("EXIT=", 15);
    assert!(s.contains("EXIT=101"), "{s}");
    let all = t.tmux(&["capture-pane", "-p", "-t", "t", "-S", "-500"]);
    assert!(
        all.contains("forced panic"),
        "the report is shown after the restore: {all}"
    );
    let alt = t.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
    assert_eq!(alt.trim(), "0", "left the alternate screen");
    assert!(
        env.log().contains("forced panic"),
        "the panic is in the log file"
    );
}

/// The command line of a TUI whose process can be found by its unique journal path.
fn tui_with_journal(env: &Env, sim: &Simulator, journal: &str) -> String {
    std::fs::create_dir_all(env.home()).unwrap();
    format!(
        "env -u ALIBABA_CLOUD_PROFILE HOME={} DTS_SWITCH_DATA={} DTS_SWITCH_ENDPOINT={} ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={} {} --journal {journal}",
        env.home().display(),
        env.data().display(),
        sim.url(),
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        bin()
    )
}

fn running(pattern: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_tui_exits_when_its_terminal_dies_in_every_text_field() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    // Focus in: the form's text field, the filter, the confirmation.
    let cases: [(&str, &[&str], &str); 3] = [
        ("form", &["Enter", "Tab", "Tab"], "i-bp1"),
        ("filter", &["/"], "orde"),
        ("confirm", &["Enter", "Right", "Tab", "Tab"], ""),
    ];
    for (name, keys, text) in cases {
        let journal = env
            .dir
            .path()
            .join(format!("kill-{name}-{}.jsonl", std::process::id()));
        let journal = journal.display().to_string();
        let t = Tmux::start(
            &format!("kill{name}"),
            80,
            24,
            &tui_with_journal(&env, &sim, &journal),
        );
        t.wait_for("Jobs (17)", 15);
        t.keys(keys);
        if name == "confirm" {
            t.text("i-bp1kill00001");
            t.keys(&["Enter"]);
            t.wait_for("Call 1 of 2", 10);
            t.keys(&["Enter"]);
            t.wait_for("Type the job id", 5);
            t.text("dtsa");
        } else {
            t.text(text);
        }
        assert!(running(&journal), "{name}: the TUI runs");
        t.tmux(&["kill-server"]);
        let t0 = Instant::now();
        while running(&journal) {
            assert!(
                t0.elapsed() < Duration::from_secs(5),
                "{name}: the TUI still runs 5 s after its terminal died"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(sim.requests_of(SWITCH).is_empty(), "nothing was sent");
}

#[test]
fn a_tui_beside_a_cli_switch_refuses_the_job_and_shows_what_the_cli_did() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(1500),
        ..SimConfig::default()
    });
    let env = Env::new();
    // The CLI switches the two-way job; its first task takes a few seconds.
    let mut args = two_way_args("switch");
    args.extend(["--yes", "--poll-interval", "100ms"].map(String::from));
    let cli = env
        .command_at(&sim.url())
        .args(strs(&args))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while sim.requests_of(SWITCH).is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(15));
        std::thread::sleep(Duration::from_millis(20));
    }
    let t = Tmux::start("beside", 80, 24, &command_line(&env, &sim, ""));
    // The TUI finds the CLI's switch in the journal and shows it.
    let s = t.wait_for("Unfinished switch from the journal", 15);
    assert!(
        s.contains("sent by dts-switch switch (pid"),
        "who sent it: {s}"
    );
    assert!(s.contains("running this switch"), "it only watches: {s}");
    t.keys(&["Escape"]);
    t.wait_for("Jobs (17)", 5);
    // A new switch of the job is refused before the form, with the reason in full.
    t.keys(&["Enter"]);
    let s = t.wait_for("is refused", 5);
    assert!(s.contains("unfinished switch"), "{s}");
    assert!(s.contains("pid"), "who holds it: {s}");
    assert!(!s.contains("Which database"), "no form: {s}");
    // p shows that switch; it ends as the CLI finishes it, and nothing is offered.
    t.keys(&["p"]);
    std::thread::sleep(Duration::from_millis(200));
    t.keys(&["p"]);
    t.wait_for("Progress", 5);
    let out = Out::from(cli.wait_with_output().unwrap());
    assert_eq!(out.code, 0, "{out:?}");
    let s = t.wait_for("Done:", 15);
    assert!(!s.contains("c continue"), "{s}");
    t.keys(&["c"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sim.requests_of(SWITCH).len(), 2, "the TUI sent nothing");
}

#[test]
fn the_region_picked_in_the_tui_is_remembered() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    let config = env.dir.path().join("config");
    let extra = format!("DTS_SWITCH_CONFIG={}", config.display());
    let t = Tmux::start("region", 80, 24, &command_line(&env, &sim, &extra));
    t.wait_for("Jobs (17)", 15);
    t.keys(&["R"]);
    t.wait_for("type to filter", 5);
    t.text("tokyo");
    t.keys(&["Enter"]);
    let s = t.wait_for("ap-northeast-1", 5);
    assert!(s.lines().next().unwrap().contains("ap-northeast-1"), "{s}");
    t.keys(&["q"]);
    t.wait_for("EXIT=0", 10);
    let saved = std::fs::read_to_string(config.join("tui.json")).unwrap();
    assert!(saved.contains("ap-northeast-1"), "{saved}");
    // The next TUI starts there.
    let t2 = Tmux::start("region2", 80, 24, &command_line(&env, &sim, &extra));
    let s = t2.wait_for("Jobs (", 15);
    assert!(s.lines().next().unwrap().contains("ap-northeast-1"), "{s}");
    // --region wins over the remembered one.
    let t3 = Tmux::start(
        "region3",
        80,
        24,
        &command_line(&env, &sim, &format!("{extra} DTS_SWITCH_REGION_ARG=1"))
            .replace(bin(), &format!("{} --region cn-shenzhen", bin())),
    );
    let s = t3.wait_for("Jobs (", 15);
    assert!(s.lines().next().unwrap().contains("cn-shenzhen"), "{s}");
}

#[test]
fn first_rows_show_while_the_listing_goes_on() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig {
        jobs: 3000,
        latency: Duration::from_millis(700),
        ..SimConfig::default()
    });
    let env = Env::new();
    let t = Tmux::start("rows", 80, 24, &command_line(&env, &sim, ""));
    // The first page's rows appear while later pages are still being read.
    let s = t.wait_for(TWO_WAY_JOB_ID, 15);
    assert!(
        s.contains("loading"),
        "rows before the end of the listing: {s}"
    );
    assert!(s.contains("page "), "progress in the title: {s}");
    // r during the load restarts it; the listing still completes.
    t.keys(&["r"]);
    let s = t.wait_for("Jobs (3005) · sort", 60);
    assert!(!s.contains("loading"), "{s}");
}

#[test]
fn a_two_way_maintained_switch_sends_two_modify_writes_in_order() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    use dts_switch::sim::data_maintained::{
        MAINTAINED_TWO_WAY_INSTANCE_ID, MAINTAINED_TWO_WAY_JOB_ID,
    };
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(300),
        ..SimConfig::default()
    });
    let env = Env::new();
    let t = Tmux::start(
        "maintained",
        120,
        40,
        &command_line(&env, &sim, "NO_COLOR=1"),
    );
    t.wait_for("Jobs (17)", 15);
    // Every demo job is `?`: both listings show it.
    t.keys(&["/"]);
    t.text("ledger");
    t.keys(&["Enter"]);
    t.wait_for("Jobs (1)", 5);
    t.keys(&["Enter"]);
    t.wait_for("Which database was switched over?", 5);
    // The destination (a public-IP database, LocalInstance), then its new IP.
    t.keys(&["Right", "Tab", "Tab", "Tab"]);
    t.text("47.96.33.99");
    t.wait_for("3 The new endpoint (LocalInstance)", 5);
    t.keys(&["Enter"]);
    let s = t.wait_for("Call 2 of 2", 15);
    assert!(
        s.contains("API: ModifyDtsJobEndpoint (maintained family)"),
        "{s}"
    );
    assert!(s.contains("dry run: PASSED"), "{s}");
    assert!(sim.executed_writes().is_empty(), "dry runs change nothing");
    t.keys(&["Enter"]);
    let s = t.wait_for("Type the job id to confirm", 5);
    assert!(s.contains("Send 2 ModifyDtsJobEndpoint calls"), "{s}");
    t.text(MAINTAINED_TWO_WAY_INSTANCE_ID);
    t.keys(&["Enter"]);
    let s = t.wait_for("replicating again", 90);
    assert!(s.contains("none: direction status"), "no TaskId: {s}");
    assert_eq!(s.matches("HEALTHY").count(), 2, "{s}");

    let w = sim.executed_writes();
    assert_eq!(w.len(), 2, "exactly two writes: {w:?}");
    for r in &w {
        assert_eq!(r.action, "ModifyDtsJobEndpoint");
        assert_eq!(r.params["DtsJobId"], MAINTAINED_TWO_WAY_JOB_ID);
        assert_eq!(r.params["EndpointIp"], "47.96.33.99");
        assert_ne!(r.params.get("DryRun").map(String::as_str), Some("true"));
    }
    assert_eq!(
        (
            w[0].params["SynchronizationDirection"].as_str(),
            w[0].params["Endpoint"].as_str()
        ),
        ("Forward", "dest")
    );
    assert_eq!(
        (
            w[1].params["SynchronizationDirection"].as_str(),
            w[1].params["Endpoint"].as_str()
        ),
        ("Reverse", "src")
    );
    t.keys(&["q"]);
    t.wait_for("Jobs (", 5);
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(s.contains("EXIT=0"), "{s}");
}

/// The TUI's command line for an interactive shell (job control: Ctrl-Z, `fg`).
fn tui_for_shell(env: &Env, sim: &Simulator, extra_env: &str) -> String {
    std::fs::create_dir_all(env.home()).unwrap();
    format!(
        "env -u ALIBABA_CLOUD_PROFILE HOME={} DTS_SWITCH_DATA={} DTS_SWITCH_ENDPOINT={} ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={} {extra_env} {}",
        env.home().display(),
        env.data().display(),
        sim.url(),
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        bin()
    )
}

#[test]
fn ctrl_z_gives_the_shell_back_and_fg_redraws_with_nothing_leaked() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    let t = Tmux::start("ctrlz", 80, 24, "bash --norc --noprofile -i");
    t.text("PS1='PROMPT$ '");
    t.keys(&["Enter"]);
    t.text(&tui_for_shell(&env, &sim, "NO_COLOR=1"));
    t.keys(&["Enter"]);
    t.wait_for("Jobs (17)", 15);
    t.keys(&["/"]);
    t.text("ord");
    t.wait_for("/ filter: ord", 5);
    t.keys(&["C-z"]);
    let s = t.wait_for("Stopped", 5);
    assert!(s.contains("PROMPT$"), "the shell has the terminal: {s}");
    let alt = t.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
    assert_eq!(alt.trim(), "0", "left the alternate screen");
    // What is typed now is the shell's.
    t.text("echo typed-at-the-$((6*7))-shell");
    t.keys(&["Enter"]);
    t.wait_for("typed-at-the-42-shell", 5);
    t.text("fg");
    t.keys(&["Enter"]);
    let s = t.wait_for("Jobs (1)", 5);
    assert!(s.contains("/ filter: ord "), "the filter as it was: {s}");
    assert!(!s.contains("PROMPT$"), "redrawn whole: {s}");
    assert!(!s.contains("echo"), "{s}");
    let alt = t.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
    assert_eq!(alt.trim(), "1", "back on the alternate screen");
    // Keys reach the TUI again.
    t.text("e");
    t.wait_for("/ filter: orde", 5);
    t.keys(&["Escape", "q"]);
    t.text("echo EXIT=$?");
    t.keys(&["Enter"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(s.contains("EXIT=0"), "{s}");
}

#[test]
fn sigterm_and_sighup_end_the_tui_and_restore_the_terminal() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    for sig in ["TERM", "HUP"] {
        let journal = env
            .dir
            .path()
            .join(format!("term-{sig}-{}.jsonl", std::process::id()))
            .display()
            .to_string();
        let t = Tmux::start(
            &format!("sig{sig}"),
            80,
            24,
            &format!(
                "{}; echo EXIT=$?; sleep 60",
                tui_with_journal(&env, &sim, &journal)
            ),
        );
        t.wait_for("Jobs (17)", 15);
        // In a text field of the form.
        t.keys(&["Enter"]);
        t.wait_for("Which database", 5);
        t.keys(&["Tab", "Tab"]);
        t.text("i-bp1");
        // The TUI itself, not the shell that started it.
        let pattern = format!("^{} --journal {journal}", bin());
        let st = Command::new("pkill")
            .args([&format!("-{sig}"), "-f", &pattern])
            .status()
            .unwrap();
        assert!(st.success());
        let s = t.wait_for("EXIT=", 5);
        assert!(s.contains("EXIT=0"), "SIG{sig}: {s}");
        assert!(!running(&pattern), "SIG{sig}: the process is gone");
        let alt = t.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
        assert_eq!(alt.trim(), "0", "SIG{sig}: left the alternate screen");
    }
}

#[test]
fn nothing_written_to_stderr_reaches_the_screen() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    let t = Tmux::start(
        "stderr",
        80,
        24,
        &command_line(&env, &sim, "DTS_SWITCH_TEST_STDERR=1"),
    );
    let s = t.wait_for("output from behind the TUI was hidden", 15);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].contains("SIMULATOR"), "the header is intact: {s}");
    assert_eq!(
        s.matches("written to stderr").count(),
        1,
        "only in the status line: {s}"
    );
    assert!(
        lines
            .iter()
            .find(|l| l.contains("written to stderr"))
            .unwrap()
            .starts_with("output from behind the TUI was hidden"),
        "{s}"
    );
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(s.contains("EXIT=0"), "{s}");
}

#[test]
fn a_one_megabyte_paste_is_cut_at_once() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    let t = Tmux::start("paste", 80, 24, &command_line(&env, &sim, ""));
    t.wait_for("Jobs (17)", 15);
    t.keys(&["Enter"]);
    t.wait_for("Which database", 5);
    t.keys(&["Tab", "Tab"]);
    let big = env.dir.path().join("big.txt");
    std::fs::write(&big, format!("i-{}", "a".repeat(1 << 20))).unwrap();
    t.tmux(&["load-buffer", &big.display().to_string()]);
    t.tmux(&["paste-buffer", "-p", "-t", "t"]);
    // A generous bound for a loaded CI machine; it takes well under a second.
    let s = t.wait_for("pasted text cut to 64 characters", 10);
    assert!(s.contains("Instance ID    [aaaaaaaa"), "{s}");
    // It answers a key at once: the field is full.
    t.text("z");
    t.wait_for("this field holds at most 64 characters", 5);
    // The next fields, each cut at once too: the IP (45), the port (5, "3306" in it).
    t.keys(&["Tab"]);
    t.tmux(&["paste-buffer", "-p", "-t", "t"]);
    t.wait_for("pasted text cut to 45 characters", 10);
    t.keys(&["Tab"]);
    t.tmux(&["paste-buffer", "-p", "-t", "t"]);
    let s = t.wait_for("pasted text cut to 1 character ", 10);
    assert!(s.contains("[3306i "), "{s}");
    t.tmux(&["paste-buffer", "-p", "-t", "t"]);
    t.wait_for("nothing pasted: the field is full", 10);
    // The jobs filter: 1 MB of lines with tabs and bells; control characters and line
    // ends are dropped, the filter cut to 256.
    t.keys(&["Escape"]);
    t.wait_for("Jobs (17)", 5);
    t.keys(&["/"]);
    t.wait_for("/ filter:", 5);
    let lines = env.dir.path().join("lines.txt");
    std::fs::write(&lines, "ab\t\x07c\n".repeat(1 << 18)).unwrap();
    t.tmux(&["load-buffer", &lines.display().to_string()]);
    t.tmux(&["paste-buffer", "-p", "-t", "t"]);
    let s = t.wait_for("pasted text cut to 256 characters", 10);
    assert!(
        s.contains("/ filter: abcabcabc"),
        "no control character kept: {s}"
    );
    assert!(s.contains("Jobs (0)"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("Jobs (17)", 5);
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(s.contains("EXIT=0"), "{s}");
}

#[test]
fn a_log_file_that_cannot_be_written_is_said_once_in_the_status_line() {
    if !Tmux::available() {
        eprintln!("tmux is not installed: skipping (CI installs it)");
        return;
    }
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here: skipping");
        return;
    }
    let sim = Simulator::start_background(SimConfig::default());
    let env = Env::new();
    // A disk that is full: every write of the log fails with ENOSPC.
    std::fs::create_dir_all(env.data()).unwrap();
    std::os::unix::fs::symlink("/dev/full", env.data().join("dts-switch.log")).unwrap();
    let t = Tmux::start(
        "logfull",
        80,
        24,
        &command_line(&env, &sim, "DTS_SWITCH_LOG=dts_switch=debug"),
    );
    let s = t.wait_for("the log file cannot be written", 15);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].contains("SIMULATOR"), "the header is intact: {s}");
    assert!(s.contains("No space left on device"), "{s}");
    assert!(
        !s.contains("Unable to write"),
        "nothing printed behind the TUI: {s}"
    );
    assert!(!s.contains("output from behind the TUI"), "{s}");
    assert_eq!(s.matches("cannot be written").count(), 1, "{s}");
    // Said once: gone after a key, not said again while the logging keeps failing.
    t.keys(&["j"]);
    std::thread::sleep(Duration::from_millis(2500));
    let s = t.screen();
    assert!(!s.contains("cannot be written"), "said once: {s}");
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=", 10);
    assert!(s.contains("EXIT=0"), "{s}");
    assert_eq!(
        std::fs::metadata("/dev/full").unwrap().permissions().mode() & 0o777,
        0o666,
        "a device the log points to is never narrowed"
    );
}
