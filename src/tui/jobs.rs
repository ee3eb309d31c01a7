//! The jobs screen: the listing's state (filter, sort, selection), its keys and its
//! rendering.

use crate::api::ops::EndpointInfo;
use crate::domain::guard::Refusal;
use crate::domain::Job;
use crate::text::clean;
use crate::tui::form::FormState;
use crate::tui::keymap::Action;
use crate::tui::shared::{
    move_sel, region_choices, Banner, Effect, FleetState, Overlay, Screen, Shell,
};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
use ratatui::prelude::*;
use ratatui::widgets::*;
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Listing,
    Name,
    Status,
    Delay,
}

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            SortKey::Listing => SortKey::Name,
            SortKey::Name => SortKey::Status,
            SortKey::Status => SortKey::Delay,
            SortKey::Delay => SortKey::Listing,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Listing => "as listed",
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Delay => "delay ↓",
        }
    }
}

#[derive(Debug, Clone)]
pub struct JobsView {
    pub all: Vec<Job>,
    /// Merges the running listing's entries into `all` (or `incoming`, for a refresh).
    pub merger: crate::domain::JobMerger,
    /// A refresh's rows, merged while the old ones stay on screen.
    pub incoming: Vec<Job>,
    /// (loaded, total) while pages arrive.
    /// While a listing runs: its progress in words.
    pub loading: Option<String>,
    /// The listing whose messages count (older ones are dropped).
    pub generation: u64,
    /// A refresh of a complete list runs: its old rows stay on screen until the
    /// listing ends (ready-made batches are not gathered; entries merge into `incoming`).
    pub refreshing: bool,
    /// `all` is a complete listing (it ended without an error). Until then the rows are
    /// provisional (a later page may still add a Reverse direction): no switch from them.
    pub complete: bool,
    /// Why DescribeDtsJobs could not be read (unknown topologies), from the last listing.
    pub two_way_error: Option<String>,
    pub error: Option<Banner>,
    pub filter: Input,
    pub filtering: bool,
    pub sort: SortKey,
    pub selected: usize,
}

impl Default for JobsView {
    fn default() -> Self {
        Self::new()
    }
}

impl JobsView {
    /// The screen before the first listing: loading, nothing selected.
    pub fn new() -> Self {
        JobsView {
            all: vec![],
            merger: Default::default(),
            incoming: vec![],
            loading: Some(String::new()),
            generation: 0,
            refreshing: false,
            complete: false,
            two_way_error: None,
            error: None,
            filter: Input::default(),
            filtering: false,
            sort: SortKey::Listing,
            selected: 0,
        }
    }

    pub fn visible(&self) -> Vec<&Job> {
        let needle = self.filter.value().trim().to_lowercase();
        let mut v: Vec<&Job> = self
            .all
            .iter()
            .filter(|j| {
                needle.is_empty()
                    || j.matches(&needle)
                    || j.detected_topology().as_str().contains(&needle)
            })
            .collect();
        match self.sort {
            SortKey::Listing => {}
            SortKey::Name => v.sort_by(|a, b| a.name.cmp(&b.name)),
            SortKey::Status => v.sort_by(|a, b| a.status().cmp(b.status())),
            SortKey::Delay => v.sort_by_key(|j| std::cmp::Reverse(j.delay_secs())),
        }
        v
    }

    /// Keeps the job `keep` selected (by id) after the list changed.
    pub fn keep_selection(&mut self, keep: Option<String>) {
        let vis = self.visible();
        let n = vis.len();
        let pos = keep.and_then(|id| vis.iter().position(|j| j.id == id));
        self.selected = pos.unwrap_or(self.selected).min(n.saturating_sub(1));
    }

    pub fn selected_job(&self) -> Option<&Job> {
        self.visible().get(self.selected).copied()
    }
}

