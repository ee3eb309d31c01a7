//! Text from the service, made safe to print on a terminal.
//!
//! Job names, statuses, error messages, RequestIds, TaskIds: anything the service (or a
//! proxy in front of it) sends may carry terminal control sequences: ESC sequences that
//! retitle the window, write the clipboard (OSC 52), erase or recolour lines; CR or LF that
//! forge lines; bidi overrides that reorder what is read. [`clean`] is the one sanitiser:
//! every such character is shown visibly (`\x1b`, `\r`, `\n`, `\u{202e}`) instead of being
//! interpreted. Pure functions, no I/O.
//!
//! Apply it to service-provided parts *before* composing them into our own multi-line
//! text; [`clean_lines`] is for text we composed (its newlines are ours) that may hold
//! service text from an older journal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for the characters [`clean`] escapes: every C0 control (TAB, LF and CR
/// included), DEL, every C1 control (U+0080–U+009F), the bidi embedding, override and
/// isolate controls and marks, and the Unicode line and paragraph separators.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with every character of [`needs_escape`] written visibly: `\x1b`, `\r`, `\n`,
/// `\t`, `\x7f`, `\u{9b}`, `\u{202e}`. The result holds no control character at all, so
/// it is one line and cannot move the cursor, change colours or talk to the terminal.
/// Text without such characters is returned as is (borrowed).
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`clean`], but keeps line feeds: for multi-line text that *we* composed
/// (e.g. an error with its `next step` line) whose service parts were cleaned already,
/// or that was read back from the journal. Everything else, CR included, is escaped.
pub fn clean_lines(s: &str) -> String {
    s.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

/// True when `s` is safe to print as it is: [`clean`] would not change it.
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(needs_escape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let s = "orders-mysql-dr · 数据库 é ✓";
        assert!(matches!(clean(s), Cow::Borrowed(_)));
        assert_eq!(clean(s), s);
    }

    #[test]
    fn controls_are_shown_visibly() {
        let table = [
            ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
            (
                "\x1b]52;c;ZWNobyBoaQ==\x1b\\",
                "\\x1b]52;c;ZWNobyBoaQ==\\x1b\\",
            ),
            (
                "FAILED\r\x1b[2K\x1b[32mFINISHED",
                "FAILED\\r\\x1b[2K\\x1b[32mFINISHED",
            ),
            ("a\nb\tc", "a\\nb\\tc"),
            ("\0\x7f", "\\x00\\x7f"),
            ("\u{9b}31m\u{85}", "\\u{9b}31m\\u{85}"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("\u{2066}x\u{2069}\u{200f}", "\\u{2066}x\\u{2069}\\u{200f}"),
            ("line\u{2028}sep", "line\\u{2028}sep"),
        ];
        for (raw, shown) in table {
            assert_eq!(clean(raw), shown, "{raw:?}");
            assert!(is_clean(&clean(raw)));
        }
    }

    #[test]
    fn clean_lines_keeps_only_line_feeds() {
        assert_eq!(
            clean_lines("ours\n  next step: x\r\x1b[1A"),
            "ours\n  next step: x\\r\\x1b[1A"
        );
        assert_eq!(clean_lines(""), "");
        assert_eq!(clean_lines("a\n"), "a\n");
    }

    #[test]
    fn clean_is_idempotent() {
        let once = clean("\x1b[31m\r\n\u{202e}").into_owned();
        assert_eq!(clean(&once), once);
    }
}

/// Serialized JSON with the characters a terminal could act on that JSON encoders leave
/// raw (C1 controls, bidi overrides and isolates, line and paragraph separators) written
/// as `\uXXXX`. In serialized JSON these can only appear inside strings, so the document
/// parses to the same values.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    // C0 controls are escaped by the encoder inside strings; outside them only the
    // structural whitespace (space, TAB, LF, CR) can appear. DEL and up are left raw.
    let raw = |c: char| c > '\u{1f}' && needs_escape(c);
    if !json.chars().any(raw) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw(c) {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{:04x}", u);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer that passes serialized JSON through [`json_safe`] as it streams (characters
/// split across writes are handled).
pub struct JsonSafe<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> JsonSafe<W> {
    pub fn new(inner: W) -> Self {
        JsonSafe {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // Keep an incomplete UTF-8 sequence at the end for the next write.
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let head: Vec<u8> = self.pending.drain(..valid).collect();
        let text = String::from_utf8_lossy(&head);
        self.inner.write_all(json_safe(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.inner
                .write_all(json_safe(&String::from_utf8_lossy(&rest)).as_bytes())?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod json_tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn json_keeps_its_values_and_loses_terminal_controls() {
        let v = serde_json::json!({"name": "a\u{9b}31mb\u{202e}c\u{2028}d\u{7f}\u{1b}"});
        let raw = serde_json::to_string_pretty(&v).unwrap();
        let safe = json_safe(&raw);
        assert!(
            !safe.chars().any(|c| needs_escape(c) && c != '\n'),
            "{safe}"
        );
        assert!(safe.contains('\n'), "pretty printing kept");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), v);
        // Streamed one byte at a time, the same.
        let mut w = JsonSafe::new(Vec::new());
        for b in raw.as_bytes() {
            w.write_all(&[*b]).unwrap();
        }
        w.flush().unwrap();
        assert_eq!(String::from_utf8(w.inner).unwrap(), safe);
    }
}
