//! Rendering: a pure function of the [`App`] state.

use crate::domain::rules::{FieldId, InstanceType, Need};
use crate::domain::Topology;
pub(crate) use crate::present::endpoint_long;

/// Cuts a cell's text to `w` characters; control characters and escapes from the
/// service are shown visibly (the same cleaning as the command line).
pub(crate) fn fit(s: &str, w: usize) -> String {
    crate::present::truncate(&crate::text::clean(s), w)
}
use crate::tui::app::{App, Overlay, Screen, Target};
use crate::tui::form::Item;
use crate::tui::jobs::render_jobs;
use crate::tui::keymap;
use crate::tui::progress::render_progress;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub(crate) const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// The identity in use: `AK LTAI****0001`, or a role mode as named (`RamRoleArn acs:…`).
pub(crate) fn identity(masked: &str) -> String {
    if masked.contains(' ') {
        masked.to_string()
    } else {
        format!("AK {masked}")
    }
}

pub(crate) fn short_endpoint(url: &str) -> &str {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

pub fn render(app: &App, f: &mut Frame, theme: &Theme) {
    let area = f.area();
    if area.width < 60 || area.height < 15 {
        let msg = format!(
            "terminal too small: need 80x24, have {}x{}",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(msg)
                .style(theme.warning())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let compact = area.width < 80 || area.height < 24;
    let [header, body, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, f, header, theme);
    match app.screen {
        Screen::Jobs => render_jobs(app, f, body, theme, compact),
        Screen::Form => render_form(app, f, body, theme),
        Screen::Preview => render_preview(app, f, body, theme),
        Screen::Confirm => {
            render_preview(app, f, body, theme);
            render_confirm(app, f, body, theme);
        }
        Screen::Progress => render_progress(app, f, body, theme),
        Screen::Log => render_log(app, f, body, theme),
    }
    if let Some(n) = &app.notice {
        f.render_widget(
            Paragraph::new(fit(n, notice.width as usize)).style(theme.warning()),
            notice,
        );
    }
    match &app.overlay {
        Some(Overlay::Help { scroll }) => render_help(app, f, body, theme, *scroll),
        Some(Overlay::Quit) => render_ask(
            f,
            body,
            theme,
            "Quit?",
            "A switch is in progress. Its tasks go on in the service; `dts-switch resume` picks them up from the journal. Quit anyway?",
        ),
        Some(Overlay::Dismiss) => render_ask(
            f,
            body,
            theme,
            "Dismiss?",
            "Did you check the job's endpoint by hand? Dismissing records that in the journal and takes this switch off the pending list. Nothing is sent.",
        ),
        Some(Overlay::LeaveProgress) => render_ask(
            f,
            body,
            theme,
            "Leave progress?",
            "Tasks are running. They go on in the service, and this program keeps following them in the background (p comes back). Leave this screen?",
        ),
        Some(Overlay::Alert {
            title,
            text,
            scroll,
            ..
        }) => render_alert(f, body, theme, title, text, *scroll),
        Some(Overlay::Region { filter, selected }) => {
            render_region(app, f, body, theme, filter, *selected)
        }
        None => {}
    }
    render_footer(app, f, footer, theme);
}

fn render_header(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let h = &app.header;
    let wide = area.width >= 100;
    let (badge, style) = match h.target {
        Target::Production => (" PRODUCTION ", theme.prod_banner()),
        Target::Simulator => (" SIMULATOR ", theme.sim_banner()),
        Target::Demo => (" DEMO ", theme.sim_banner()),
    };
    let mut spans = vec![];
    if wide {
        spans.push(Span::styled(" dts-switch ", theme.title()));
    }
    spans.push(Span::styled(badge, style));
    spans.push(Span::raw(format!(" {} ", short_endpoint(&h.endpoint))));
    spans.push(Span::styled("·", theme.muted()));
    spans.push(Span::raw(format!(" {} ", h.region)));
    spans.push(Span::styled("·", theme.muted()));
    spans.push(Span::raw(format!(" {} ", identity(&h.masked_ak))));
    if h.read_only {
        spans.push(Span::styled(
            if wide { " READ-ONLY " } else { " RO " },
            theme
                .warning()
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_footer(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let ctx = app.context();
    let mut hints = keymap::hints_where(ctx, app.header.read_only, |a| app.available(a));
    // Help always last.
    if let Some(i) = hints
        .iter()
        .position(|(k, _)| k.split('/').any(|k| k == "?"))
    {
        let h = hints.remove(i);
        hints.push(h);
    }
    let mut spans = vec![];
    for (k, label) in hints {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(crate) fn banner_lines<'a>(b: &crate::tui::app::Banner, theme: &Theme) -> Vec<Line<'a>> {
    let mut v = vec![Line::from(vec![
        Span::styled("! ", theme.danger()),
        Span::styled(
            format!(
                "{}{}",
                b.what,
                b.code
                    .as_deref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default()
            ),
            theme.danger(),
        ),
    ])];
    v.push(Line::raw(b.message.clone()));
    if let Some(r) = &b.request_id {
        v.push(Line::raw(format!("RequestId: {r}")));
    }
    if let Some(n) = &b.next {
        v.push(Line::raw(format!("next step: {n}")));
    }
    v.push(Line::styled("r retries", theme.muted()));
    v
}

fn type_help(t: InstanceType) -> &'static str {
    t.spec().when
}

fn render_form(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(form) = &app.form else { return };
    let job = &form.job;
    let title = format!(
        " Switch endpoint · {} {} · {} ",
        crate::text::clean(&job.id),
        crate::text::clean(&job.name),
        form.topology().as_str()
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    let outer = block.inner(area);
    f.render_widget(block, area);
    let [inner, msg_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(outer);
    let focused = form.focused();
    let mark = |item: Item| if item == focused { ">" } else { " " };
    let radio = |on: bool| if on { "(•)" } else { "( )" };
    let mut lines: Vec<Line> = vec![];
    let mut cursor: Option<(u16, u16)> = None;
    lines.push(Line::styled(
        "1 Which database was switched over?",
        theme.title(),
    ));
    for side in [
        crate::domain::Side::Source,
        crate::domain::Side::Destination,
    ] {
        let on = focused == Item::Side && form.side == side;
        let style = if on { theme.selected() } else { theme.base() };
        lines.push(Line::from(vec![
            Span::raw(if on { "> " } else { "  " }),
            Span::styled(
                format!(
                    "{} {:<12}",
                    radio(form.side == side),
                    side.as_str().to_ascii_lowercase()
                ),
                style,
            ),
            Span::styled(
                format!(" now {}", endpoint_long(form.current_of(side))),
                theme.muted(),
            ),
        ]));
    }
    lines.push(Line::styled(
        "2 How does DTS reach the new database?",
        theme.title(),
    ));
    for t in InstanceType::ALL {
        let on = focused == Item::Type && form.itype == t;
        let style = if on { theme.selected() } else { theme.base() };
        lines.push(Line::from(vec![
            Span::raw(if on { "> " } else { "  " }),
            Span::styled(
                format!("{} {:<14}", radio(form.itype == t), t.as_str()),
                style,
            ),
            Span::styled(format!(" {}", type_help(t)), theme.muted()),
        ]));
    }
    lines.push(Line::styled(
        format!("3 The new endpoint ({})", form.itype),
        theme.title(),
    ));
    let label_w = 15usize;
    let box_w = 26usize;
    let mut text_item = |lines: &mut Vec<Line>, item: Item, label: &str, required: bool| {
        let Some(inp) = form.input(item) else { return };
        let err = form.error_for(item);
        let value = inp.value();
        let scroll = inp.visual_scroll(box_w);
        let shown: String = value.chars().skip(scroll).take(box_w).collect();
        let status = match (&err, value.trim().is_empty()) {
            (Some(e), _) => Span::styled(format!(" ✗ {e}"), theme.danger()),
            (None, true) => Span::styled(
                if required { " required" } else { " optional" }.to_string(),
                theme.muted(),
            ),
            (None, false) => Span::styled(" ✓".to_string(), theme.ok()),
        };
        let y = lines.len() as u16;
        if item == focused {
            let x = 2 + label_w as u16 + 1 + (inp.visual_cursor().saturating_sub(scroll)) as u16;
            cursor = Some((x, y));
        }
        lines.push(Line::from(vec![
            Span::raw(format!("{} ", mark(item))),
            Span::raw(format!(
                "{:<w$}",
                format!("{label}{}", if required { " *" } else { "" }),
                w = label_w
            )),
            Span::raw("["),
            Span::styled(
                format!("{shown:<box_w$}"),
                if item == focused {
                    theme.input().add_modifier(ratatui::style::Modifier::BOLD)
                } else {
                    theme.input()
                },
            ),
            Span::raw("]"),
            status,
        ]));
    };
    for r in form.itype.spec().shown() {
        let label = match r.field {
            FieldId::InstanceId => match form.itype {
                InstanceType::Ecs => "ECS instance",
                InstanceType::Express => "VPC ID",
                InstanceType::LocalInstance => "Instance ID",
            },
            f => f.label(),
        };
        text_item(
            &mut lines,
            Item::Field(r.field),
            label,
            r.need == Need::Required,
        );
    }
    let toggle = |on: bool| if on { "[x]" } else { "[ ]" };
    let tstyle = |item: Item| {
        if focused == item {
            theme.selected()
        } else {
            theme.base()
        }
    };
    lines.push(Line::from(vec![
        Span::raw(format!("{} ", mark(Item::CrossAccount))),
        Span::styled(
            format!(
                "{} cross-account (source owned by another account)",
                toggle(form.cross)
            ),
            tstyle(Item::CrossAccount),
        ),
    ]));
    if form.cross {
        text_item(&mut lines, Item::OwnerId, "  Account ID", true);
        text_item(&mut lines, Item::Role, "  RAM role", true);
    }
    match job.detected_topology() {
        Topology::OneWay => lines.push(Line::from(vec![
            Span::raw(format!("{} ", mark(Item::Topology))),
            Span::styled(
                format!(
                    "{} two-way (the service shows no Reverse direction; tick if you built one)",
                    toggle(form.topology_choice == Some(Topology::TwoWay))
                ),
                tstyle(Item::Topology),
            ),
        ])),
        Topology::Unknown => lines.push(Line::from(vec![
            Span::raw(format!("{} ", mark(Item::Topology))),
            Span::styled(
                format!(
                    "Topology *  {}  (unknown: the service did not say; choose with ←/→)",
                    match form.topology_choice {
                        Some(Topology::OneWay) => "(•) one-way  ( ) two-way",
                        Some(Topology::TwoWay) => "( ) one-way  (•) two-way",
                        _ => "( ) one-way  ( ) two-way",
                    }
                ),
                if form.error_for(Item::Topology).is_some() {
                    theme.danger()
                } else {
                    tstyle(Item::Topology)
                },
            ),
        ])),
        Topology::TwoWay => {}
    }
    let calls = if form.topology() == Topology::TwoWay {
        2
    } else {
        1
    };
    lines.push(Line::styled(
        format!(
            "Enter previews the {calls} call{} · nothing is sent before you confirm",
            if calls == 1 { "" } else { "s" }
        ),
        theme.muted(),
    ));
    if let Some(e) = form.error_for(focused) {
        let param = match focused {
            Item::Field(f) => f.param(),
            Item::OwnerId => crate::domain::rules::OWNER_PARAM,
            Item::Role => crate::domain::rules::ROLE_PARAM,
            Item::Topology => "topology",
            _ => "",
        };
        f.render_widget(
            Paragraph::new(Line::styled(format!("! {param}: {e}"), theme.danger()))
                .wrap(Wrap { trim: true }),
            msg_area,
        );
    }
    // Keep the focused item (the line marked '>') in view on short terminals.
    let focus_line = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content.starts_with('>')))
        .unwrap_or(0) as u16;
    let scroll = focus_line.saturating_sub(inner.height.saturating_sub(1));
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
    if let Some((x, y)) = cursor {
        let y = y.saturating_sub(scroll);
        if y < inner.height {
            f.set_cursor_position(Position::new(
                (inner.x + x).min(inner.right().saturating_sub(1)),
                inner.y + y,
            ));
        }
    }
}

fn plan_lines<'a>(app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let Some(pv) = &app.preview else {
        return vec![];
    };
    let plan = &pv.plan;
    let h = &app.header;
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
                "Call {} of {n} · {} direction · {} endpoint{}",
                i + 1,
                c.direction,
                c.endpoint_type.as_str(),
                if done { " (done, not sent)" } else { "" }
            ),
            if done { theme.muted() } else { theme.title() },
        ));
        if done {
            continue;
        }
        for (k, val) in &c.params {
            v.push(Line::raw(format!("  {k:<26} {}", crate::text::clean(val))));
        }
    }
    v.push(Line::raw(""));
    v.push(Line::styled(
        "Signed with the AccessKeyId above; secret, security token and signature are never shown.",
        theme.muted(),
    ));
    v
}

fn render_preview(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let lines = plan_lines(app, theme);
    let visible = area.height.saturating_sub(2);
    let max = (lines.len() as u16).saturating_sub(visible.max(1) / 2);
    let scroll = app.preview.as_ref().map(|p| p.scroll).unwrap_or(0).min(max);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Preview: exactly what will be sent "),
            ),
        area,
    );
}

pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn render_confirm(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(pv) = &app.preview else { return };
    let n = pv.plan.calls.len() - pv.start;
    let r = centered(area, 70, 11);
    f.render_widget(Clear, r);
    let prod = app.header.target == Target::Production;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Confirm ")
        .border_style(if prod { theme.danger() } else { theme.title() });
    let inner = block.inner(r);
    f.render_widget(block, r);
    let input = app.confirm.input.value();
    let lines = vec![
        Line::from(vec![
            Span::styled(if prod { "! " } else { "" }, theme.danger()),
            Span::raw(format!(
                "Send {n} SwitchSynchronizationEndpoint call{} to {} {}",
                if n == 1 { "" } else { "s" },
                if prod {
                    "PRODUCTION"
                } else {
                    "the simulator at"
                },
                short_endpoint(&app.header.endpoint)
            )),
        ]),
        Line::raw(format!(
            "for job {} ({}).",
            crate::text::clean(&pv.plan.job_id),
            crate::text::clean(&pv.plan.job_name)
        )),
        Line::raw("Type the job id to confirm:"),
        Line::from(vec![
            Span::raw("["),
            Span::styled(format!("{:<40}", fit(input, 40)), theme.input()),
            Span::raw("]"),
        ]),
        Line::styled(
            app.confirm.message.clone().unwrap_or_default(),
            theme.danger(),
        ),
        Line::styled("Enter sends · Esc cancels (nothing is sent)", theme.muted()),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    let x = inner.x + 1 + app.confirm.input.visual_cursor().min(40) as u16;
    f.set_cursor_position(Position::new(x, inner.y + 3));
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

fn render_log(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let wide = area.width >= 110;
    let inner_h = area.height.saturating_sub(4) as usize;
    let sel = app.log_selected.min(app.log.len().saturating_sub(1));
    let offset = if inner_h == 0 {
        0
    } else {
        sel.saturating_sub(inner_h - 1)
    };
    let rows: Vec<Row> = app
        .log
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h.max(1))
        .map(|(i, e)| {
            let ok = e.result == "ok";
            let mut cells = vec![
                Cell::from(format!("{}{}", if i == sel { ">" } else { " " }, e.time)),
                Cell::from(if wide {
                    e.action.clone()
                } else {
                    short_action(&e.action).to_string()
                }),
            ];
            if wide {
                cells.push(Cell::from(e.attempt.to_string()));
            }
            cells.push(Cell::from(Span::styled(
                if e.will_retry {
                    format!("↻ {}", e.result)
                } else {
                    e.result.clone()
                },
                if ok { theme.ok() } else { theme.danger() },
            )));
            cells.push(Cell::from(
                e.request_id.clone().unwrap_or_else(|| "-".into()),
            ));
            if wide {
                cells.push(Cell::from(format!("{}ms", e.elapsed_ms)));
            }
            let row = Row::new(cells);
            if i == sel {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let (widths, head) = if wide {
        (
            vec![
                Constraint::Length(9),
                Constraint::Length(33),
                Constraint::Length(2),
                Constraint::Min(16),
                Constraint::Length(36),
                Constraint::Length(8),
            ],
            vec![" TIME", "ACTION", "#", "RESULT", "REQUEST ID", "TOOK"],
        )
    } else {
        (
            vec![
                Constraint::Length(9),
                Constraint::Length(21),
                Constraint::Length(18),
                Constraint::Min(12),
            ],
            vec![" TIME", "ACTION", "RESULT", "REQUEST ID"],
        )
    };
    let [table_area, detail] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    f.render_widget(
        Table::new(rows, widths)
            .column_spacing(1)
            .header(Row::new(head).style(theme.title()))
            .block(Block::default().borders(Borders::ALL).title(format!(
                " Command log · {} API calls this session ",
                app.log.len()
            ))),
        table_area,
    );
    if let Some(e) = app.log.get(sel) {
        f.render_widget(
            Paragraph::new(format!(
                "RequestId {} · {} · attempt {} · {}{} · {}ms",
                e.request_id.as_deref().unwrap_or("-"),
                e.action,
                e.attempt,
                e.result,
                if e.will_retry { " (retried)" } else { "" },
                e.elapsed_ms
            ))
            .style(theme.muted()),
            detail,
        );
    }
}

fn render_help(app: &App, f: &mut Frame, area: Rect, theme: &Theme, scroll: u16) {
    let r = centered(area, 76, area.height);
    f.render_widget(Clear, r);
    let mut lines = vec![Line::styled(
        "Keys (arrows and vi keys both move; Ctrl-C quits, asking while a switch runs)",
        theme.muted(),
    )];
    for (name, binds) in keymap::help_sections(app.header.read_only) {
        lines.push(Line::styled(name, theme.title()));
        for (k, label) in binds {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<22}"), theme.key()),
                Span::raw(label),
            ]));
        }
    }
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Help · Esc closes "),
        ),
        r,
    );
}

