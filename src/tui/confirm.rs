//! The confirmation of one switch, over its preview: type the job id to send (a stray
//! or held Enter does nothing, Esc cancels with nothing sent); its keys and its box.

use crate::tui::calls::ProgressState;
use crate::tui::keymap::Action;
use crate::tui::shared::{ConfirmState, Effect, Screen, Shell, Target, DRY_RUN_FAILED};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Keys of the confirmation: the job id typed exactly sends (a plan run before continues
/// in its progress state).
pub(crate) fn confirm_action(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    action: Action,
) -> Vec<Effect> {
    match action {
        Action::Back => {
            sh.confirm = ConfirmState::default();
            sh.screen = Screen::Preview;
            sh.notice = Some("cancelled: nothing was sent".into());
            vec![]
        }
        Action::Submit => {
            let Some(pv) = sh.preview.clone() else {
                sh.screen = Screen::Jobs;
                return vec![];
            };
            if sh.header.read_only {
                sh.notice = Some("read-only mode: nothing is sent".into());
                return vec![];
            }
            if !crate::domain::planner::dry_runs_passed(&pv.plan) {
                sh.notice = Some(DRY_RUN_FAILED.into());
                return vec![];
            }
            let typed = sh.confirm.input.value().trim();
            if typed != pv.plan.job_id {
                sh.confirm.message = Some(match crate::domain::rules::no_inner_space(typed) {
                    Err(_) => format!(
                        "a job id has no spaces: type {} exactly to send; Esc cancels",
                        pv.plan.job_id
                    ),
                    Ok(()) => format!(
                        "type the job id {} exactly to send; Esc cancels",
                        pv.plan.job_id
                    ),
                });
                return vec![];
            }
            sh.confirm = ConfirmState::default();
            let mut st = match progress.take().filter(|p| p.plan.id == pv.plan.id) {
                Some(existing) => existing,
                None => ProgressState::new(pv.plan.clone()),
            };
            st.running = true;
            st.selected = pv.start;
            for r in st.rows.iter_mut().skip(pv.start) {
                r.outcome = None;
                r.error = None;
                r.note = None;
            }
            *progress = Some(st);
            sh.screen = Screen::Progress;
            sh.preview = None;
            vec![Effect::Execute {
                plan: pv.plan,
                start: pv.start,
                new_plan: pv.new_plan,
            }]
        }
        _ => vec![],
    }
}

pub(crate) fn render(sh: &Shell, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(pv) = &sh.preview else { return };
    let n = pv.plan.calls.len() - pv.start;
    let prod = sh.header.target == Target::Production;
    let inner = confirm_box(f, area, 11, " Confirm ", prod, theme);
    let w = inner.width as usize;
    let id = crate::text::clean(&pv.plan.job_id).into_owned();
    // One row per line, never wrapped: the input is always on the row after the prompt,
    // and the job id (typed to confirm) is never cut; other text is cut with `…`.
    let row = |s: String| truncate_keeping(&s, w, &id);
    let input = sh.confirm.input.value();
    let box_w = (id.chars().count() + 1)
        .max(40)
        .min(w.saturating_sub(2).max(1));
    let scroll = sh.confirm.input.visual_scroll(box_w);
    let shown: String = input.chars().skip(scroll).take(box_w).collect();
    let lines = vec![
        Line::from(vec![
            Span::styled(if prod { "! " } else { "" }, theme.danger()),
            Span::raw(row(format!(
                "Send {n} {} call{}",
                pv.plan.family.action(),
                if n == 1 { "" } else { "s" },
            ))),
        ]),
        Line::raw(row(format!(
            "to {} {}",
            if prod {
                "PRODUCTION"
            } else {
                "the simulator at"
            },
            short_endpoint(&sh.header.endpoint)
        ))),
        Line::raw(row(format!(
            "for job {id} ({}).",
            crate::text::clean(&pv.plan.job_name)
        ))),
        Line::raw(
            [
                format!("Type the job id to confirm: {id}"),
                format!("Type {id}:"),
            ]
            .into_iter()
            .find(|p| p.chars().count() <= w)
            .unwrap_or_else(|| id.clone()),
        ),
        Line::from(vec![
            Span::raw("["),
            Span::styled(format!("{shown:<box_w$}"), theme.input()),
            Span::raw("]"),
        ]),
        Line::styled(
            row(sh.confirm.message.clone().unwrap_or_default()),
            theme.danger(),
        ),
        Line::styled(
            row("Enter sends · Esc cancels (nothing is sent)".into()),
            theme.muted(),
        ),
    ];
    f.render_widget(Paragraph::new(lines), inner);
    let x = inner.x
        + 1
        + sh.confirm
            .input
            .visual_cursor()
            .saturating_sub(scroll)
            .min(box_w) as u16;
    f.set_cursor_position(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + 4,
    ));
}
