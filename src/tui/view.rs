//! Rendering: a pure function of the [`App`] state.

use crate::domain::rules::{FieldId, InstanceType, Need};
use crate::domain::Topology;

use crate::tui::app::App;
use crate::tui::form::Item;
use crate::tui::keymap;
use crate::tui::shared::{Overlay, Screen, Target};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
pub use crate::tui::widgets::{too_small, MIN_HEIGHT, MIN_WIDTH};
use crate::tui::{batch, confirm, fleet, jobs, log, preview, progress};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn render(app: &App, f: &mut Frame, theme: &Theme) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = too_small(area.width, area.height);
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
        Screen::Jobs => {
            let find = fleet::find_rows(&app.shell, &app.fleet, theme, body.width as usize);
            jobs::render(
                &app.shell,
                &app.jobs,
                (&app.fleet, find),
                f,
                body,
                theme,
                compact,
            )
        }
        Screen::Form => render_form(app, f, body, theme),
        Screen::Preview => preview::render(&app.shell, f, body, theme),
        Screen::Confirm => {
            preview::render(&app.shell, f, body, theme);
            confirm::render(&app.shell, f, body, theme);
        }
        Screen::Progress => {
            if let Some(p) = &app.progress {
                progress::render(&app.shell, p, app.busy(), f, body, theme)
            }
        }
        Screen::Log => log::render(&app.shell, f, body, theme),
        Screen::BatchPreview => batch::render_preview(&app.shell, &app.fleet, f, body, theme),
        Screen::BatchConfirm => {
            batch::render_preview(&app.shell, &app.fleet, f, body, theme);
            batch::render_confirm(&app.shell, &app.fleet, f, body, theme);
        }
        Screen::BatchProgress => batch::render_progress(&app.shell, &app.fleet, f, body, theme),
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

fn type_help(t: InstanceType) -> &'static str {
    t.spec().when
}

