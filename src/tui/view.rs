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

/// The display width of a character (CJK takes two columns).
fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// `line` wrapped at `width` columns, word by word (a word longer than a row is cut
/// across rows), each row keeping its styles. Leading blanks of the first row are kept
/// (indentation); a row never starts with the blank that ended the one before. Drawn
/// without ratatui's wrapping, so the number of rows on screen is known: screens that
/// must keep a line visible or say that more is below count them exactly.
pub(crate) fn wrap_line(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    use ratatui::style::Style;
    let width = width.max(1);
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|sp| {
            let st = line.style.patch(sp.style);
            sp.content.chars().map(move |c| (c, st))
        })
        .collect();
    let mut rows: Vec<Vec<(char, Style)>> = vec![vec![]];
    let mut row_w = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let blank = chars[i].0 == ' ';
        let mut j = i;
        while j < chars.len() && (chars[j].0 == ' ') == blank {
            j += 1;
        }
        let token = &chars[i..j];
        let tw: usize = token.iter().map(|(c, _)| char_width(*c)).sum();
        let first_row = rows.len() == 1;
        if blank {
            if row_w + tw <= width && (first_row || row_w > 0) {
                rows.last_mut().expect("a row").extend_from_slice(token);
                row_w += tw;
            } else if row_w + tw > width && row_w > 0 {
                rows.push(vec![]);
                row_w = 0;
            }
        } else {
            if row_w > 0 && row_w + tw > width && tw <= width {
                rows.push(vec![]);
                row_w = 0;
            }
            for &(c, st) in token {
                let cw = char_width(c);
                if row_w + cw > width && row_w > 0 {
                    rows.push(vec![]);
                    row_w = 0;
                }
                rows.last_mut().expect("a row").push((c, st));
                row_w += cw;
            }
        }
        i = j;
    }
    let last = rows.len() - 1;
    rows.into_iter()
        .enumerate()
        .map(|(n, mut row)| {
            // A row that was broken does not end with the blank it was broken at.
            if n < last {
                while row.last().is_some_and(|(c, _)| *c == ' ') {
                    row.pop();
                }
            }
            let mut spans: Vec<Span<'static>> = vec![];
            let mut cur = String::new();
            let mut cur_st = None;
            for (c, st) in row {
                if cur_st != Some(st) && !cur.is_empty() {
                    spans.push(Span::styled(
                        std::mem::take(&mut cur),
                        cur_st.unwrap_or_default(),
                    ));
                }
                cur_st = Some(st);
                cur.push(c);
            }
            if !cur.is_empty() {
                spans.push(Span::styled(cur, cur_st.unwrap_or_default()));
            }
            Line::from(spans)
        })
        .collect()
}