/// Keys of the jobs screen (`busy`: a switch or a batch runs here). The keys that open
/// another screen's state (find, marks, progress, a failover) are the app's.
pub(crate) fn jobs_action(
    sh: &mut Shell,
    jobs: &mut JobsView,
    busy: bool,
    action: Action,
) -> Vec<Effect> {
    let n = jobs.visible().len();
    let page = sh.page.max(1) as isize;
    match action {
        Action::Up => move_sel(&mut jobs.selected, n, -1),
        Action::Down => move_sel(&mut jobs.selected, n, 1),
        Action::PageUp => move_sel(&mut jobs.selected, n, -page),
        Action::PageDown => move_sel(&mut jobs.selected, n, page),
        Action::Top => jobs.selected = 0,
        Action::Bottom => jobs.selected = n.saturating_sub(1),
        Action::Filter => jobs.filtering = true,
        Action::Sort => {
            jobs.sort = jobs.sort.next();
            jobs.selected = 0;
        }
        Action::Refresh => {
            // During a load too: the runner drops the old listing and starts again.
            jobs.loading = Some(String::new());
            return vec![Effect::LoadJobs];
        }
        Action::Log => {
            sh.log_return = Screen::Jobs;
            sh.screen = Screen::Log;
        }
        Action::Region => {
            if busy {
                sh.notice = Some("a switch is running; change the region when it has ended".into());
            } else {
                let current = region_choices("")
                    .iter()
                    .position(|(id, _)| *id == sh.header.region)
                    .unwrap_or(0);
                sh.overlay = Some(Overlay::Region {
                    filter: String::new(),
                    selected: current,
                });
            }
        }
        // `p`, `f`, Space, `a` and Enter with marks go to other screens: the app routes them.
        Action::ShowError => {
            if let Some(b) = &jobs.error {
                let mut text = format!(
                    "{}{}\n\n{}",
                    b.what,
                    b.code
                        .as_deref()
                        .map(|c| format!(": {}", clean(c)))
                        .unwrap_or_default(),
                    clean(&b.message)
                );
                if let Some(r) = &b.request_id {
                    text.push_str(&format!("\n\nRequestId: {}", clean(r)));
                }
                if let Some(n) = &b.next {
                    text.push_str(&format!("\nnext step: {n}"));
                }
                sh.overlay = Some(Overlay::Alert {
                    title: "The whole error".into(),
                    text,
                    scroll: 0,
                    plan_id: None,
                });
            }
        }
        Action::Copy => {
            if let Some(j) = jobs.selected_job() {
                let id = j.id.clone();
                sh.notice = Some(format!("copied job id {id}"));
                return vec![Effect::Copy(id)];
            }
        }
        Action::Open => {
            if busy {
                sh.notice = Some("a switch is running; wait for it to end (p shows it)".into());
            } else if !jobs.complete {
                // Rows of a listing that has not completed are provisional: a Reverse
                // entry or the DescribeDtsJobs answer may still change a topology.
                sh.notice = Some(if jobs.loading.is_some() {
                    "the listing is still loading (a job's topology may still change); Enter when it is done".into()
                } else {
                    "the listing did not complete (a job's topology may be wrong); r lists again"
                        .into()
                });
            } else if let Some(j) = jobs.selected_job() {
                // The guard answers first (a fresh read of the journal): a job with
                // an unfinished switch is refused before the form, not after it.
                return vec![Effect::CheckJob {
                    job_id: j.id.clone(),
                    job_ids: j.ids(),
                    region: sh.header.region.clone(),
                }];
            }
        }
        Action::Back => {
            jobs.filter = Input::default();
            jobs.selected = 0;
        }
        _ => {}
    }
    vec![]
}

/// The guard's answer before the form opens.
pub(crate) fn on_job_checked(
    sh: &mut Shell,
    jobs: &JobsView,
    job_id: &str,
    refusal: Option<Refusal>,
) -> Vec<Effect> {
    if let Some(r) = refusal {
        let plan_id = match &r {
            Refusal::OtherPlan { plan_id, .. } => Some(plan_id.clone()),
            _ => None,
        };
        let mut text = format!("{r}.\n\nNothing was sent.");
        if plan_id.is_some() {
            text.push_str(" Press p to see that switch.");
        }
        sh.overlay = Some(Overlay::Alert {
            title: format!("A new switch of {job_id} is refused"),
            text,
            scroll: 0,
            plan_id,
        });
        return vec![Effect::ReadJournal];
    }
    let Some(j) = jobs.all.iter().find(|j| j.id == job_id).cloned() else {
        sh.notice = Some(format!(
            "job {job_id} is no longer in the list (r refreshes)"
        ));
        return vec![];
    };
    // A fresh form: nothing typed for an earlier, abandoned switch comes back.
    sh.form = Some(FormState::new(j));
    sh.screen = Screen::Form;
    vec![]
}

/// A job's status as the table shows it: a failed one marked `!`, so it does not rest on
/// colour alone (NO_COLOR).
fn status_text(status: &str) -> String {
    if status.to_ascii_lowercase().contains("fail") {
        format!("! {status}")
    } else {
        status.to_string()
    }
}

