//! Fleet failover in the TUI, part one: find the jobs of an old database and mark them.
//! `f` on the jobs screen asks for the old endpoint (one line), the search runs as an
//! [`Effect::Find`] over the regions ticked in the region picker (or the current one)
//! through `domain::find::search_regions`, and its [`Msg::Found`] marks the matches.
//! Space marks or unmarks a job by hand; `a` marks every match.

use crate::domain::find::{self, FindReport, Query};
use crate::domain::Job;
use crate::text::clean;
use crate::tui::keymap::Action;
use crate::tui::shared::{Banner, Effect, Shell};
pub use crate::tui::shared::{FleetState, Found, Mark, Searching};
use crate::tui::theme::Theme;
use crate::tui::widgets::{FindRows, SPINNER};
use ratatui::prelude::*;

/// The most characters the old-endpoint prompt takes.
pub const FIND_MAX: usize = 128;

/// What the prompt accepts, said when the input is not one of them.
pub const FIND_ALLOWED: &str =
    "allowed: an IP[:port] or instance/VPC id[:port], e.g. 10.20.30.40:3306";

/// The old endpoint as typed on one line: `10.20.30.40:3306`, `10.20.30.40`,
/// `[fd00::1]:3306`, `fd00::1`, `i-bp1abc`, `vpc-bp1abc:3306`. Err: what is wrong and
/// what is allowed.
pub fn parse_query(text: &str) -> Result<Query, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("type the old endpoint; {FIND_ALLOWED}"));
    }
    if t.chars().any(char::is_whitespace) {
        return Err(format!(
            "{:?} has a space; one endpoint, {FIND_ALLOWED}",
            clean(t)
        ));
    }
    let is_ip_like = |h: &str| {
        let bare = h.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<std::net::IpAddr>().is_ok()
            || (!bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit() || c == '.'))
            || bare.contains(':')
    };
    // A bare address (IPv6 has colons of its own).
    let (host, port) = if t.parse::<std::net::IpAddr>().is_ok() {
        (t, None)
    } else if let Some(rest) = t.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, p)) => match p.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return Err(format!("{:?} is not an endpoint; {FIND_ALLOWED}", clean(t))),
            },
            None => return Err(format!("{:?} is not an endpoint; {FIND_ALLOWED}", clean(t))),
        }
    } else {
        match t.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            Some(_) => (t, None),
            None => (t, None),
        }
    };
    let r = if is_ip_like(host) {
        Query::new(Some(host), None, port)
    } else {
        Query::new(None, Some(host), port)
    };
    r.map_err(|errors| {
        let what: Vec<String> = errors
            .iter()
            .map(|e| {
                // The prompt has no flags: name the part instead.
                let part = match e.flag {
                    "--ip" => "address",
                    "--instance-id" => "id",
                    "--port" => "port",
                    _ => "endpoint",
                };
                let msg = e.message.replace("; give the port with --port", "");
                format!("{part} {msg}")
            })
            .collect();
        format!("{}; {FIND_ALLOWED}", what.join("; "))
    })
}

/// `f`: opens the prompt (what was typed last time stays, to edit).
pub(crate) fn open_prompt<B>(fl: &mut FleetState<B>) {
    fl.prompting = true;
}

/// The regions a search covers: those ticked in the picker, else the current one.
pub fn search_regions<B>(fl: &FleetState<B>, region: &str) -> Vec<String> {
    if fl.regions.is_empty() {
        vec![region.to_string()]
    } else {
        fl.regions.clone()
    }
}

/// Keys of the open prompt: Enter searches (when the input is an endpoint), Esc closes.
pub(crate) fn prompt_action<B>(
    sh: &mut Shell,
    fl: &mut FleetState<B>,
    action: Action,
) -> Vec<Effect> {
    match action {
        Action::Back => {
            fl.prompting = false;
            sh.notice = Some("find cancelled: nothing searched".into());
        }
        Action::Submit => match parse_query(fl.input.value()) {
            Err(e) => sh.notice = Some(format!("nothing searched: {e}")),
            Ok(query) => {
                fl.prompting = false;
                fl.seq += 1;
                let seq = fl.seq;
                let regions = search_regions(fl, &sh.header.region);
                fl.searching = Some(Searching {
                    seq,
                    query: query.clone(),
                    regions: regions.clone(),
                    done: 0,
                });
                return vec![Effect::Find {
                    seq,
                    query,
                    regions,
                }];
            }
        },
        _ => {}
    }
    vec![]
}

/// A region of search `seq` answered.
pub(crate) fn on_region_done<B>(fl: &mut FleetState<B>, seq: u64) {
    if let Some(s) = fl.searching.as_mut().filter(|s| s.seq == seq) {
        s.done += 1;
    }
}