/// Every line wrapped at `width` (see [`wrap_line`]).
pub(crate) fn wrap_lines(lines: &[Line<'_>], width: usize) -> Vec<Line<'static>> {
    lines.iter().flat_map(|l| wrap_line(l, width)).collect()
}

/// The rows of a scrolled box: `lines` from `scroll` (clamped so the last row is at the
/// bottom at most), and whether more is below. Returns (scroll used, more below).
pub(crate) fn clamp_scroll(total: usize, visible: usize, scroll: u16) -> (u16, bool) {
    let max = total.saturating_sub(visible);
    let s = (scroll as usize).min(max);
    (s as u16, s < max)
}

/// `text` cut to `w` columns with `…` at its end, at a word or field boundary (a blank)
/// when one is in its second half, so no token is shown half ("· tw", "(MyS"); a text
/// that fits is returned whole. `always` adds the `…` also to a text that fits (more
/// follows it).
pub(crate) fn ellipsize(text: &str, w: usize, always: bool) -> String {
    let width: usize = text.chars().map(char_width).sum();
    if width <= w && !(always && width > 0) {
        return text.to_string();
    }
    if w == 0 {
        return String::new();
    }
    if always && width < w {
        return format!("{}…", text.trim_end());
    }
    // Characters that fit with the `…`.
    let mut fit = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = char_width(c);
        if used + cw > w - 1 {
            break;
        }
        fit.push(c);
        used += cw;
    }
    let seps: &[char] = &['·', '-', ',', ':', '(', ';', ' '];
    let next_is_blank = text[fit.len()..].starts_with(' ');
    let head = if next_is_blank {
        Some(fit.as_str())
    } else {
        // The last blank in the second half: else the cut token shows its start.
        fit.rfind(' ').map(|b| &fit[..b]).filter(|head| {
            let head_w: usize = head.chars().map(char_width).sum();
            head_w * 2 >= w.saturating_sub(1)
        })
    };
    match head.map(|h| h.trim_end_matches(seps)) {
        // A blank before the `…`: the last word shown is whole (when there is room).
        Some(h) if !h.is_empty() => {
            let hw: usize = h.chars().map(char_width).sum();
            if hw + 2 <= w {
                return format!("{h} …");
            }
            // No room for the blank: one word less, when that keeps the second half.
            match h.rfind(' ').map(|b| h[..b].trim_end_matches(seps)) {
                Some(h2) if h2.chars().map(char_width).sum::<usize>() * 2 >= w => {
                    format!("{h2} …")
                }
                _ => format!("{h}…"),
            }
        }
        _ => format!("{}…", fit.trim_end()),
    }
}

/// `line` with its text ellipsized (see [`ellipsize`]) in the style of its first span.
pub(crate) fn ellipsize_line(line: &Line<'_>, w: usize, always: bool) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let style = line
        .spans
        .first()
        .map(|s| line.style.patch(s.style))
        .unwrap_or(line.style);
    Line::styled(ellipsize(&text, w, always), style)
}

/// `line` cut to `w` columns as [`ellipsize`] cuts it (at a word or field, with `…`),
/// each kept character in its own style; a line that fits is returned as it is.
pub(crate) fn fit_line(line: &Line<'_>, w: usize) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let width: usize = text.chars().map(char_width).sum();
    if width <= w {
        return Line::from(
            line.spans
                .iter()
                .map(|s| Span::styled(s.content.to_string(), line.style.patch(s.style)))
                .collect::<Vec<_>>(),
        );
    }
    let cut = ellipsize(&text, w, false);
    let tail = if cut.ends_with(" …") { " …" } else { "…" };
    let mut keep = cut.chars().count() - tail.chars().count();
    let mut spans: Vec<Span<'static>> = vec![];
    let mut last_style = line.style;
    for sp in &line.spans {
        if keep == 0 {
            break;
        }
        let st = line.style.patch(sp.style);
        let part: String = sp.content.chars().take(keep).collect();
        keep -= part.chars().count();
        last_style = st;
        spans.push(Span::styled(part, st));
    }
    spans.push(Span::styled(tail, last_style));
    Line::from(spans)
}

/// A block title cut to the block's width (`area_w` columns, corners not counted).
pub(crate) fn fit_title(title: &str, area_w: u16) -> String {
    let w = area_w.saturating_sub(2) as usize;
    let t = ellipsize(title, w, false);
    if t.ends_with('…') && w > 0 {
        // Room for a blank after the `…`, as the whole title has one.
        format!("{} ", ellipsize(title, w.saturating_sub(1), false))
    } else {
        t
    }
}

/// Rows for a box of `h` rows: `body`, then a blank, then `pinned` at the bottom. When
/// they do not all fit, `pinned` wins: the blank goes first, then body rows (the last
/// one shown ends with `…`); `pinned` is cut only when it alone is taller than the box.
/// Returns the rows and whether something was left out.
pub(crate) fn pin_below(
    mut body: Vec<Line<'static>>,
    mut pinned: Vec<Line<'static>>,
    h: usize,
    w: usize,
) -> (Vec<Line<'static>>, bool) {
    if pinned.is_empty() {
        let cut = body.len() > h;
        if cut {
            body.truncate(h);
            if let Some(l) = body.last_mut() {
                *l = ellipsize_line(l, w, true);
            }
        }
        return (body, cut);
    }
    if body.len() + 1 + pinned.len() <= h {
        body.push(Line::raw(""));
        body.extend(pinned);
        return (body, false);
    }
    if body.len() + pinned.len() <= h {
        body.extend(pinned);
        return (body, false);
    }
    if pinned.len() >= h {
        let cut = pinned.len() > h || !body.is_empty();
        if pinned.len() > h {
            pinned.truncate(h);
            if let Some(l) = pinned.last_mut() {
                *l = ellipsize_line(l, w, true);
            }
        }
        return (pinned, cut);
    }
    body.truncate(h - pinned.len());
    if let Some(l) = body.last_mut() {
        *l = ellipsize_line(l, w, true);
    }
    body.extend(pinned);
    (body, true)
}

/// A block's bottom-right marker that more is below (`↓ more`).
pub(crate) fn more_below<'a>(block: Block<'a>, more: bool, theme: &Theme) -> Block<'a> {
    if more {
        block.title_bottom(Line::styled(" ↓ more ", theme.key()).right_aligned())
    } else {
        block
    }
}

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

