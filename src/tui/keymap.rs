//! One key table per context drives both dispatch and the hints shown (footer, help),
//! so they cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Up,
    Down,
    Left,
    Right,
    Tab,
    BackTab,
    PageUp,
    PageDown,
    Home,
    End,
    Space,
    Backspace,
    Delete,
}

impl Key {
    pub fn label(self) -> String {
        match self {
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::Tab => "Tab".into(),
            Key::BackTab => "S-Tab".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::Space => "Space".into(),
            Key::Backspace => "Bksp".into(),
            Key::Delete => "Del".into(),
        }
    }

    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        Some(match e.code {
            KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
            KeyCode::Char(' ') => Key::Space,
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Tab => Key::Tab,
            KeyCode::BackTab => Key::BackTab,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Delete => Key::Delete,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Refresh,
    Sort,
    Open,
    Log,
    Copy,
    NextField,
    PrevField,
    ChoiceLeft,
    ChoiceRight,
    Toggle,
    Submit,
    Redo,
    Continue,
    Dismiss,
    ShowProgress,
    /// The whole error message of the jobs banner.
    ShowError,
    Region,
    Yes,
    No,
    /// Ctrl-Z: suspend (the shell's `fg` resumes).
    Suspend,
    /// Find the jobs of an old database (asks for its endpoint).
    Find,
    /// Mark or unmark the selected job for a failover.
    Mark,
    /// Mark every job the search found (again: unmark all).
    MarkAll,
    /// Stop sending new calls of a fleet batch (what was sent is still followed).
    Stop,
    /// Copy the ticket-ready block of the switch (as `switch` prints it at its end).
    Ticket,
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub label: &'static str,
    /// Shown in the footer (the help overlay shows every binding).
    pub footer: bool,
    /// Starts or leads to a mutating call: hidden and unbound in read-only mode.
    pub mutating: bool,
}

const fn b(keys: &'static [Key], action: Action, label: &'static str, footer: bool) -> Binding {
    Binding {
        keys,
        action,
        label,
        footer,
        mutating: false,
    }
}

const fn m(keys: &'static [Key], action: Action, label: &'static str, footer: bool) -> Binding {
    Binding {
        keys,
        action,
        label,
        footer,
        mutating: true,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Jobs,
    JobsFilter,
    Form,
    Preview,
    Confirm,
    Progress,
    Log,
    Help,
    /// A message that needs reading (e.g. why a switch is refused).
    Alert,
    /// The region picker (typing filters).
    Region,
    /// The old-endpoint prompt of `f` (typing edits).
    FindPrompt,
    /// The combined preview of a fleet failover.
    BatchPreview,
    /// Its typed confirmation (the number of calls).
    BatchConfirm,
    /// Its progress: every job with its calls.
    BatchProgress,
    Ask,
}

use Key::*;

pub static JOBS: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "move", false),
    b(&[Down, Char('j')], Action::Down, "move", false),
    b(&[PageUp], Action::PageUp, "page up", false),
    b(&[PageDown], Action::PageDown, "page down", false),
    b(&[Home, Char('g')], Action::Top, "first", false),
    b(&[End, Char('G')], Action::Bottom, "last", false),
    m(&[Enter], Action::Open, "switch", true),
    b(&[Char('/')], Action::Filter, "filter", true),
    b(
        &[Char('f')],
        Action::Find,
        "find the jobs of an old endpoint",
        false,
    ),
    b(&[Space], Action::Mark, "mark/unmark the job", false),
    b(
        &[Char('a')],
        Action::MarkAll,
        "mark every job found (again: unmark all)",
        false,
    ),
    b(&[Char('s')], Action::Sort, "sort", true),
    b(&[Char('r')], Action::Refresh, "refresh", true),
    b(&[Char('L')], Action::Log, "log", true),
    b(&[Char('R')], Action::Region, "region", true),
    b(&[Char('p')], Action::ShowProgress, "progress", false),
    b(&[Char('y')], Action::Copy, "copy id", false),
    b(
        &[Char('e')],
        Action::ShowError,
        "the whole error of a failed listing",
        false,
    ),
    b(&[Esc], Action::Back, "clear filter", false),
    b(&[Char('q')], Action::Quit, "quit", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static JOBS_FILTER: &[Binding] = &[
    b(&[Enter], Action::Submit, "keep filter", true),
    b(&[Esc], Action::Back, "clear", true),
    b(&[Up], Action::Up, "move", false),
    b(&[Down], Action::Down, "move", false),
];

pub static FIND_PROMPT: &[Binding] = &[
    b(&[Enter], Action::Submit, "search", true),
    b(&[Esc], Action::Back, "cancel", true),
];

pub static BATCH_PREVIEW: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "scroll", true),
    b(&[Down, Char('j')], Action::Down, "scroll", true),
    b(&[PageUp], Action::PageUp, "page up", false),
    b(&[PageDown], Action::PageDown, "page down", false),
    b(&[Home, Char('g')], Action::Top, "top", false),
    b(&[End, Char('G')], Action::Bottom, "end", false),
    m(&[Enter], Action::Submit, "confirm…", true),
    b(&[Esc], Action::Back, "edit", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static BATCH_CONFIRM: &[Binding] = &[
    m(&[Enter], Action::Submit, "send", true),
    b(&[Esc], Action::Back, "cancel", true),
];

pub static BATCH_PROGRESS: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "move", false),
    b(&[Down, Char('j')], Action::Down, "move", false),
    b(&[Home, Char('g')], Action::Top, "first", false),
    b(&[End, Char('G')], Action::Bottom, "last", false),
    b(&[Enter], Action::Open, "job detail", true),
    b(&[Char('S')], Action::Stop, "stop sending new calls", true),
    b(
        &[Char('t')],
        Action::Ticket,
        "copy the selected job's ticket block",
        false,
    ),
    b(&[Char('L')], Action::Log, "log", true),
    b(&[Esc, Char('q')], Action::Back, "jobs", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static FORM: &[Binding] = &[
    b(&[Tab, Down], Action::NextField, "next", true),
    b(&[BackTab, Up], Action::PrevField, "prev", true),
    b(&[Left], Action::ChoiceLeft, "choose/toggle", true),
    b(&[Right], Action::ChoiceRight, "choose/toggle", true),
    b(&[Space], Action::Toggle, "toggle", false),
    m(&[Enter], Action::Submit, "preview", true),
    b(&[Esc], Action::Back, "back", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static PREVIEW: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "scroll", true),
    b(&[Down, Char('j')], Action::Down, "scroll", true),
    m(&[Enter], Action::Submit, "confirm…", true),
    b(&[Esc], Action::Back, "edit", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static CONFIRM: &[Binding] = &[
    m(&[Enter], Action::Submit, "send", true),
    b(&[Esc], Action::Back, "cancel", true),
];

pub static PROGRESS: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "move", false),
    b(&[Down, Char('j')], Action::Down, "move", false),
    m(&[Char('R')], Action::Redo, "redo failed call", true),
    m(&[Char('c')], Action::Continue, "continue", true),
    b(&[Char('D')], Action::Dismiss, "dismiss (checked)", true),
    b(&[Char('y')], Action::Copy, "copy TaskId", true),
    b(&[Char('t')], Action::Ticket, "copy ticket", true),
    b(&[Char('L')], Action::Log, "log", true),
    b(
        &[Char('p')],
        Action::ShowProgress,
        "next unfinished switch",
        false,
    ),
    b(
        &[Char('e')],
        Action::ShowError,
        "the selected call and the next step in full",
        false,
    ),
    b(&[Esc, Char('q')], Action::Back, "jobs", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static LOG: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "move", false),
    b(&[Down, Char('j')], Action::Down, "move", false),
    b(&[Home, Char('g')], Action::Top, "first", false),
    b(&[End, Char('G')], Action::Bottom, "last", false),
    b(&[Char('y')], Action::Copy, "copy RequestId", true),
    b(&[Esc, Char('q'), Char('L')], Action::Back, "back", true),
    b(&[Char('?')], Action::Help, "help", true),
];

pub static HELP: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "scroll", true),
    b(&[Down, Char('j')], Action::Down, "scroll", true),
    b(&[Esc, Char('q'), Char('?')], Action::Back, "close", true),
];

pub static ALERT: &[Binding] = &[
    b(&[Up, Char('k')], Action::Up, "scroll", false),
    b(&[Down, Char('j')], Action::Down, "scroll", false),
    b(&[Char('p')], Action::ShowProgress, "show it", true),
    b(&[Esc, Enter, Char('q')], Action::Back, "close", true),
];

pub static REGION: &[Binding] = &[
    b(&[Up], Action::Up, "move", true),
    b(&[Down], Action::Down, "move", true),
    b(&[Enter], Action::Submit, "use this region", true),
    b(&[Tab], Action::Toggle, "tick for f (find)", true),
    b(&[Esc], Action::Back, "cancel", true),
];

pub static ASK: &[Binding] = &[
    b(&[Char('y')], Action::Yes, "yes", true),
    b(&[Char('n'), Esc], Action::No, "no", true),
];

/// What an editing key does to a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Left,
    Right,
    Start,
    End,
    DeletePrev,
    DeleteNext,
    DeleteLine,
    DeleteWord,
    DeleteToEnd,
}

