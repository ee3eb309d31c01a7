//! Small presentation helpers shared by the command line and the TUI: times, widths,
//! endpoints in words.

use crate::api::ops::EndpointInfo;
use crate::text::clean;

/// Local wall-clock time for progress lines, `HH:MM:SS`.
pub fn now_hms() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

/// Cuts `s` to `w` characters, marking the cut with `…`, and pads it to `w`.
pub fn fit(s: &str, w: usize) -> String {
    format!("{:<w$}", truncate(s, w))
}

/// Cuts `s` to `w` characters, marking the cut with `…` (no padding).
pub fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else if w == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    }
}

/// `MySQL ECS i-bp1…:3306` (service text cleaned).
pub fn endpoint_short(e: &EndpointInfo) -> String {
    let kind = crate::domain::rules::short_type_label(&e.instance_type);
    let mut parts = Vec::new();
    if !e.engine_name.is_empty() {
        parts.push(e.engine_name.clone());
    }
    if !kind.is_empty() {
        parts.push(kind.to_string());
    }
    let addr = e.address();
    if !addr.is_empty() {
        parts.push(addr);
    }
    clean(&parts.join(" ")).into_owned()
}

/// `LocalInstance 47.98.12.34:3306 (MySQL)`, with the instance id when there is one
/// (service text cleaned).
pub fn endpoint_long(e: &EndpointInfo) -> String {
    let mut s = e.instance_type.clone();
    if !e.instance_id.is_empty() {
        s.push_str(&format!(" {}", e.instance_id));
    }
    if !e.ip.is_empty() || !e.port.is_empty() {
        let addr = if e.ip.is_empty() {
            format!("port {}", e.port)
        } else if e.ip.contains(':') {
            format!("[{}]:{}", e.ip, e.port)
        } else {
            format!("{}:{}", e.ip, e.port)
        };
        s.push_str(&format!(" {addr}"));
    }
    if !e.engine_name.is_empty() {
        s.push_str(&format!(" ({})", e.engine_name));
    }
    clean(&s).trim().to_string()
}

/// One line about a listing in progress: pages, jobs, retries, waits.
pub fn progress_line(p: &crate::api::listing::ListProgress, jobs: usize) -> String {
    let mut s = format!(
        "page {}/{} · {jobs} jobs",
        p.pages_done,
        p.pages_expected
            .map(|e| e.max(p.pages_done).to_string())
            .unwrap_or_else(|| "?".into())
    );
    if p.dts_pages_done > 0 {
        s.push_str(&format!(
            " · DescribeDtsJobs page {}/{}",
            p.dts_pages_done,
            p.dts_pages_expected
                .map(|e| e.max(p.dts_pages_done).to_string())
                .unwrap_or_else(|| "?".into())
        ));
    }
    if p.retries > 0 {
        s.push_str(&format!(" · {} retried", p.retries));
    }
    if let Some(w) = p.waiting.filter(|w| !w.is_zero()) {
        s.push_str(&format!(" · throttled, waiting {:.1}s", w.as_secs_f64()));
    }
    s.push_str(&format!(" · timeout {}s each", p.request_timeout.as_secs()));
    s
}

/// The new endpoint in words: `LocalInstance 10.20.30.41:3306`.
pub fn new_endpoint_words(e: &crate::domain::rules::ValidEndpoint) -> String {
    let mut parts = vec![e.instance_type.to_string()];
    if let Some(id) = &e.instance_id {
        parts.push(id.clone());
    }
    match (&e.ip, e.port) {
        (Some(ip), Some(p)) if ip.contains(':') => parts.push(format!("[{ip}]:{p}")),
        (Some(ip), Some(p)) => parts.push(format!("{ip}:{p}")),
        (Some(ip), None) => parts.push(ip.clone()),
        (None, Some(p)) => parts.push(format!("port {p}")),
        (None, None) => {}
    }
    clean(&parts.join(" ")).into_owned()
}

/// A batch's count line, for its preview: `12 jobs in 2 regions, 15 calls: 3 two-way, 6
/// maintained with dry run, 6 legacy (no dry run)`.
pub fn batch_count_line(b: &crate::domain::fleet::Batch) -> String {
    let c = b.counts();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{} in {}, {}: {} two-way, {} maintained with dry run",
        plural(c.jobs, "job", "jobs"),
        plural(c.regions, "region", "regions"),
        plural(c.calls, "call", "calls"),
        c.two_way,
        c.maintained
    );
    if c.legacy > 0 {
        s.push_str(&format!(", {} legacy (no dry run)", c.legacy));
    }
    if c.dry_runs_failed > 0 {
        s.push_str(&format!(
            "; {} FAILED",
            plural(c.dry_runs_failed, "dry run", "dry runs")
        ));
    }
    if c.unplanned > 0 {
        s.push_str(&format!(
            "; {} cannot be planned",
            plural(c.unplanned, "job", "jobs")
        ));
    }
    s
}

/// `head tail` on one line when it fits in `width`, else `head` and then `tail` on a
/// line of its own after `indent` (a call's `old` and `→ new`, never cut mid-endpoint).
pub fn head_and_tail(head: String, tail: &str, indent: &str, width: usize) -> Vec<String> {
    if head.chars().count() + 1 + tail.chars().count() <= width {
        vec![format!("{head} {tail}")]
    } else {
        vec![head, format!("{indent}{tail}")]
    }
}