/// The smallest terminal the TUI draws in (a compact layout below 80x24).
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// What a terminal smaller than the minimum shows: the real minimum, and what is short.
pub fn too_small(w: u16, h: u16) -> String {
    let mut short = vec![];
    if w < MIN_WIDTH {
        let n = MIN_WIDTH - w;
        short.push(format!("{n} more column{}", if n == 1 { "" } else { "s" }));
    }
    if h < MIN_HEIGHT {
        let n = MIN_HEIGHT - h;
        short.push(format!("{n} more row{}", if n == 1 { "" } else { "s" }));
    }
    format!(
        "terminal too small: have {w}x{h}, need at least {MIN_WIDTH}x{MIN_HEIGHT} ({}); 80x24 shows everything",
        short.join(" and ")
    )
}

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
        Screen::Jobs => render_jobs(app, f, body, theme, compact),
        Screen::Form => render_form(app, f, body, theme),
        Screen::Preview => render_preview(app, f, body, theme),
        Screen::Confirm => {
            render_preview(app, f, body, theme);
            render_confirm(app, f, body, theme);
        }
        Screen::Progress => render_progress(app, f, body, theme),
        Screen::Log => render_log(app, f, body, theme),
        Screen::BatchPreview => crate::tui::batch::render_preview(app, f, body, theme),
        Screen::BatchConfirm => {
            crate::tui::batch::render_preview(app, f, body, theme);
            crate::tui::batch::render_confirm(app, f, body, theme);
        }
        Screen::BatchProgress => crate::tui::batch::render_progress(app, f, body, theme),
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

/// The footer line of a banner whose message was cut.
pub(crate) const BANNER_MORE: &str = "e shows all of the message";