/// The editing keys of every text field (form fields, filter, confirmation). In a
/// text field they edit; printable characters type. One table for dispatch and help.
pub static TEXT_EDIT: &[(&[Key], Edit, &str)] = &[
    (&[Left], Edit::Left, "cursor left"),
    (&[Right], Edit::Right, "cursor right"),
    (&[Home, Ctrl('a')], Edit::Start, "start of field"),
    (&[End, Ctrl('e')], Edit::End, "end of field"),
    (&[Backspace], Edit::DeletePrev, "delete before the cursor"),
    (&[Delete], Edit::DeleteNext, "delete under the cursor"),
    (&[Ctrl('u')], Edit::DeleteLine, "clear the field"),
    (&[Ctrl('w')], Edit::DeleteWord, "delete a word"),
    (&[Ctrl('k')], Edit::DeleteToEnd, "delete to the end"),
];

/// The editing operation bound to `key` in a text field.
pub fn edit_for(key: Key) -> Option<Edit> {
    TEXT_EDIT
        .iter()
        .find(|(keys, _, _)| keys.contains(&key))
        .map(|(_, e, _)| *e)
}

/// Everywhere: Ctrl-C quits (asking when something is in flight); Ctrl-Z suspends
/// (the terminal is given back; `fg` resumes and redraws).
pub static GLOBAL: &[Binding] = &[
    b(&[Ctrl('c')], Action::Quit, "quit", false),
    b(&[Ctrl('z')], Action::Suspend, "suspend", false),
];

