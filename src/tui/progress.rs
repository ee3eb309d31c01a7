//! The progress screen: one row per call of the plan on screen, fed by the executor's
//! events and by fresh reads of the journal; its keys and its rendering.

use crate::domain::executor::{Outcome, ProgressEvent};
use crate::domain::journal::PlanSummary;
use crate::domain::Job;
use crate::tui::calls::{
    apply_exec, apply_journal_state, apply_verify, copied_ticket, outcome_label, ExecNote,
};
pub use crate::tui::calls::{elapsed, CallRow, ProgressState, VerifyRow, TICKET_NOT_YET};
use crate::tui::keymap::Action;
use crate::tui::shared::{move_sel, Effect, JournalView, Overlay, PreviewState, Screen, Shell};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
use ratatui::prelude::*;
use ratatui::widgets::*;

pub(crate) fn on_exec(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    plan_id: &str,
    ev: ProgressEvent,
) {
    // The driver's watch (between the calls of a maintained plan, and after the
    // last): the same display as a watch started on its own.
    let ev = match ev {
        ProgressEvent::Verify(v) => return on_verify(sh, progress, plan_id, v),
        ev => ev,
    };
    let now = sh.now;
    let Some(p) = progress.as_mut().filter(|p| p.plan.id == plan_id) else {
        return;
    };
    match apply_exec(p, now, ev) {
        Some(ExecNote::JournalError(error)) => {
            sh.notice = Some(format!("JOURNAL ERROR: {error}"));
        }
        Some(ExecNote::Refused { index, text }) => {
            sh.overlay = Some(Overlay::Alert {
                title: format!("Call {} was not sent", index + 1),
                text: format!("{text}.\n\nNothing was sent."),
                scroll: 0,
                plan_id: None,
            });
        }
        None => {}
    }
}

/// Progress of the watch after the switch.
pub(crate) fn on_verify(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    plan_id: &str,
    ev: crate::domain::verify::VerifyEvent,
) {
    let Some(p) = progress.as_mut().filter(|p| p.plan.id == plan_id) else {
        return;
    };
    if let Some(e) = apply_verify(p, ev) {
        sh.notice = Some(format!("JOURNAL ERROR: {e}"));
    }
}