/// The error banner's rows at `width` columns, at most `max_rows` of them (borders not
/// counted), the message in at most `message_rows`: what failed and the Code, the
/// service's message, the RequestId, the next step and `r retries`. The next step is
/// never cut: the message gives way first (its last row then ends with `…`, and `e`
/// shows all of it).
pub(crate) fn banner_lines(
    b: &crate::tui::app::Banner,
    theme: &Theme,
    width: usize,
    max_rows: usize,
    message_rows: usize,
) -> Vec<Line<'static>> {
    let title = wrap_line(
        &Line::from(vec![
            Span::styled("! ", theme.danger()),
            Span::styled(
                format!(
                    "{}{}",
                    b.what,
                    b.code
                        .as_deref()
                        .map(|c| format!(": {}", crate::text::clean(c)))
                        .unwrap_or_default()
                ),
                theme.danger(),
            ),
        ]),
        width,
    );
    let mut message = wrap_line(
        &Line::raw(crate::text::clean(&b.message).into_owned()),
        width,
    );
    let mut after = vec![];
    if let Some(r) = &b.request_id {
        after.extend(wrap_line(
            &Line::raw(format!("RequestId: {}", crate::text::clean(r))),
            width,
        ));
    }
    if let Some(n) = &b.next {
        after.extend(wrap_line(&Line::raw(format!("next step: {n}")), width));
    }
    let fixed = title.len() + after.len() + 1;
    let room = max_rows.saturating_sub(fixed).min(message_rows);
    let cut = message.len() > room;
    if cut {
        message.truncate(room);
        if let Some(last) = message.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let keep: String = text.chars().take(width.saturating_sub(1)).collect();
            *last = Line::raw(format!("{}…", keep.trim_end()));
        }
    }
    let mut v = title;
    v.extend(message);
    v.extend(after);
    v.push(Line::styled(
        if cut {
            format!("r retries · {BANNER_MORE}")
        } else {
            "r retries".to_string()
        },
        theme.muted(),
    ));
    v
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
        let param = match focused {
            Item::Field(f) => f.param(),
            Item::OwnerId => crate::domain::rules::OWNER_PARAM,
            Item::Role => crate::domain::rules::ROLE_PARAM,
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
            format!("! {}", crate::tui::app::DRY_RUN_FAILED),
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
pub(crate) fn preview_max_scroll(app: &App) -> u16 {
    let body = body_of(app.size);
    let lines = wrap_lines(
        &plan_lines(app, &Theme { color: false }),
        body.width.saturating_sub(2) as usize,
    );
    clamp_scroll(
        lines.len(),
        body.height.saturating_sub(2) as usize,
        u16::MAX,
    )
    .0
}

fn render_preview(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
    let lines = wrap_lines(
        &plan_lines(app, theme),
        area.width.saturating_sub(2) as usize,
    );
    let (scroll, more) = clamp_scroll(
        lines.len(),
        area.height.saturating_sub(2) as usize,
        app.preview.as_ref().map(|p| p.scroll).unwrap_or(0),
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
    let w = inner.width as usize;
    let id = crate::text::clean(&pv.plan.job_id).into_owned();
    // One row per line, never wrapped: the input is always on the row after the prompt,
    // and the job id (typed to confirm) is never cut; other text is cut with `…`.
    let row = |s: String| truncate_keeping(&s, w, &id);
    let input = app.confirm.input.value();
    let box_w = (id.chars().count() + 1)
        .max(40)
        .min(w.saturating_sub(2).max(1));
    let scroll = app.confirm.input.visual_scroll(box_w);
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
            short_endpoint(&app.header.endpoint)
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
            row(app.confirm.message.clone().unwrap_or_default()),
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
        + app
            .confirm
            .input
            .visual_cursor()
            .saturating_sub(scroll)
            .min(box_w) as u16;
    f.set_cursor_position(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + 4,
    ));
}

/// `s` cut to `w` characters with `…`, but not inside `keep` when `keep` fits whole.
fn truncate_keeping(s: &str, w: usize, keep: &str) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    match s
        .find(keep)
        .map(|i| s[..i].chars().count() + keep.chars().count())
    {
        // `keep` ends at the last column: no room for the `…`.
        Some(end) if end == w => s.chars().take(w).collect(),
        _ => crate::present::truncate(s, w),
    }
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

/// A RequestId in rows of at most `w` columns, broken after a `-` where it can be: a
/// RequestId is never cut, it wraps.
pub(crate) fn wrap_id(id: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut rows: Vec<String> = vec![String::new()];
    for piece in id.split_inclusive('-') {
        let cur = rows.last_mut().expect("a row");
        if cur.chars().count() + piece.chars().count() <= w {
            cur.push_str(piece);
            continue;
        }
        if !cur.is_empty() {
            rows.push(String::new());
        }
        for c in piece.chars() {
            let cur = rows.last_mut().expect("a row");
            if cur.chars().count() >= w {
                rows.push(String::new());
            }
            rows.last_mut().expect("a row").push(c);
        }
    }
    rows
}

fn render_log(app: &App, f: &mut Frame, area: Rect, theme: &Theme) {
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
    let sel = app.log_selected.min(app.log.len().saturating_sub(1));
    let long_id = app
        .log
        .get(sel)
        .and_then(|e| e.request_id.as_deref())
        .is_some_and(|r| r.chars().count() + 10 > area.width as usize);
    let inner_h = area.height.saturating_sub(4 + u16::from(long_id)) as usize;
    let ids: Vec<Vec<String>> = app
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
    let rows: Vec<Row> = app
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
    let below = app.log.get(sel).map(|e| {
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
                app.log.len()
            ))),
        table_area,
    );
    if let Some(lines) = below {
        f.render_widget(Paragraph::new(lines).style(theme.muted()), detail);
    }
}

