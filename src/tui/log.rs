//! The command log (`L`): every API call of the session with its RequestId and result
//! (the shell's `log`), its keys and its drawing.

use crate::api::CallRecord;
use crate::tui::keymap::Action;
use crate::tui::shared::{move_sel, Effect, LogEntry, Shell};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// An API call answered (or was retried): a row of the log, followed when the last row
/// was selected.
pub(crate) fn on_api(sh: &mut Shell, rec: CallRecord, time: String) {
    let follow = sh.log_selected + 1 >= sh.log.len();
    sh.log.push(LogEntry {
        time,
        action: rec.action,
        attempt: rec.attempt,
        request_id: rec.request_id.map(|r| crate::text::clean(&r).into_owned()),
        result: crate::text::clean(&rec.result).into_owned(),
        will_retry: rec.will_retry,
        elapsed_ms: rec.elapsed.as_millis() as u64,
    });
    if follow {
        sh.log_selected = sh.log.len() - 1;
    }
}

/// Keys of the command log.
pub(crate) fn log_action(sh: &mut Shell, action: Action) -> Vec<Effect> {
    let n = sh.log.len();
    match action {
        Action::Up => move_sel(&mut sh.log_selected, n, -1),
        Action::Down => move_sel(&mut sh.log_selected, n, 1),
        Action::Top => sh.log_selected = 0,
        Action::Bottom => sh.log_selected = n.saturating_sub(1),
        Action::Copy => {
            if let Some(id) = sh
                .log
                .get(sh.log_selected)
                .and_then(|e| e.request_id.clone())
            {
                sh.notice = Some(format!("copied RequestId {id}"));
                return vec![Effect::Copy(id)];
            }
            sh.notice = Some("this call has no RequestId".into());
        }
        Action::Back => sh.screen = sh.log_return,
        _ => {}
    }
    vec![]
}

fn short_action(a: &str) -> &str {
    match a {
        "DescribeSynchronizationJobs" => "DescribeSyncJobs",
        "DescribeSynchronizationJobStatus" => "DescribeSyncJobStatus",
        "SwitchSynchronizationEndpoint" => "SwitchSyncEndpoint",
        "DescribeEndpointSwitchStatus" => "DescribeSwitchStatus",
        other => other,
    }
}

pub(crate) fn render(sh: &Shell, f: &mut Frame, area: Rect, theme: &Theme) {
    let wide = area.width >= 110;
    let inner_w = area.width.saturating_sub(2);
    // Column widths: the RequestId's is what is left; it wraps in it, never cut.
    let (widths, head, rid_w, result_w): (Vec<u16>, Vec<&str>, u16, u16) = if wide {
        let result = inner_w.saturating_sub(9 + 33 + 2 + 36 + 8 + 5).max(10);
        (
            vec![9, 33, 2, result, 36, 8],
            vec![" TIME", "ACTION", "#", "RESULT", "REQUEST ID", "TOOK"],
            36,
            result,
        )
    } else if inner_w >= 78 {
        let rid = inner_w.saturating_sub(9 + 21 + 18 + 3);
        (
            vec![9, 21, 18, rid],
            vec![" TIME", "ACTION", "RESULT", "REQUEST ID"],
            rid,
            18,
        )
    } else {
        // Compact: the time goes to the line below the table, the RequestId gets room.
        let rid = inner_w.saturating_sub(21 + 12 + 2).max(8);
        (
            vec![21, 12, rid],
            vec![" ACTION", "RESULT", "REQUEST ID"],
            rid,
            12,
        )
    };
    let compact = !wide && inner_w < 78;
    let sel = sh.log_selected.min(sh.log.len().saturating_sub(1));
    let long_id = sh
        .log
        .get(sel)
        .and_then(|e| e.request_id.as_deref())
        .is_some_and(|r| r.chars().count() + 10 > area.width as usize);
    let inner_h = area.height.saturating_sub(4 + u16::from(long_id)) as usize;
    let ids: Vec<Vec<String>> = sh
        .log
        .iter()
        .map(|e| wrap_id(e.request_id.as_deref().unwrap_or("-"), rid_w as usize))
        .collect();
    // The first row shown: the selected one is on screen, rows counted by height.
    let mut offset = sel;
    let mut used = ids.get(sel).map_or(1, Vec::len);
    while offset > 0 && used + ids[offset - 1].len() <= inner_h {
        offset -= 1;
        used += ids[offset].len();
    }
    let mut shown_h = 0;
    let rows: Vec<Row> = sh
        .log
        .iter()
        .enumerate()
        .skip(offset)
        .take_while(|(i, _)| {
            shown_h += ids[*i].len();
            shown_h <= inner_h.max(1) || *i == offset
        })
        .map(|(i, e)| {
            let ok = e.result == "ok";
            let mark = if i == sel { ">" } else { " " };
            let mut cells = if compact {
                vec![Cell::from(fit(
                    &format!("{mark}{}", short_action(&e.action)),
                    21,
                ))]
            } else {
                vec![
                    Cell::from(format!("{mark}{}", e.time)),
                    Cell::from(if wide {
                        fit(&e.action, 33)
                    } else {
                        fit(short_action(&e.action), 21)
                    }),
                ]
            };
            if wide {
                cells.push(Cell::from(e.attempt.to_string()));
            }
            let result = if e.will_retry {
                format!("↻ {}", e.result)
            } else {
                e.result.clone()
            };
            cells.push(Cell::from(Span::styled(
                ellipsize(&result, result_w as usize, false),
                if ok { theme.ok() } else { theme.danger() },
            )));
            cells.push(Cell::from(ids[i].join("\n")));
            if wide {
                cells.push(Cell::from(format!("{}ms", e.elapsed_ms)));
            }
            let row = Row::new(cells).height(ids[i].len() as u16);
            if i == sel {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let widths: Vec<Constraint> = widths.into_iter().map(Constraint::Length).collect();
    // The line below the table: the selected call, its RequestId first and whole (two
    // rows when it does not fit in one).
    let below = sh.log.get(sel).map(|e| {
        let rid = e.request_id.as_deref().unwrap_or("-");
        // The time next to the RequestId when the table has no TIME column.
        let line = format!(
            "RequestId {rid} · {}{} · attempt {} · {}{} · {}ms{}",
            if compact {
                format!("{} · ", e.time)
            } else {
                String::new()
            },
            e.action,
            e.attempt,
            e.result,
            if e.will_retry { " (retried)" } else { "" },
            e.elapsed_ms,
            if compact {
                String::new()
            } else {
                format!(" · {}", e.time)
            }
        );
        let w = area.width as usize;
        if format!("RequestId {rid}").chars().count() <= w {
            vec![Line::raw(ellipsize(&line, w, false))]
        } else {
            pin_below(wrap_line(&Line::raw(line), w), vec![], 2, w).0
        }
    });
    let below_h = below.as_ref().map_or(1, Vec::len) as u16;
    let [table_area, detail] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(below_h)]).areas(area);
    f.render_widget(
        Table::new(rows, widths)
            .column_spacing(1)
            .header(Row::new(head).style(theme.title()))
            .block(Block::default().borders(Borders::ALL).title(format!(
                " Command log · {} API calls this session ",
                sh.log.len()
            ))),
        table_area,
    );
    if let Some(lines) = below {
        f.render_widget(Paragraph::new(lines).style(theme.muted()), detail);
    }
}