/// A fresh read of the journal: what is pending here, and what another process did to
/// the plan on screen (unless this process is running it).
pub(crate) fn on_journal(sh: &mut Shell, progress: &mut Option<ProgressState>, view: JournalView) {
    let region = sh.header.region.clone();
    let (here, elsewhere): (Vec<PlanSummary>, Vec<PlanSummary>) = view
        .plans
        .iter()
        .filter(|p| p.pending().is_some() || p.needs_verification())
        .cloned()
        .partition(|p| p.region.eq_ignore_ascii_case(&region));
    sh.pending = here;
    if !elsewhere.is_empty() && sh.pending_elsewhere != elsewhere.len() {
        sh.notice = Some(format!(
            "{} unfinished switch(es) in other regions ({}): R picks a region",
            elsewhere.len(),
            elsewhere
                .iter()
                .map(|p| p.region.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    sh.pending_elsewhere = elsewhere.len();
    sh.journal_problems = view.problems;
    sh.live = view.live;
    if let Some(e) = view.error {
        sh.notice = Some(e);
    }
    let Some(p) = progress.as_mut().filter(|p| !p.running) else {
        return;
    };
    if let Some(s) = view.plans.iter().find(|s| s.plan_id == p.plan.id) {
        p.dismissed = s.dismissed;
        p.owner = sh
            .live
            .contains(&s.plan_id)
            .then(|| s.last_by().unwrap_or("another process").to_string());
        for (row, c) in p.rows.iter_mut().zip(&s.calls) {
            apply_journal_state(row, c, sh.now, p.owner.is_some());
        }
    }
}

/// Keys of the progress screen; `jobs` is the listing (a redo plans from the job as
/// listed). `p` (the next unfinished switch) is the app's: see [`next_pending`].
pub(crate) fn progress_action(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    jobs: &[Job],
    action: Action,
) -> Vec<Effect> {
    let Some(p) = progress.as_mut() else {
        sh.screen = Screen::Jobs;
        return vec![];
    };
    let n = p.rows.len();
    match action {
        Action::Up => move_sel(&mut p.selected, n, -1),
        Action::Down => move_sel(&mut p.selected, n, 1),
        Action::Copy => {
            if let Some(t) = p.rows.get(p.selected).and_then(|r| r.task_id.clone()) {
                sh.notice = Some(format!("copied TaskId {t}"));
                return vec![Effect::Copy(t)];
            }
            sh.notice = Some(if p.plan.family.has_dry_run() {
                "ModifyDtsJobEndpoint has no TaskId (L shows each call's RequestId)".into()
            } else {
                "this call has no TaskId".into()
            });
        }
        Action::ShowError => {
            sh.overlay = Some(detail_alert(p));
        }
        Action::Ticket if p.ticket_ready() => {
            let text = p.ticket();
            sh.notice = Some(copied_ticket(&text));
            return vec![Effect::Copy(text)];
        }
        Action::Ticket => {
            sh.notice = Some(TICKET_NOT_YET.into());
        }
        Action::Log => {
            sh.log_return = Screen::Progress;
            sh.screen = Screen::Log;
        }
        Action::Back => {
            if p.running {
                sh.overlay = Some(Overlay::LeaveProgress);
            } else {
                sh.screen = Screen::Jobs;
            }
        }
        Action::Dismiss => {
            if let Some(o) = &p.owner {
                sh.notice = Some(format!(
                    "{o} is running this switch: nothing to dismiss while it runs"
                ));
            } else if p.running || !p.has_unknown() {
                sh.notice = Some("nothing to dismiss: no call with an unknown outcome".into());
            } else {
                sh.overlay = Some(Overlay::Dismiss);
            }
        }
        // `p` (the next unfinished switch) is routed by the app (see `next_pending`).
        Action::ShowProgress => {}
        Action::Redo | Action::Continue => {
            if p.running {
                return vec![];
            }
            // A redo (after a refusal or a failed task), or the calls left after a
            // dismissed unknown one, is a new plan of the remaining calls; a plan whose
            // earlier calls Finished continues as itself. Either way the guard decides.
            let (i, fresh) = if action == Action::Redo {
                match p.failed_index() {
                    Some(i) => (i, true),
                    None => {
                        sh.notice = Some("no failed or refused call to redo".into());
                        return vec![];
                    }
                }
            } else if let Some(i) = p.continue_index() {
                (i, false)
            } else if let Some(i) = p.after_dismissed_index() {
                (i, true)
            } else {
                sh.notice = Some("nothing to continue".into());
                return vec![];
            };
            let job = jobs
                .iter()
                .find(|j| j.id == p.plan.job_id)
                .cloned()
                .or_else(|| {
                    sh.form
                        .as_ref()
                        .map(|f| f.job.clone())
                        .filter(|j| j.id == p.plan.job_id)
                });
            let Some(job) = job else {
                sh.notice = Some("the job is not in the list yet; wait for it to load (r)".into());
                return vec![];
            };
            let (plan, start) = if fresh {
                // A new plan: the earlier dry runs were of the earlier attempt.
                let mut plan = p.plan.remaining_from(i);
                for c in &mut plan.calls {
                    c.dry_run = None;
                }
                (plan, 0)
            } else {
                (p.plan.clone(), i)
            };
            sh.preview = Some(PreviewState {
                plan,
                job,
                start,
                new_plan: fresh,
                back: Screen::Progress,
                scroll: 0,
            });
            sh.screen = Screen::Preview;
            return vec![Effect::ReadJournal];
        }
        _ => {}
    }
    vec![]
}

/// `p` on the progress screen: the next unfinished switch after the one on screen (every
/// one is reachable), None when there is no other.
pub(crate) fn next_pending(p: &ProgressState, pending: &[PlanSummary]) -> Option<String> {
    let cur = &p.plan.id;
    let ids: Vec<&String> = pending.iter().map(|x| &x.plan_id).collect();
    ids.iter()
        .position(|id| *id == cur)
        .map(|i| ids[(i + 1) % ids.len()])
        .or_else(|| ids.first().copied())
        .filter(|id| *id != cur)
        .cloned()
}

/// `busy`: this process runs a switch or a batch.
pub(crate) fn render(
    sh: &Shell,
    p: &ProgressState,
    busy: bool,
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let verify_h = if p.verify.is_empty() {
        0
    } else {
        p.verify.len() as u16 * 2 + 2
    };
    let [table_area, verify_area, detail] = Layout::vertical([
        Constraint::Length(p.rows.len() as u16 + 3),
        Constraint::Length(verify_h),
        Constraint::Min(3),
    ])
    .areas(area);
    if verify_h > 0 {
        render_verify(sh, p, f, verify_area, theme);
    }
    let wide = area.width >= 110;
    let maintained = p.plan.family.has_dry_run();
    let rows: Vec<Row> = p
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (label, bad) = outcome_label(r);
            let running = busy && r.outcome.is_none() && r.was_sent();
            let spin = if running {
                format!(" {}", SPINNER[sh.spinner % 4])
            } else {
                String::new()
            };
            let el = elapsed(r, sh.now)
                .map(|d| format!("{}s", d.as_secs()))
                .unwrap_or_else(|| "-".into());
            let mut cells = vec![
                Cell::from(format!(
                    "{}{}",
                    if i == p.selected { ">" } else { " " },
                    i + 1
                )),
                Cell::from(format!("{}/{}", r.direction, r.endpoint_type.as_str())),
                Cell::from(Span::styled(
                    format!("{label}{spin}"),
                    if bad {
                        theme.danger()
                    } else if r.outcome == Some(Outcome::Finished) {
                        theme.ok()
                    } else {
                        theme.base()
                    },
                )),
                Cell::from(match (&r.task_id, maintained) {
                    (Some(t), _) => t.clone(),
                    // No task: the STATUS column is the direction's own.
                    (None, true) if r.was_sent() => "none: direction status".into(),
                    (None, _) => "-".into(),
                }),
            ];
            if wide {
                cells.push(Cell::from(
                    r.request_id.clone().unwrap_or_else(|| "-".into()),
                ));
            }
            cells.push(Cell::from(el));
            let row = Row::new(cells);
            if i == p.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let title = format!(
        " Progress · job {} {} · {} ",
        crate::text::clean(&p.plan.job_id),
        crate::text::clean(&p.plan.job_name),
        if p.running {
            "running"
        } else if p.all_finished() {
            "finished"
        } else {
            "stopped"
        }
    );
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(20),
        Constraint::Length(16),
        Constraint::Min(10),
    ];
    let mut head = vec!["#", "DIRECTION/ENDPOINT", "STATUS", "TASK ID"];
    if wide {
        widths.push(Constraint::Length(37));
        head.push("REQUEST ID");
    }
    widths.push(Constraint::Length(7));
    head.push("TIME");
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(head).style(theme.title()))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(fit_title(&title, table_area.width)),
            ),
        table_area,
    );
    let lines = detail_lines(p, theme);
    let next = p.next_step();
    let w = detail.width.saturating_sub(2) as usize;
    let h = detail.height.saturating_sub(2) as usize;
    let pinned = if next.is_empty() {
        vec![]
    } else {
        wrap_line(
            &Line::from(vec![Span::styled("Next: ", theme.title()), Span::raw(next)]),
            w,
        )
    };
    // The next step wins over the detail: it is pinned at the bottom; detail that does
    // not fit ends with `…` and the box says `e` shows all of it.
    let (shown, cut) = pin_below(wrap_lines(&lines, w), pinned, h, w);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(" Selected call · next step ");
    if cut {
        block = block.title_bottom(Line::styled(DETAIL_MORE, theme.key()).right_aligned());
    }
    f.render_widget(Paragraph::new(shown).block(block), detail);
}

