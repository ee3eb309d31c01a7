//! Widgets and layout facts below the screens: text that fits (cut with `…`, wrapped by
//! word, ids kept whole), scrolling that stops at the end, the body's area, boxes in
//! the middle, the error banner, the help text. Imports no screen.

pub(crate) use crate::present::endpoint_long;
use crate::tui::keymap::{self, Context};
use crate::tui::shared::{Banner, Overlay};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;
/// Cuts a cell's text to `w` characters; control characters and escapes from the
/// service are shown visibly (the same cleaning as the command line).
pub(crate) fn fit(s: &str, w: usize) -> String {
    crate::present::truncate(&crate::text::clean(s), w)
}
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
/// The footer line of a banner whose message was cut.
pub(crate) const BANNER_MORE: &str = "e shows all of the message";
/// The error banner's rows at `width` columns, at most `max_rows` of them (borders not
/// counted), the message in at most `message_rows`: what failed and the Code, the
/// service's message, the RequestId, the next step and `r retries`. The next step is
/// never cut: the message gives way first (its last row then ends with `…`, and `e`
/// shows all of it).
pub(crate) fn banner_lines(
    b: &Banner,
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

/// A typed-confirmation box of `h` rows, centred, drawn over what is below: red against
/// production. Its inner area.
pub(crate) fn confirm_box(
    f: &mut ratatui::Frame,
    area: Rect,
    h: u16,
    title: &str,
    production: bool,
    theme: &Theme,
) -> Rect {
    let r = centered(area, 70, h);
    f.render_widget(ratatui::widgets::Clear, r);
    let block = Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .title(title.to_string())
        .border_style(if production {
            theme.danger()
        } else {
            theme.title()
        });
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// `s` cut to `w` characters with `…`, but not inside `keep` when `keep` fits whole.
pub(crate) fn truncate_keeping(s: &str, w: usize, keep: &str) -> String {
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
/// The help box's area in the body.
pub(crate) fn help_area(body: Rect) -> Rect {
    centered(body, 76, body.height)
}
/// The body's area on a terminal of `size` (below the header, above notice and footer).
pub(crate) fn body_of(size: (u16, u16)) -> Rect {
    Rect::new(0, 1, size.0, size.1.saturating_sub(3))
}
/// The help text at `width`: the current screen's keys first (see
/// [`keymap::help_sections_for`]).
pub(crate) fn help_lines(
    ctx: Context,
    read_only: bool,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        "Keys (arrows and vi keys move; Ctrl-C quits, asking while a switch runs; Ctrl-Z suspends, fg resumes)",
        theme.muted(),
    )];
    let sections = keymap::help_sections_for(Some(ctx), read_only);
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
/// `ctx` is the context of the screen under the overlay.
pub(crate) fn help_max_scroll(ctx: Context, read_only: bool, size: (u16, u16)) -> u16 {
    let r = help_area(body_of(size));
    let lines = help_lines(
        ctx,
        read_only,
        &Theme { color: false },
        r.width.saturating_sub(2) as usize,
    );
    clamp_scroll(lines.len(), r.height.saturating_sub(2) as usize, u16::MAX).0
}
/// A message to read in full (wrapped; scrolls when it does not fit).
/// The alert's box and its text wrapped to it (the same wrapping as help and preview,
/// so the box is as tall as its rows and the last row is never lost).
pub(crate) fn alert_layout(body: Rect, text: &str) -> (Rect, Vec<Line<'static>>) {
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
pub(crate) fn alert_max_scroll(overlay: Option<&Overlay>, size: (u16, u16)) -> u16 {
    let Some(Overlay::Alert { text, .. }) = overlay else {
        return 0;
    };
    let (r, lines) = alert_layout(body_of(size), text);
    clamp_scroll(lines.len(), r.height.saturating_sub(2) as usize, u16::MAX).0
}
/// Rows a screen shows above its table for another part of it (the jobs screen: the
/// fleet search's prompt or answer), and where the cursor goes in the first one.
#[derive(Debug, Default)]
pub struct FindRows {
    pub lines: Vec<Line<'static>>,
    /// The cursor's column in the first row (a prompt is open).
    pub cursor: Option<u16>,
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