pub fn table(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Jobs => JOBS,
        Context::JobsFilter => JOBS_FILTER,
        Context::Form => FORM,
        Context::Preview => PREVIEW,
        Context::Confirm => CONFIRM,
        Context::Progress => PROGRESS,
        Context::Log => LOG,
        Context::Help => HELP,
        Context::Alert => ALERT,
        Context::Region => REGION,
        Context::FindPrompt => FIND_PROMPT,
        Context::BatchPreview => BATCH_PREVIEW,
        Context::BatchConfirm => BATCH_CONFIRM,
        Context::BatchProgress => BATCH_PROGRESS,
        Context::Ask => ASK,
    }
}

/// The action bound to `key` in `ctx` (read-only mode drops mutating bindings).
pub fn lookup(ctx: Context, key: Key, read_only: bool) -> Option<Action> {
    GLOBAL
        .iter()
        .chain(table(ctx).iter())
        .filter(|bd| !(read_only && bd.mutating))
        .find(|bd| bd.keys.contains(&key))
        .map(|bd| bd.action)
}

/// Footer hints: `key label` pairs for the context (bindings sharing a label are
/// shown once, their keys joined).
pub fn hints(ctx: Context, read_only: bool) -> Vec<(String, &'static str)> {
    hints_where(ctx, read_only, |_| true)
}

