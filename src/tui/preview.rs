//! The preview of one switch: exactly what will be sent (its state is the shell's
//! `preview`), its keys and its drawing.

use crate::tui::keymap::Action;
use crate::tui::shared::{ConfirmState, Effect, Screen, Shell, Target, DRY_RUN_FAILED};
use crate::tui::theme::Theme;
use crate::tui::widgets::{
    body_of, clamp_scroll, identity, more_below, short_endpoint, wrap_lines,
};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Keys of the preview: scrolling stops with the last line at the bottom of the screen.
pub(crate) fn preview_action(sh: &mut Shell, action: Action) -> Vec<Effect> {
    let max = preview_max_scroll(sh);
    if let Some(p) = sh.preview.as_mut() {
        p.scroll = p.scroll.min(max);
        match action {
            Action::Up => p.scroll = p.scroll.saturating_sub(1),
            Action::Down => p.scroll = (p.scroll + 1).min(max),
            Action::Back => sh.screen = p.back,
            Action::Submit if !crate::domain::planner::dry_runs_passed(&p.plan) => {
                sh.notice = Some(DRY_RUN_FAILED.into());
            }
            Action::Submit => {
                sh.confirm = ConfirmState::default();
                sh.screen = Screen::Confirm;
            }
            _ => {}
        }
    }
    vec![]
}

/// The preview's lines: the target, the job, the API, then every call with its
/// parameters and dry-run verdict.
fn plan_lines<'a>(sh: &Shell, theme: &Theme) -> Vec<Line<'a>> {
    let Some(pv) = &sh.preview else {
        return vec![];
    };
    let plan = &pv.plan;
    let h = &sh.header;
    let mut v = vec![
        Line::from(vec![
            Span::raw("Target: "),
            Span::styled(
                match h.target {
                    Target::Production => "PRODUCTION",
                    Target::Simulator => "SIMULATOR",
                    Target::Demo => "DEMO",
                },
                if h.target == Target::Production {
                    theme.danger()
                } else {
                    theme.title()
                },
            ),
            Span::raw(format!(
                " {} · region {} · {}",
                short_endpoint(&h.endpoint),
                h.region,
                identity(&h.masked_ak)
            )),
        ]),
        Line::raw(format!(
            "Job {} ({}) · {}{} · status {}",
            crate::text::clean(&plan.job_id),
            crate::text::clean(&plan.job_name),
            plan.topology.as_str(),
            if plan.topology_overridden {
                " (declared by you)"
            } else {
                ""
            },
            pv.job.status()
        )),
    ];
    v.push(Line::from(vec![
        Span::raw("API: "),
        Span::styled(plan.family.action(), theme.title()),
        Span::raw(format!(
            " ({} family){}",
            plan.family,
            if plan.family_reason.is_empty() {
                String::new()
            } else {
                format!(": {}", crate::text::clean(&plan.family_reason))
            }
        )),
    ]));
    if !crate::domain::planner::dry_runs_passed(plan) {
        v.push(Line::styled(
            format!("! {}", DRY_RUN_FAILED),
            theme.danger(),
        ));
    }
    v.push(Line::styled(plan.explanation(), theme.warning()));
    for w in &plan.warnings {
        v.push(Line::styled(format!("! warning: {w}"), theme.danger()));
    }
    if pv.start > 0 {
        v.push(Line::styled(
            format!(
                "Calls before call {} are done and are not sent again.",
                pv.start + 1
            ),
            theme.muted(),
        ));
    }
    let n = plan.calls.len();
    for (i, c) in plan.calls.iter().enumerate() {
        let done = i < pv.start;
        v.push(Line::raw(""));
        v.push(Line::styled(
            format!(
                "Call {} of {n}: {} · {} direction · {}{}",
                i + 1,
                plan.family.action(),
                c.direction,
                c.endpoint_type.as_str(),
                if done { " (done, not sent)" } else { "" }
            ),
            if done { theme.muted() } else { theme.title() },
        ));
        if done {
            continue;
        }
        v.push(Line::raw(format!(
            "  {}  →  {}",
            crate::domain::guard::endpoint_words(&c.old),
            crate::domain::guard::endpoint_words(&c.new)
        )));
        for (k, val) in &c.params {
            v.push(Line::raw(format!(
                "  {:<26} {}",
                crate::text::clean(k),
                crate::text::clean(val)
            )));
        }
        if plan.password.is_some() && c.needs_password() {
            v.push(Line::raw(format!("  {:<26} (changed)", "Password")));
        }
        let verdict = crate::domain::family::dry_run_words(plan, c);
        v.push(Line::styled(
            format!("  {verdict}"),
            match &c.dry_run {
                Some(d) if d.passed => theme.ok(),
                Some(_) => theme.danger(),
                None => theme.muted(),
            },
        ));
    }
    v.push(Line::raw(""));
    v.push(Line::styled(
        "Signed with the AccessKeyId above; secret, security token and signature are never shown.",
        theme.muted(),
    ));
    v
}
/// How far the preview scrolls on the app's terminal: its last line at the bottom.
pub(crate) fn preview_max_scroll(sh: &Shell) -> u16 {
    let body = body_of(sh.size);
    let lines = wrap_lines(
        &plan_lines(sh, &Theme { color: false }),
        body.width.saturating_sub(2) as usize,
    );
    clamp_scroll(
        lines.len(),
        body.height.saturating_sub(2) as usize,
        u16::MAX,
    )
    .0
}
pub(crate) fn render(sh: &Shell, f: &mut Frame, area: Rect, theme: &Theme) {
    let lines = wrap_lines(
        &plan_lines(sh, theme),
        area.width.saturating_sub(2) as usize,
    );
    let (scroll, more) = clamp_scroll(
        lines.len(),
        area.height.saturating_sub(2) as usize,
        sh.preview.as_ref().map(|p| p.scroll).unwrap_or(0),
    );
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(more_below(
            Block::default()
                .borders(Borders::ALL)
                .title(" Preview: exactly what will be sent "),
            more,
            theme,
        )),
        area,
    );
}