/// The detail box's marker that some of it did not fit.
pub(crate) const DETAIL_MORE: &str = " ↓ more: e shows all ";

/// The selected call's detail (without the next step).
fn detail_lines(p: &ProgressState, theme: &Theme) -> Vec<Line<'static>> {
    let maintained = p.plan.family.has_dry_run();
    let mut lines = vec![];
    if let Some(r) = p.rows.get(p.selected) {
        lines.push(Line::raw(format!(
            "Call {}: {} direction, {} endpoint · {} · RequestId {}",
            p.selected + 1,
            r.direction,
            r.endpoint_type.as_str(),
            match &r.task_id {
                Some(t) => format!("TaskId {t}"),
                None if maintained => "no TaskId (the direction's status is followed)".into(),
                None => "TaskId -".into(),
            },
            r.request_id.as_deref().unwrap_or("-")
        )));
        if let Some(n) = &r.note {
            lines.push(Line::styled(format!("({n})"), theme.muted()));
        }
        if let Some(b) = &r.sent_by {
            lines.push(Line::styled(format!("sent by {b}"), theme.muted()));
        }
        if let Some(e) = &r.journal_error {
            lines.push(Line::styled(format!("JOURNAL ERROR: {e}"), theme.danger()));
        }
        if let Some(e) = &r.error {
            for l in e.lines() {
                lines.push(Line::styled(
                    l.to_string(),
                    if r.outcome.is_some_and(|o| o != Outcome::Finished) {
                        theme.danger()
                    } else {
                        theme.warning()
                    },
                ));
            }
        }
    }
    lines
}