/// The help box's area in the body.
fn help_area(body: Rect) -> Rect {
    centered(body, 76, body.height)
}

/// The body's area on a terminal of `size` (below the header, above notice and footer).
pub(crate) fn body_of(size: (u16, u16)) -> Rect {
    Rect::new(0, 1, size.0, size.1.saturating_sub(3))
}

/// The help text at `width`: the current screen's keys first (see
/// [`keymap::help_sections_for`]).
fn help_lines(app: &App, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        "Keys (arrows and vi keys move; Ctrl-C quits, asking while a switch runs; Ctrl-Z suspends, fg resumes)",
        theme.muted(),
    )];
    let sections = keymap::help_sections_for(Some(app.screen_context()), app.header.read_only);
    for (i, (name, _, binds)) in sections.into_iter().enumerate() {
        lines.push(Line::styled(
            if i == 0 {
                format!("{name} (this screen)")
            } else {
                name.to_string()
            },
            theme.title(),
        ));
        for (k, label) in binds {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<22}"), theme.key()),
                Span::raw(label),
            ]));
        }
    }
    wrap_lines(&lines, width)
}

/// How far the help overlay scrolls on the app's terminal: its last line at the bottom.
pub(crate) fn help_max_scroll(app: &App) -> u16 {
    let r = help_area(body_of(app.size));
    let lines = help_lines(
        app,
        &Theme { color: false },
        r.width.saturating_sub(2) as usize,
    );
    clamp_scroll(lines.len(), r.height.saturating_sub(2) as usize, u16::MAX).0
}

