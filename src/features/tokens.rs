//! Tokenisers shared by the featurizers. Byte ranges index into the text they were given.

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

/// Tokens as scikit-learn's default `token_pattern` (`\b\w\w+\b`) finds them: runs of word
/// characters (letters, digits, underscore) of length two or more.
pub fn sklearn_tokens(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        let (start, c) = chars.next()?;
        if !is_word_char(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut count = 1;
        while let Some(&(i, c)) = chars.peek() {
            if !is_word_char(c) {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            count += 1;
        }
        if count >= 2 {
            return Some(&text[start..end]);
        }
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_apostrophes_only() {
        let w: Vec<_> = words("Don't stop — it’s 'quoted' 42x, ok?").collect();
        assert_eq!(w, ["Don't", "stop", "it’s", "quoted", "42x", "ok"]);
    }

    #[test]
    fn sklearn_tokens_drop_single_chars() {
        let t: Vec<_> = sklearn_tokens("a bc d_e I am 9 99").collect();
        assert_eq!(t, ["bc", "d_e", "am", "99"]);
    }
}