/// `e` on the progress screen: the selected call's detail and the next step, whole, in
/// a box that scrolls.
pub(crate) fn detail_alert(p: &ProgressState) -> Overlay {
    let mut text: Vec<String> = detail_lines(p, &Theme { color: false })
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let next = p.next_step();
    if !next.is_empty() {
        text.push(String::new());
        text.push(format!("Next: {next}"));
    }
    Overlay::Alert {
        title: format!("Call {} in full", p.selected + 1),
        text: text.join("\n"),
        scroll: 0,
        plan_id: None,
    }
}

/// After the switch: per direction its status, delay and checkpoint age, the delay over
/// time as a sparkline, and the verdict.
fn render_verify(sh: &Shell, p: &ProgressState, f: &mut Frame, area: Rect, theme: &Theme) {
    use crate::domain::verify::Verdict;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(if p.verifying && p.running {
            // A maintained two-way plan: the next call waits until this one's
            // direction is healthy again.
            format!(
                " Before the next call · watching {} ",
                SPINNER[sh.spinner % 4]
            )
        } else if p.running {
            " Between the calls ".to_string()
        } else if p.verifying {
            format!(" After the switch · watching {} ", SPINNER[sh.spinner % 4])
        } else {
            " After the switch ".to_string()
        });
    let inner = block.inner(area);
    f.render_widget(block, area);
    for (i, v) in p.verify.iter().enumerate() {
        let y = inner.y + i as u16 * 2;
        if y >= inner.bottom() {
            break;
        }
        let (word, style) = match &v.verdict {
            Some((Verdict::Healthy, _)) => ("HEALTHY", theme.ok()),
            Some((Verdict::Failed, _)) => ("! FAILED", theme.danger()),
            Some((Verdict::TimedOut, _)) => ("! NOT HEALTHY", theme.danger()),
            Some((Verdict::Unreadable, _)) => ("! NOT VERIFIED", theme.warning()),
            Some((Verdict::Skipped, _)) => ("not verified", theme.muted()),
            None => ("watching", theme.base()),
        };
        let line = Line::from(vec![
            Span::styled(format!("{:<8}", v.direction.as_str()), theme.title()),
            Span::raw(format!(
                "{} · delay {} · checkpoint {} · ",
                v.status.as_deref().unwrap_or("-"),
                v.delay_secs
                    .map(|d| format!("{d:.0}s"))
                    .unwrap_or_else(|| "-".into()),
                v.checkpoint_age_secs
                    .map(|a| format!("{a}s old"))
                    .unwrap_or_else(|| "-".into())
            )),
            Span::styled(word, style),
        ]);
        f.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        // The delay over time (newest right), or why there is none.
        if y + 1 >= inner.bottom() {
            break;
        }
        let chart = Rect::new(inner.x + 8, y + 1, inner.width.saturating_sub(8), 1);
        if let Some(e) = &v.read_error {
            f.render_widget(
                Paragraph::new(Line::styled(
                    fit(&format!("read failed: {e}"), chart.width as usize),
                    theme.warning(),
                )),
                chart,
            );
        } else if let Some((_, why)) = v.verdict.as_ref().filter(|(x, _)| *x != Verdict::Healthy) {
            f.render_widget(
                Paragraph::new(Line::styled(fit(why, chart.width as usize), theme.danger())),
                chart,
            );
        } else {
            let data: Vec<u64> = v
                .delays
                .iter()
                .rev()
                .take(chart.width as usize)
                .rev()
                .copied()
                .collect();
            f.render_widget(Sparkline::default().data(&data).style(style), chart);
        }
    }
}
