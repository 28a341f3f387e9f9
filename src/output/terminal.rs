//! Text for a terminal: user data (ids, generator names, file names, document excerpts) can
//! carry control characters — ESC sequences that clear the screen, set the window title or
//! forge hyperlinks, BEL, CR that overwrites a line. Everything printed passes through here.

use std::borrow::Cow;

/// `text` with every control character but line feed and tab shown as a `\u{..}` escape.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(terminal_safe("plain\ttext\n"), "plain\ttext\n");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("id\u{1b}[2J\u{1b}]0;pwned\u{7}\rX"),
            "id\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}X"
        );
    }
}
