//! Where in the config text an error is: `line:column` of a byte offset, the dotted key on the
//! line of a TOML error, and the line of a key whose value a check refused — so every config
//! error names the file, the line and the key.

use std::ops::Range;

/// 1-based line and column (in characters, as editors count) of a byte offset in `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// `path:line:column`: the origin of an error at byte `offset` of the file's text.
pub(super) fn at_offset(origin: &str, text: &str, offset: usize) -> String {
    let (line, column) = line_column(text, offset);
    format!("{origin}:{line}:{column}")
}

/// The dotted key on the line where a TOML error was found (best effort, for the message): the
/// table of a header line itself (a duplicate `[ingest]` is about `ingest`, not the table
/// above it), else `table.key` of a `key = value` line.
pub(super) fn key_at(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[line_start..].lines().next().unwrap_or("");
    if let Some(table) = header(line) {
        return table;
    }
    let table = text[..line_start].lines().rev().find_map(header);
    let key = line.split('=').next().unwrap_or("").trim();
    match table {
        Some(t) if !key.is_empty() => format!("{t}.{key}"),
        Some(t) => t,
        None => key.to_string(),
    }
}

/// The table a `[table]` or `[[array]]` header line names.
fn header(line: &str) -> Option<String> {
    let inner = line.trim().strip_prefix('[')?;
    let inner = inner.split('#').next().unwrap_or(inner).trim_end();
    let inner = inner.strip_suffix(']')?;
    let inner = inner
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(inner);
    Some(inner.trim().to_string())
}

/// The byte range of `dotted` (`features.projection_dim`, `ingest.source_values.gpt-3.5`) in
/// the config text: its key where the text sets it, else the nearest table above it that the
/// text has (a default refused for another key's sake). `None` when the text does not parse or
/// holds none of it.
pub(super) fn key_span(text: &str, dotted: &str) -> Option<Range<usize>> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = document.as_item();
    let mut span = None;
    let mut rest = dotted;
    while !rest.is_empty() {
        let table = item.as_table_like()?;
        // The last segment may hold dots (a source value such as `gpt-3.5`): the whole rest
        // is tried as one key before its first segment.
        let (key, tail) = match table.get_key_value(rest) {
            Some(_) => (rest, ""),
            None => rest.split_once('.').unwrap_or((rest, "")),
        };
        let Some((k, next)) = table.get_key_value(key) else {
            break;
        };
        span = k.span().or_else(|| next.span()).or(span);
        item = next;
        rest = tail;
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns_counted_in_characters() {
        let text = "a = 1\n[t]\nkey = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (3, 11), "é is one column");
        assert_eq!(line_column(text, text.len() + 10), (4, 1));
    }

    #[test]
    fn a_header_line_names_its_own_table() {
        let text = "[ingest]\nx = 1\n[policy]\ny = 2\n[ingest] # again\n";
        let second = text.rfind("[ingest]").unwrap();
        assert_eq!(key_at(text, second), "ingest");
        assert_eq!(key_at(text, text.find("y =").unwrap()), "policy.y");
        assert_eq!(key_at("[[a.b]]\n", 0), "a.b");
        assert_eq!(key_at("seed = x\n", 7), "seed");
    }

    #[test]
    fn keys_are_found_in_tables_inline_tables_and_dotted_names() {
        let text = "seed = 1\n[features]\nsets = []\nprojection_dim = 9\n\
                    [ingest.source_values]\n\"gpt-3.5\" = \"x\"\n[drift]\nmmd = { permutations = 0 }\n";
        let line = |key: &str| key_span(text, key).map(|s| line_column(text, s.start));
        assert_eq!(line("features.projection_dim"), Some((4, 1)));
        assert_eq!(line("ingest.source_values.gpt-3.5"), Some((6, 1)));
        assert_eq!(line("drift.mmd.permutations"), Some((8, 9)));
        assert_eq!(line("seed"), Some((1, 1)));
        assert_eq!(
            line("features.ngram_dim"),
            Some((2, 2)),
            "the table's header"
        );
        assert_eq!(line("collapse.alpha"), None);
        assert_eq!(key_span("not toml = = =", "seed"), None);
    }
}
