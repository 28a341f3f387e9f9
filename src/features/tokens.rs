//! Word tokenisation for stylometry. Words are slices of the text they were found in.

/// Words for stylometry: runs of letters/digits, keeping inner apostrophes ("don't", "it’s").
pub fn words(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break (i, c);
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphanumeric() {
                chars.next();
                continue;
            }
            if c == '\'' || c == '’' {
                // An apostrophe stays only between two word characters.
                let mut ahead = text[i + c.len_utf8()..].chars();
                if ahead.next().is_some_and(char::is_alphanumeric) {
                    chars.next();
                    continue;
                }
            }
            end = i;
            break;
        }
        Some(&text[start..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_apostrophes_only() {
        let w: Vec<_> = words("Don't stop — it’s 'quoted' 42x, ok?").collect();
        assert_eq!(w, ["Don't", "stop", "it’s", "quoted", "42x", "ok"]);
    }
}