/// Footer hints of the bindings whose action `available` allows right now.
pub fn hints_where(
    ctx: Context,
    read_only: bool,
    available: impl Fn(Action) -> bool,
) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for bd in table(ctx)
        .iter()
        .filter(|bd| bd.footer && !(read_only && bd.mutating) && available(bd.action))
    {
        let keys = bd
            .keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/");
        match out.iter_mut().find(|(_, l)| *l == bd.label) {
            Some((k, _)) => {
                k.push('/');
                k.push_str(&keys);
            }
            None => out.push((keys, bd.label)),
        }
    }
    out
}

/// Every binding of every screen, for the help overlay.
pub fn help_sections(read_only: bool) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    help_sections_for(None, read_only)
        .into_iter()
        .map(|(name, _, binds)| (name, binds))
        .collect()
}

/// One section of the help overlay: its name, the screen it is for (None: the text
/// editing keys), and its `keys label` pairs.
pub type HelpSection = (&'static str, Option<Context>, Vec<(String, &'static str)>);

/// The screens the help overlay lists, in their usual order.
const HELP_SCREENS: [(&str, Context); 12] = [
    ("Jobs", Context::Jobs),
    ("Filter (after /)", Context::JobsFilter),
    (
        "Find (after f: 10.20.30.40:3306, an IP, or an instance/VPC id)",
        Context::FindPrompt,
    ),
    ("Region picker (after R; typing filters)", Context::Region),
    ("Switch form", Context::Form),
    ("Preview", Context::Preview),
    ("Confirm", Context::Confirm),
    ("Progress", Context::Progress),
    (
        "Fleet failover preview (Enter with jobs marked, then the form)",
        Context::BatchPreview,
    ),
    (
        "Fleet failover confirm (type the number of calls)",
        Context::BatchConfirm,
    ),
    ("Fleet failover progress", Context::BatchProgress),
    ("Command log", Context::Log),
];

/// The help overlay's sections: (name, the screen it is for, bindings). The `current`
/// screen's keys come first, with the text-editing keys right after them on a screen
/// with text fields; then the others in their usual order.
pub fn help_sections_for(current: Option<Context>, read_only: bool) -> Vec<HelpSection> {
    let text = (
        "Text fields (form, filter, confirm)",
        None,
        TEXT_EDIT
            .iter()
            .map(|(keys, _, label)| {
                (
                    keys.iter().map(|k| k.label()).collect::<Vec<_>>().join("/"),
                    *label,
                )
            })
            .collect::<Vec<_>>(),
    );
    let mut v: Vec<HelpSection> = HELP_SCREENS
        .into_iter()
        .map(|(name, ctx)| {
            (
                name,
                Some(ctx),
                table(ctx)
                    .iter()
                    .filter(|bd| !(read_only && bd.mutating))
                    .map(|bd| {
                        (
                            bd.keys
                                .iter()
                                .map(|k| k.label())
                                .collect::<Vec<_>>()
                                .join("/"),
                            bd.label,
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    v.insert(4, text);
    if let Some(i) = current.and_then(|c| v.iter().position(|s| s.1 == Some(c))) {
        let this = v.remove(i);
        let typing = matches!(
            current,
            Some(Context::Form | Context::JobsFilter | Context::Confirm | Context::FindPrompt)
        );
        if typing {
            if let Some(t) = v.iter().position(|s| s.1.is_none()) {
                let t = v.remove(t);
                v.insert(0, t);
            }
        }
        v.insert(0, this);
    }
    v
}