fn render_help(app: &App, f: &mut Frame, area: Rect, theme: &Theme, scroll: u16) {
    let r = help_area(area);
    f.render_widget(Clear, r);
    let lines = help_lines(app, theme, r.width.saturating_sub(2) as usize);
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

/// A message to read in full (wrapped; scrolls when it does not fit).
/// The alert's box and its text wrapped to it (the same wrapping as help and preview,
/// so the box is as tall as its rows and the last row is never lost).
fn alert_layout(body: Rect, text: &str) -> (Rect, Vec<Line<'static>>) {
    let w = body.width.min(76);
    let lines = wrap_lines(
        &text
            .lines()
            .map(|l| Line::raw(l.to_string()))
            .collect::<Vec<_>>(),
        w.saturating_sub(2) as usize,
    );
    let h = (lines.len() as u16).saturating_add(2).min(body.height);
    (centered(body, w, h), lines)
}

/// How far the alert scrolls on this terminal: its last row at the bottom of the box.
pub(crate) fn alert_max_scroll(app: &App) -> u16 {
    let Some(Overlay::Alert { text, .. }) = &app.overlay else {
        return 0;
    };
    let (r, lines) = alert_layout(body_of(app.size), text);
    clamp_scroll(lines.len(), r.height.saturating_sub(2) as usize, u16::MAX).0
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

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Modifier, Style};

    fn rows(line: &Line<'_>, w: usize) -> Vec<String> {
        wrap_line(line, w)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wrapping_is_by_word_and_counts_columns() {
        assert_eq!(
            rows(&Line::raw("next step: check the credentials"), 12),
            ["next step:", "check the", "credentials"]
        );
        // A word longer than a row is cut across rows.
        assert_eq!(
            rows(&Line::raw("is:GET&%2F&AccessKeyId"), 8),
            ["is:GET&%", "2F&Acces", "sKeyId"]
        );
        // Indentation of the first row is kept; no row starts with a blank.
        assert_eq!(
            rows(&Line::raw("  RegionId   cn-hangzhou"), 12),
            ["  RegionId", "cn-hangzhou"]
        );
        // Wide characters take two columns.
        assert_eq!(rows(&Line::raw("数据库实例"), 4), ["数据", "库实", "例"]);
        assert_eq!(rows(&Line::raw(""), 10), [""]);
        for w in [2, 3, 7, 20] {
            for r in rows(&Line::raw("a bb ccc dddd eeeee 数据库"), w) {
                assert!(Line::raw(r.clone()).width() <= w, "{r:?} at {w}");
            }
        }
    }

    #[test]
    fn wrapping_keeps_styles() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![
            Span::raw("Target: "),
            Span::styled("PRODUCTION", bold),
        ]);
        let w = wrap_line(&line, 10);
        assert_eq!(w.len(), 2);
        assert_eq!(w[1].spans[0].content, "PRODUCTION");
        assert_eq!(w[1].spans[0].style, bold);
        let styled = wrap_line(&Line::styled("a b", bold), 10);
        assert!(styled[0].spans.iter().all(|s| s.style == bold));
    }

    #[test]
    fn a_cut_id_is_kept_whole_when_it_fits() {
        let id = "dtsa1b2c3d4e5f6g01";
        assert_eq!(
            truncate_keeping(&format!("for job {id} (a-name)."), 26, id),
            format!("for job {id}")
        );
        assert_eq!(
            truncate_keeping(&format!("for job {id} (a-name)."), 30, id),
            format!("for job {id} (a…")
        );
        assert_eq!(truncate_keeping("short", 30, id), "short");
    }

    #[test]
    fn ellipsize_cuts_at_a_word_or_field() {
        assert_eq!(ellipsize("fits whole", 10, false), "fits whole");
        assert_eq!(
            ellipsize("orders-mysql-dr · two-way", 20, false),
            "orders-mysql-dr …"
        );
        assert_eq!(
            ellipsize("now LocalInstance 47.98.12.34:3306 (MySQL)", 40, false),
            "now LocalInstance 47.98.12.34:3306 …"
        );
        // No blank in the second half: the token is cut, and says so.
        assert_eq!(ellipsize("abcdefghijklmnop", 8, false), "abcdefg…");
        // `always`: more follows a text that fits.
        assert_eq!(ellipsize("the start", 20, true), "the start…");
        assert_eq!(ellipsize("x", 0, false), "");
        // A word that ends one column short of the width: one word less, with the blank.
        assert_eq!(
            ellipsize("on a public IP address", 15, false),
            "on a public …"
        );
        for w in 1..40 {
            let t = ellipsize("RequestId 0DD6B201 · DescribeDtsJobs · attempt 1", w, false);
            assert!(t.chars().count() <= w, "{w}: {t:?}");
        }
    }

    #[test]
    fn the_pinned_rows_win() {
        let rows = |n: usize, what: &str| -> Vec<Line<'static>> {
            (0..n).map(|i| Line::raw(format!("{what} {i}"))).collect()
        };
        let text = |v: &[Line]| -> Vec<String> { v.iter().map(|l| l.to_string()).collect() };
        // All fit, with the blank between.
        let (v, cut) = pin_below(rows(2, "d"), rows(2, "n"), 5, 20);
        assert_eq!(text(&v), ["d 0", "d 1", "", "n 0", "n 1"]);
        assert!(!cut);
        // The blank goes first.
        let (v, cut) = pin_below(rows(2, "d"), rows(2, "n"), 4, 20);
        assert_eq!(text(&v), ["d 0", "d 1", "n 0", "n 1"]);
        assert!(!cut);
        // Then detail rows; the last one shown says more follows.
        let (v, cut) = pin_below(rows(5, "d"), rows(2, "n"), 4, 20);
        assert_eq!(text(&v), ["d 0", "d 1…", "n 0", "n 1"]);
        assert!(cut);
        // The next step alone taller than the box: its start, cut.
        let (v, cut) = pin_below(rows(1, "d"), rows(3, "n"), 2, 20);
        assert_eq!(text(&v), ["n 0", "n 1…"]);
        assert!(cut);
    }

    #[test]
    fn a_request_id_wraps_after_a_dash_and_is_never_lost() {
        let id = "0DD6B201-604B-4CAB-B6A8-4B2953B50001";
        assert_eq!(wrap_id(id, 36), [id]);
        assert_eq!(
            wrap_id(id, 27),
            ["0DD6B201-604B-4CAB-B6A8-", "4B2953B50001"]
        );
        for w in 1..40 {
            let rows = wrap_id(id, w);
            assert_eq!(rows.concat(), id, "{w}");
            assert!(rows.iter().all(|r| r.chars().count() <= w), "{w}: {rows:?}");
        }
    }
}