/// The API column: `legacy` / `maintained` / `?` where there is room, else
/// `leg` / `new` / `?`.
pub(crate) fn family_cell(j: &Job, long: bool) -> &'static str {
    use crate::domain::family::Family;
    match (j.family, long) {
        (_, true) => j.family_label(),
        (Some(Family::Legacy), false) => "leg",
        (Some(Family::Maintained), false) => "new",
        (None, false) => "?",
    }
}

/// An endpoint in a cell of `w` columns: `ECS i-bp1…:3306`; the type gives way before
/// the address is cut (a cut port would read as another port), and a cut says `…`.
fn endpoint_cell(e: &EndpointInfo, w: usize) -> String {
    let addr = clean(&e.address()).into_owned();
    let full = format!(
        "{} {addr}",
        crate::domain::rules::short_type_label(&e.instance_type)
    );
    if full.chars().count() <= w {
        full
    } else if addr.chars().count() <= w {
        addr
    } else {
        fit(&addr, w)
    }
}

/// Rows of the details pane (borders included).
const DETAILS_H: u16 = 8;

/// `fl`: the marks; `find`: the search's rows above the table (`fleet::find_rows`).
pub(crate) fn render<B>(
    sh: &Shell,
    jobs: &JobsView,
    (fl, find): (&FleetState<B>, FindRows),
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    compact: bool,
) {
    let jv = &jobs;
    let visible = jv.visible();
    let mut constraints = vec![];
    let show_filter = jv.filtering || !jv.filter.value().is_empty();
    // The find prompt, the search under way or its answer (at most a few rows: the
    // table keeps its place).
    let FindRows {
        lines: find,
        cursor: find_cursor,
    } = find;
    let find_h = find.len() as u16;
    let filter_h = u16::from(show_filter) + find_h;
    let banner = jv.error.as_ref().map(|b| {
        // The table keeps its title, header and a row; the banner (with the next step,
        // never cut) gets the rest. With jobs on screen (a failed refresh) the message
        // takes at most three rows: the rows are worth seeing too; `e` shows it all.
        let max_rows = area.height.saturating_sub(filter_h + 4 + 2).max(1);
        banner_lines(
            b,
            theme,
            area.width.saturating_sub(2).max(1) as usize,
            max_rows as usize,
            if visible.is_empty() { usize::MAX } else { 3 },
        )
    });
    let banner_h = banner.as_ref().map_or(0, |b| b.len() as u16 + 2);
    // The details pane only when the table keeps three rows beside it, and not for an
    // error with no job to show.
    let details = !compact
        && area.height >= 18
        && area.height.saturating_sub(banner_h + filter_h + DETAILS_H) >= 6
        && !(jv.error.is_some() && visible.is_empty());
    if banner.is_some() {
        constraints.push(Constraint::Length(banner_h));
    }
    if find_h > 0 {
        constraints.push(Constraint::Length(find_h));
    }
    if show_filter {
        constraints.push(Constraint::Length(1));
    }
    constraints.push(Constraint::Min(3));
    if details {
        constraints.push(Constraint::Length(DETAILS_H));
    }
    let chunks = Layout::vertical(constraints).split(area);
    let mut ci = 0;
    if let Some(b) = banner {
        f.render_widget(
            Paragraph::new(b).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.danger()),
            ),
            chunks[ci],
        );
        ci += 1;
    }
    if find_h > 0 {
        let a = chunks[ci];
        let w = a.width as usize;
        let lines: Vec<Line> = find.iter().map(|l| fit_line(l, w)).collect();
        f.render_widget(Paragraph::new(lines), a);
        if let Some(x) = find_cursor {
            let x = a.x + x;
            f.set_cursor_position(Position::new(x.min(a.right().saturating_sub(1)), a.y));
        }
        ci += 1;
    }
    if show_filter {
        let label = "/ filter: ";
        let line = Line::from(vec![
            Span::styled(label, theme.key()),
            Span::styled(jv.filter.value().to_string(), theme.input()),
            Span::styled(
                format!(
                    "   {} of {} · sort: {}",
                    visible.len(),
                    jv.all.len(),
                    jv.sort.label()
                ),
                theme.muted(),
            ),
        ]);
        f.render_widget(Paragraph::new(line), chunks[ci]);
        if jv.filtering {
            let x = chunks[ci].x + label.len() as u16 + jv.filter.visual_cursor() as u16;
            f.set_cursor_position(Position::new(
                x.min(chunks[ci].right().saturating_sub(1)),
                chunks[ci].y,
            ));
        }
        ci += 1;
    }
    let table_area = chunks[ci];
    let wide = table_area.width >= 118;
    let title = match &jv.loading {
        Some(progress) => format!(
            " Jobs ({}) · {} loading{}{} ",
            visible.len(),
            SPINNER[sh.spinner % 4],
            if progress.is_empty() { "" } else { ": " },
            progress
        ),
        None => format!(" Jobs ({}) · sort: {} ", visible.len(), jv.sort.label()),
    };
    // The marked jobs' count, always in the title while there are marks.
    let fl = &fl;
    let marking = fl.active();
    let title = if marking {
        let n = fl.marks.len();
        let here = fl.marked_in(&sh.header.region);
        let count = if here == n {
            format!("{n} marked")
        } else {
            format!("{n} marked ({here} here)")
        };
        format!(" {count} ·{title}")
    } else {
        title
    };
    let inner_h = table_area.height.saturating_sub(3) as usize; // borders + header
    let sel = jv.selected.min(visible.len().saturating_sub(1));
    let offset = if inner_h == 0 {
        0
    } else {
        sel.saturating_sub(inner_h - 1)
    };
    let shown: Vec<(usize, &&Job)> = visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h.max(1))
        .collect();
    // Job ids are typed to confirm a switch: their column is as wide as the longest
    // shown (marker included), and the optional columns give way before an id is cut.
    let id_w = shown
        .iter()
        .map(|(_, j)| clean(&j.id).chars().count() + 1 + usize::from(marking))
        .max()
        .unwrap_or(0)
        .max(19);
    let status_w = shown
        .iter()
        .map(|(_, j)| status_text(j.status()).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(14, 20);
    let ep_w = if table_area.width >= 140 { 30 } else { 24 };
    let inner_w = table_area.width.saturating_sub(2) as usize;
    let fixed = id_w + 1 + 12 + 1 + status_w;
    let with_topo = fixed + 8 <= inner_w;
    let with_delay = fixed + 8 * usize::from(with_topo) + 7 <= inner_w;
    let with_api = fixed + 8 * usize::from(with_topo) + 7 * usize::from(with_delay) + 4 <= inner_w;
    let wide = wide && fixed + 8 + 7 + 4 + 2 * (ep_w as usize + 1) <= inner_w;
    // The family in full when it fits beside everything else with room for names.
    let api_long = with_api
        && fixed + 8 + 7 + 11 + 8 + if wide { 2 * (ep_w as usize + 1) } else { 0 } <= inner_w;
    let api_w: u16 = if api_long { 10 } else { 3 };
    // The NAME column takes what the others leave (one blank between columns): a name
    // longer than that ends with `…`.
    let others = [
        Some(id_w),
        Some(status_w),
        with_topo.then_some(7),
        with_api.then_some(api_w as usize),
        wide.then_some(ep_w as usize),
        wide.then_some(ep_w as usize),
        with_delay.then_some(6),
    ];
    let name_w = inner_w
        .saturating_sub(others.iter().flatten().sum::<usize>() + others.iter().flatten().count())
        .max(12);
    let rows: Vec<Row> = shown
        .iter()
        .map(|&(i, j)| {
            let marker = if i == sel { ">" } else { " " };
            // Marked for the failover: `*` (not colour alone).
            let mark = match (marking, fl.is_marked(&sh.header.region, &j.id)) {
                (false, _) => "",
                (true, true) => "*",
                (true, false) => " ",
            };
            let status_style = match j.status().to_ascii_lowercase().as_str() {
                "synchronizing" => theme.ok(),
                s if s.contains("fail") => theme.danger(),
                "suspending" => theme.warning(),
                _ => theme.base(),
            };
            let mut cells = vec![
                Cell::from(format!("{marker}{mark}{}", clean(&j.id))),
                Cell::from(fit(&j.name, name_w)),
                Cell::from(Span::styled(status_text(&clean(j.status())), status_style)),
            ];
            if with_topo {
                cells.push(Cell::from(j.detected_topology().as_str()));
            }
            if with_api {
                cells.push(Cell::from(family_cell(j, api_long)));
            }
            if wide {
                cells.push(Cell::from(endpoint_cell(&j.forward.source, ep_w as usize)));
                cells.push(Cell::from(endpoint_cell(
                    &j.forward.destination,
                    ep_w as usize,
                )));
            }
            if with_delay {
                cells.push(Cell::from(if j.forward.delay.is_empty() {
                    "-".to_string()
                } else {
                    format!("{}s", j.forward.delay)
                }));
            }
            let r = Row::new(cells);
            if i == sel {
                r.style(theme.selected())
            } else {
                r
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(id_w as u16),
        Constraint::Min(12),
        Constraint::Length(status_w as u16),
    ];
    let mut head = vec![
        if marking { "   JOB ID" } else { "  JOB ID" },
        "NAME",
        "STATUS",
    ];
    if with_topo {
        widths.push(Constraint::Length(7));
        head.push("TOPO");
    }
    if with_api {
        widths.push(Constraint::Length(api_w));
        head.push("API");
    }
    if wide {
        widths.push(Constraint::Length(ep_w));
        widths.push(Constraint::Length(ep_w));
        head.push("SOURCE");
        head.push("DESTINATION");
    }
    if with_delay {
        widths.push(Constraint::Length(6));
        head.push("DELAY");
    }
    let empty = visible.is_empty() && jv.loading.is_none();
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(theme.title()))
        .block(Block::default().borders(Borders::ALL).title(title));
    f.render_widget(table, table_area);
    if empty {
        let msg = if jv.error.is_some() {
            "Could not list the jobs (see above). r retries."
        } else if jv.all.is_empty() {
            "No synchronization jobs in this region. (--region picks another; r refreshes)"
        } else {
            "No job matches the filter. (Esc clears it)"
        };
        let a = Rect::new(
            table_area.x + 2,
            table_area.y + 2,
            table_area.width.saturating_sub(4),
            1,
        );
        f.render_widget(Paragraph::new(msg).style(theme.muted()), a);
    }
    if details {
        let d = chunks[ci + 1];
        let lines = match visible.get(sel) {
            None => vec![Line::styled("No job selected.", theme.muted())],
            Some(j) => {
                let created = j.create_time.get(..16).unwrap_or(&j.create_time);
                let mut v = vec![Line::from(vec![
                    Span::styled(format!("{} ", clean(&j.name)), theme.title()),
                    Span::raw(
                        clean(&format!(
                            "· {} · {} · created {created} · API {}",
                            j.detected_topology().as_str(),
                            j.job_class,
                            match j.family {
                                Some(f) => f.as_str(),
                                None => "?",
                            }
                        ))
                        .into_owned(),
                    ),
                ])];
                v.push(Line::raw(format!(
                    "Forward  source       {}",
                    endpoint_long(&j.forward.source)
                )));
                v.push(Line::raw(format!(
                    "         destination  {}",
                    endpoint_long(&j.forward.destination)
                )));
                // The ids ModifyDtsJobEndpoint and DescribeDtsJobDetail key on, and
                // what the listings say of the family.
                let ids = match (&j.dts_job_id, &j.reverse_dts_job_id) {
                    (Some(f), Some(r)) => {
                        format!("DtsJobId {} · reverse {}", clean(f), clean(r))
                    }
                    (Some(f), None) => format!("DtsJobId {}", clean(f)),
                    (None, Some(r)) => format!("DtsJobId - · reverse {}", clean(r)),
                    (None, None) => "no DtsJobId listed".into(),
                };
                v.push(Line::raw(ids));
                match &j.reverse {
                    Some(r) => v.push(Line::raw(
                        clean(&format!("Reverse  {} · delay {}s", r.status, r.delay)).into_owned(),
                    )),
                    None if j.reverse_hint => {
                        v.push(Line::raw("Reverse  shown by DescribeDtsJobs (two-way)"))
                    }
                    None if j.detected_topology() == crate::domain::Topology::Unknown => v.push(Line::styled(
                        "Topology unknown: the service shows no Reverse entries and DescribeDtsJobs could not be read.",
                        theme.warning(),
                    )),
                    None => v.push(Line::styled(
                        "No Reverse direction shown by the service (one-way).",
                        theme.muted(),
                    )),
                }
                if !j.forward.error_message.is_empty() {
                    v.push(Line::styled(
                        format!("! {}", clean(&j.forward.error_message)),
                        theme.danger(),
                    ));
                }
                v
            }
        };
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).title(" Details ")),
            d,
        );
    }
}