/// The search's answer: every match is marked (marks by hand of jobs the search did
/// not find are dropped: a new search starts a new selection).
/// Returns the row of `visible` (the jobs screen's rows) to select: the first marked job
/// of the listing on screen (it may be far down).
pub(crate) fn on_found<B>(
    sh: &mut Shell,
    fl: &mut FleetState<B>,
    seq: u64,
    report: FindReport,
    visible: &[&Job],
) -> Option<usize> {
    let s = fl.searching.take_if(|s| s.seq == seq)?;
    fl.marks = report
        .matches
        .iter()
        .map(|m| Mark {
            region: m.region.clone(),
            job: m.job.clone(),
            usage: Some(m.usage.clone()),
        })
        .collect();
    sh.notice = None;
    fl.found = Some(Found {
        query: s.query,
        report,
    });
    let region = &sh.header.region;
    visible.iter().position(|j| fl.is_marked(region, &j.id))
}

/// Space: marks or unmarks the selected job (of the current region).
pub(crate) fn toggle_mark<B>(sh: &mut Shell, fl: &mut FleetState<B>, selected: Option<&Job>) {
    let Some(j) = selected.cloned() else {
        return;
    };
    let region = sh.header.region.clone();
    if let Some(i) = fl
        .marks
        .iter()
        .position(|m| m.region.eq_ignore_ascii_case(&region) && m.job.has_id(&j.id))
    {
        fl.marks.remove(i);
        return;
    }
    // How it uses the database searched for: from the search, else from the listing.
    let usage = fl.found.as_ref().and_then(|f| {
        f.report
            .matches
            .iter()
            .find(|m| m.region.eq_ignore_ascii_case(&region) && m.job.has_id(&j.id))
            .map(|m| m.usage.clone())
            .or_else(|| find::job_use(&f.query, &j))
    });
    if usage.is_none() {
        sh.notice = Some(match &fl.found {
            Some(f) => format!(
                "marked {}; it does not use {} (a failover of it needs a plain switch: Enter on it alone)",
                clean(&j.id),
                f.query.text()
            ),
            None => format!(
                "marked {}; f finds every job of the old database",
                clean(&j.id)
            ),
        });
    }
    fl.marks.push(Mark {
        region,
        job: j,
        usage,
    });
}

/// `a`: marks every match of the last search; when they all are, unmarks everything.
pub(crate) fn mark_all<B>(sh: &mut Shell, fl: &mut FleetState<B>) {
    let Some(f) = &fl.found else {
        sh.notice = Some("no search yet: f finds the jobs of the old database".into());
        return;
    };
    let all = f
        .report
        .matches
        .iter()
        .all(|m| fl.is_marked(&m.region, &m.job.id));
    if all && !fl.marks.is_empty() {
        fl.marks.clear();
        sh.notice = Some("unmarked every job".into());
        return;
    }
    for m in &f.report.matches {
        if !fl
            .marks
            .iter()
            .any(|x| x.region.eq_ignore_ascii_case(&m.region) && x.job.has_id(&m.job.id))
        {
            fl.marks.push(Mark {
                region: m.region.clone(),
                job: m.job.clone(),
                usage: Some(m.usage.clone()),
            });
        }
    }
}

/// The search's count line: `12 jobs use 10.20.30.40:3306 in 2 regions (cn-hangzhou 6,
/// cn-shanghai 6)`, or that none does.
pub fn count_line(f: &Found) -> String {
    let n = f.report.matches.len();
    let q = f.query.text();
    let searched: Vec<&str> = f
        .report
        .regions
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.region.as_str())
        .collect();
    if n == 0 {
        return if searched.is_empty() {
            format!("no region could be searched for {q}")
        } else {
            format!("no job uses {q} in {}", clean(&searched.join(", ")))
        };
    }
    let per: Vec<String> = f
        .report
        .regions
        .iter()
        .filter(|r| r.matches > 0)
        .map(|r| format!("{} {}", clean(&r.region), r.matches))
        .collect();
    format!(
        "{n} job{} use{} {q} in {} region{} ({})",
        if n == 1 { "" } else { "s" },
        if n == 1 { "s" } else { "" },
        per.len(),
        if per.len() == 1 { "" } else { "s" },
        per.join(", ")
    )
}