fn render_form(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(form) = &app.form else { return };
    let job = &form.job;
    let title = match form.fleet {
        Some(n) => format!(
            " Fail over {n} marked job{} · one new endpoint ",
            if n == 1 { "" } else { "s" }
        ),
        None => format!(
            " Switch endpoint · {} {} · {} ",
            crate::text::clean(&job.id),
            crate::text::clean(&job.name),
            form.topology().as_str()
        ),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(fit_title(&title, area.width));
    let outer = block.inner(area);
    let [inner, msg_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(outer);
    let focused = form.focused();
    let mark = |item: Item| if item == focused { ">" } else { " " };
    let radio = |on: bool| if on { "(•)" } else { "( )" };
    // ↓ moves to the next field; the first time a choice row is focused it says how
    // to choose in it.
    let choose_hint = |show: bool| if show { " ←/→ to choose" } else { "" };
    let mut lines: Vec<Line> = vec![];
    let mut cursor: Option<(u16, u16)> = None;
    if let Some(n) = form.fleet {
        lines.push(Line::styled("1 The old database", theme.title()));
        lines.push(Line::styled(
            format!(
                "  {} · each of the {n} jobs on the side where the search found it",
                app.fleet
                    .found
                    .as_ref()
                    .map(|f| f.query.text())
                    .unwrap_or_default()
            ),
            theme.muted(),
        ));
    }
    let sides: &[crate::domain::Side] = if form.fleet.is_some() {
        &[]
    } else {
        lines.push(Line::styled(
            "1 Which database was switched over?",
            theme.title(),
        ));
        &[
            crate::domain::Side::Source,
            crate::domain::Side::Destination,
        ]
    };
    for &side in sides {
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
                choose_hint(on && form.side == side && !form.chose_once),
                theme.key(),
            ),
            Span::styled(
                format!(" now {}", endpoint_long(form.current_of(side))),
                theme.muted(),
            ),
        ]));
    }
    if let Some((note, refused)) = form.side_note().filter(|_| form.fleet.is_none()) {
        // Said before the fields: e.g. a database reached through Database Gateway
        // cannot be switched with this API at all.
        lines.extend(wrap_line(
            &Line::styled(
                format!("! {}", crate::text::clean(&note)),
                if refused {
                    theme.danger()
                } else {
                    theme.warning()
                },
            ),
            inner.width as usize,
        ));
    }
    lines.push(Line::styled(
        "2 How does DTS reach the new database?",
        theme.title(),
    ));
    for &t in form.types() {
        let on = focused == Item::Type && form.itype == t;
        let style = if on { theme.selected() } else { theme.base() };
        lines.push(Line::from(vec![
            Span::raw(if on { "> " } else { "  " }),
            Span::styled(
                format!("{} {:<14}", radio(form.itype == t), t.as_str()),
                style,
            ),
            Span::styled(choose_hint(on && !form.chose_once), theme.key()),
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
        let warning = form.warning_for(item);
        let status = match (&err, value.trim().is_empty()) {
            (Some(e), _) => Span::styled(format!(" ✗ {e}"), theme.danger()),
            (None, false) if warning.is_some() => Span::styled(
                format!(
                    " ! {}",
                    crate::domain::rules::non_public_address(value).unwrap_or("see below")
                ),
                theme.warning(),
            ),
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
                _ => "Instance ID",
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
    if form.items().contains(&Item::DatabaseName) {
        text_item(&mut lines, Item::DatabaseName, "Database name", false);
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
        _ if form.fleet.is_some() => {}
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
    {
        use crate::domain::family::ApiChoice;
        let api_on = focused == Item::Api;
        let mut spans = vec![
            Span::raw(format!("{} ", mark(Item::Api))),
            Span::styled("API  ", tstyle(Item::Api)),
        ];
        for a in crate::tui::form::API_CHOICES {
            let on = form.api == a;
            spans.push(Span::styled(
                format!("{} {}  ", radio(on), a.as_str()),
                if on && api_on {
                    theme.selected()
                } else {
                    theme.base()
                },
            ));
        }
        spans.push(Span::styled(
            match form.api {
                ApiChoice::Auto if form.fleet.is_some() => "(each job's own family)".into(),
                ApiChoice::Auto => match form.job.family {
                    Some(f) => format!("({} job)", f.as_str()),
                    None => "(the dry run decides)".into(),
                },
                ApiChoice::Legacy => "(SwitchSynchronizationEndpoint)".into(),
                ApiChoice::Maintained => "(ModifyDtsJobEndpoint)".into(),
            },
            theme.muted(),
        ));
        lines.push(Line::from(spans));
    }
    let calls = if form.topology() == Topology::TwoWay {
        2
    } else {
        1
    };
    if app.planning.is_some() {
        lines.push(Line::styled(
            format!(
                "{} {} Esc stops waiting",
                SPINNER[app.spinner % 4],
                crate::tui::app::CHECKING
            ),
            theme.warning(),
        ));
    } else if let Some(n) = form.fleet {
        let planning = app.fleet.planning.is_some();
        lines.push(Line::styled(
            if planning {
                format!(
                    "{} planning {n} jobs (dry runs where the job is new-version)… Esc stops waiting",
                    SPINNER[app.spinner % 4]
                )
            } else {
                format!("Enter previews the calls of {n} jobs · nothing is sent before you confirm")
            },
            if planning {
                theme.warning()
            } else {
                theme.muted()
            },
        ));
    } else {
        lines.push(Line::styled(
            format!(
                "Enter previews the {calls} call{} · nothing is sent before you confirm",
                if calls == 1 { "" } else { "s" }
            ),
            theme.muted(),
        ));
    }
    let message = match (form.error_for(focused), form.warning_for(focused)) {
        (Some(e), _) => Some((e, theme.danger())),
        (None, Some(w)) => Some((w, theme.warning())),
        _ => None,
    };
    if let Some((e, style)) = message {
        // Each parameter as the job's API names it (both names while it is not known).
        let api = match (form.maintained_sure(), form.maintained_possible()) {
            (true, _) => Some(true),
            (false, false) => Some(false),
            (false, true) => None,
        };
        let param = match focused {
            Item::Field(f) => crate::domain::rules::param_in(f.param(), api),
            Item::OwnerId => crate::domain::rules::param_in(crate::domain::rules::OWNER_PARAM, api),
            Item::Role => crate::domain::rules::param_in(crate::domain::rules::ROLE_PARAM, api),
            Item::DatabaseName => "Database",
            Item::Topology => "topology",
            _ => "",
        };
        f.render_widget(
            Paragraph::new(Line::styled(format!("! {param}: {e}"), style))
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
    // The rows below the fold (e.g. the API choice under nine instance types) are
    // said to be there.
    let more = lines.len() > scroll as usize + inner.height as usize;
    f.render_widget(more_below(block, more, theme), area);
    // A line wider than the box is cut at a word or field, with `…`.
    let lines: Vec<Line> = lines
        .iter()
        .map(|l| fit_line(l, inner.width as usize))
        .collect();
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

fn render_help(app: &App, f: &mut Frame, area: Rect, theme: &Theme, scroll: u16) {
    let r = help_area(area);
    f.render_widget(Clear, r);
    let lines = help_lines(
        app.screen_context(),
        app.header.read_only,
        theme,
        r.width.saturating_sub(2) as usize,
    );
    let (scroll, more) = clamp_scroll(lines.len(), r.height.saturating_sub(2) as usize, scroll);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(more_below(
            Block::default()
                .borders(Borders::ALL)
                .title(" Help · Esc closes "),
            more,
            theme,
        )),
        r,
    );
}

/// The region picker: a filter line and the matching regions, the current one marked.
fn render_region(app: &App, f: &mut Frame, area: Rect, theme: &Theme, filter: &str, sel: usize) {
    let choices = crate::tui::shared::region_choices(filter);
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
        // Ticked for `f` (find): a column of its own once any region is ticked.
        let tick = match (
            app.fleet.regions.is_empty(),
            app.fleet.regions.iter().any(|r| r == id),
        ) {
            (true, _) => "",
            (false, true) => "[x] ",
            (false, false) => "[ ] ",
        };
        let text = format!(
            "{}{tick}{:<24}{}{}",
            if i == sel { ">" } else { " " },
            id,
            name,
            if cur { " (current)" } else { "" },
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

fn render_alert(f: &mut Frame, area: Rect, theme: &Theme, title: &str, text: &str, scroll: u16) {
    let (r, lines) = alert_layout(area, text);
    let (scroll, more) = clamp_scroll(lines.len(), r.height.saturating_sub(2) as usize, scroll);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(more_below(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} "))
                .border_style(theme.danger()),
            more,
            theme,
        )),
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