/// The region picker: a filter line and the matching regions, the current one marked.
fn render_region(app: &App, f: &mut Frame, area: Rect, theme: &Theme, filter: &str, sel: usize) {
    let choices = crate::tui::app::region_choices(filter);
    let r = centered(area, 50, area.height.min(20));
    f.render_widget(Clear, r);
    let inner_h = r.height.saturating_sub(3) as usize;
    let offset = sel.saturating_sub(inner_h.saturating_sub(1));
    let mut lines = vec![Line::from(vec![
        Span::styled("region: ", theme.key()),
        Span::styled(filter.to_string(), theme.input()),
    ])];
    if choices.is_empty() {
        lines.push(Line::styled(
            "no such region in the list; Enter uses the id as typed",
            theme.muted(),
        ));
    }
    for (i, (id, name)) in choices.iter().enumerate().skip(offset).take(inner_h) {
        let cur = *id == app.header.region;
        let text = format!(
            "{}{:<24}{}{}",
            if i == sel { ">" } else { " " },
            id,
            name,
            if cur { " (current)" } else { "" }
        );
        lines.push(if i == sel {
            Line::styled(text, theme.selected())
        } else {
            Line::raw(text)
        });
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Region · type to filter · Enter uses it "),
        ),
        r,
    );
}

/// A message to read in full (wrapped; scrolls when it does not fit).
fn render_alert(f: &mut Frame, area: Rect, theme: &Theme, title: &str, text: &str, scroll: u16) {
    let w = area.width.min(76);
    let inner = w.saturating_sub(2).max(1) as usize;
    let needed: usize = text
        .lines()
        .map(|l| l.chars().count().div_ceil(inner).max(1))
        .sum::<usize>()
        + 2;
    let r = centered(area, w, (needed as u16).min(area.height));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {title} "))
                    .border_style(theme.danger()),
            ),
        r,
    );
}

fn render_ask(f: &mut Frame, area: Rect, theme: &Theme, title: &str, text: &str) {
    let r = centered(area, 60, 7);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(text.to_string()),
            Line::raw(""),
            Line::from(vec![
                Span::styled("y", theme.key()),
                Span::raw(" yes   "),
                Span::styled("n/Esc", theme.key()),
                Span::raw(" no"),
            ]),
        ])
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} "))
                .border_style(theme.warning()),
        ),
        r,
    );
}