/// The lines above the jobs table: the prompt, the search under way, or its answer
/// (with each region that failed and its error).
pub(crate) fn find_lines<B>(
    sh: &Shell,
    fl: &FleetState<B>,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut v = vec![];
    if fl.prompting {
        let regions = search_regions(fl, &sh.header.region);
        v.push(Line::from(vec![
            Span::styled(PROMPT, theme.key()),
            Span::styled(fl.input.value().to_string(), theme.input()),
            Span::styled(
                format!(
                    "   in {} · Enter searches",
                    match regions.as_slice() {
                        [r] => clean(r).into_owned(),
                        _ => format!("{} regions", regions.len()),
                    }
                ),
                theme.muted(),
            ),
        ]));
        return v;
    }
    if let Some(s) = &fl.searching {
        v.push(Line::styled(
            format!(
                "find: {} searching {} region{} for {}: {} done",
                SPINNER[sh.spinner % 4],
                s.regions.len(),
                if s.regions.len() == 1 { "" } else { "s" },
                s.query.text(),
                s.done
            ),
            theme.muted(),
        ));
        return v;
    }
    if let Some(f) = &fl.found {
        let line = format!("find: {}", count_line(f));
        let mut spans = vec![Span::styled(
            line.clone(),
            if f.report.matches.is_empty() {
                theme.warning()
            } else {
                theme.title()
            },
        )];
        // What to do next, where there is room for it whole.
        let hint = " · Space marks, a all, Enter fails over the marked";
        if !fl.marks.is_empty() && line.chars().count() + hint.chars().count() <= width {
            spans.push(Span::styled(hint, theme.muted()));
        }
        v.push(Line::from(spans));
        for r in f.report.regions.iter().filter(|r| !r.complete()) {
            let (what, e) = match (&r.error, &r.incomplete) {
                (Some(e), _) => ("not searched", e),
                (None, Some(e)) => ("searched in part", e),
                (None, None) => continue,
            };
            let b = Banner::from_api("", e);
            let code = b
                .code
                .map(|c| format!("{} ", clean(&c)))
                .unwrap_or_default();
            v.push(Line::styled(
                format!(
                    "! {} {what} (e: in full): {code}{}",
                    clean(&r.region),
                    clean(&b.message)
                ),
                theme.danger(),
            ));
        }
    }
    v
}

/// What `e` shows of the regions the last search could not search completely (None:
/// every region answered).
pub fn problems_text<B>(fl: &FleetState<B>) -> Option<String> {
    let f = fl.found.as_ref()?;
    let lines: Vec<String> = f
        .report
        .regions
        .iter()
        .filter(|r| !r.complete())
        .filter_map(|r| {
            let (what, e) = match (&r.error, &r.incomplete) {
                (Some(e), _) => ("not searched", e),
                (None, Some(e)) => (
                    "searched in part (DescribeDtsJobs could not be read: jobs only the maintained family lists may be missing)",
                    e,
                ),
                (None, None) => return None,
            };
            let mut s = format!("{}: {what}: {}", clean(&r.region), clean(&e.to_string()));
            if let Some(next) = e.next_step() {
                s.push_str(&format!("\nnext step: {next}"));
            }
            Some(s)
        })
        .collect();
    (!lines.is_empty()).then(|| {
        format!(
            "The search for {} did not cover every region: a job there may still use the old endpoint.\n\n{}",
            f.query.text(),
            lines.join("\n\n")
        )
    })
}

/// The rows the jobs screen shows above its table for the search (the prompt, the search
/// under way or its answer; at most [`MAX_FIND_ROWS`] rows: the table keeps its place),
/// and the prompt's cursor column.
pub(crate) fn find_rows<B>(
    sh: &Shell,
    fl: &FleetState<B>,
    theme: &Theme,
    width: usize,
) -> FindRows {
    let mut lines = find_lines(sh, fl, theme, width);
    let max_find = MAX_FIND_ROWS;
    if lines.len() > max_find {
        let more = lines.len() - (max_find - 1);
        lines.truncate(max_find - 1);
        lines.push(Line::styled(
            format!("! {more} more regions not searched completely"),
            theme.danger(),
        ));
    }
    let cursor = fl
        .prompting
        .then(|| PROMPT.len() as u16 + fl.input.visual_cursor() as u16);
    FindRows { lines, cursor }
}

/// The prompt's label (the cursor is placed after it).
pub const PROMPT: &str = "f old endpoint: ";

/// The rows [`find_lines`] takes at most (more failed regions are summed up).
pub const MAX_FIND_ROWS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_takes_an_address_an_id_and_a_port() {
        let q = parse_query(" 10.20.30.40:3306 ").unwrap();
        assert_eq!(q.text(), "10.20.30.40:3306");
        assert_eq!(q.port(), Some(3306));
        assert_eq!(parse_query("10.20.30.40").unwrap().text(), "10.20.30.40");
        assert_eq!(parse_query("fd00::1").unwrap().text(), "fd00::1");
        assert_eq!(
            parse_query("[fd00::1]:3306").unwrap().text(),
            "[fd00::1]:3306"
        );
        let q = parse_query("I-BP1OldDb0001").unwrap();
        assert_eq!(q.instance_id(), Some("I-BP1OldDb0001"));
        assert_eq!(q.ip(), None);
        assert_eq!(parse_query("vpc-bp1x:5432").unwrap().port(), Some(5432));
    }

    #[test]
    fn bad_input_says_what_is_allowed() {
        for bad in [
            "",
            "10.20.30.300",
            "10.20.30.40:99999",
            "10.20.30.40:",
            "a b",
            "i-bp1/x",
            "[fd00::1",
        ] {
            let e = parse_query(bad).unwrap_err();
            assert!(e.contains("allowed: an IP"), "{bad}: {e}");
            assert!(!e.contains("--"), "no flags in the TUI: {bad}: {e}");
        }
        assert!(parse_query("10.20.30.300")
            .unwrap_err()
            .starts_with("address "));
        assert!(parse_query("10.20.30.40:0")
            .unwrap_err()
            .starts_with("port "));
    }
}
