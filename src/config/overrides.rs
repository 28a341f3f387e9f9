//! Command-line flags as a raw config layer: each flag sets one key of the TOML before the one
//! check, so a flag and the same key in the file are validated by the same code, and an error
//! names the flag the value came from.

use std::collections::BTreeMap;
use std::path::Path;

/// Flag values keyed by their config keys (`drift.max_per_side`), with the flag of each key.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    table: toml::Table,
    flags: BTreeMap<String, String>,
}

impl Overrides {
    /// Sets the dotted `key` (`features.embed.max_tokens`) from `flag` (`--max-tokens`).
    pub fn set(&mut self, key: &str, flag: &str, value: impl Into<toml::Value>) -> &mut Self {
        let segments: Vec<&str> = key.split('.').collect();
        self.set_at(&segments, key, flag, value.into())
    }

    /// Sets the key at `segments` (the last may hold dots: a source value such as `gpt-3.5`).
    fn set_at(
        &mut self,
        segments: &[&str],
        key: &str,
        flag: &str,
        value: toml::Value,
    ) -> &mut Self {
        let Some((last, parents)) = segments.split_last() else {
            return self;
        };
        let mut table = &mut self.table;
        for part in parents {
            let entry = table
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            table = entry.as_table_mut().expect("made a table above");
        }
        table.insert(last.to_string(), value);
        self.flags.insert(key.to_string(), flag.to_string());
        self
    }

    /// Sets the seed; TOML integers stop at `i64::MAX`, and so does a seed.
    pub fn set_seed(&mut self, flag: &str, seed: u64) -> Result<&mut Self, String> {
        let seed =
            i64::try_from(seed).map_err(|_| format!("must be at most {}, not {seed}", i64::MAX))?;
        Ok(self.set("seed", flag, seed))
    }

    /// Sets a count; one past `i64::MAX` cannot be written in TOML, and no check accepts it.
    pub fn set_count(&mut self, key: &str, flag: &str, n: usize) -> &mut Self {
        self.set(key, flag, i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Sets a path given relative to the working directory (config paths are relative to the
    /// config file, so the flag's is made absolute first).
    pub fn set_path(&mut self, key: &str, flag: &str, path: &Path) -> &mut Self {
        self.set(key, flag, absolute_path(path))
    }

    /// Sets a list of paths, each made absolute as [`Overrides::set_path`] does.
    pub fn set_paths(&mut self, key: &str, flag: &str, paths: &[std::path::PathBuf]) -> &mut Self {
        let list: Vec<toml::Value> = paths.iter().map(|p| absolute_path(p)).collect();
        self.set(key, flag, list)
    }

    /// Sets a list from a comma-separated flag value (`--tests mmd,c2st`).
    pub fn set_list(&mut self, key: &str, flag: &str, spec: &str) -> &mut Self {
        let items: Vec<toml::Value> = spec
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| toml::Value::String(s.to_string()))
            .collect();
        self.set(key, flag, items)
    }

    /// Sets `table.KEY = VALUE` for every pair of a `KEY=VALUE,...` flag value (as strings);
    /// `what` says what a pair looks like when one has no `=`.
    pub fn set_pairs(
        &mut self,
        table: &str,
        flag: &str,
        spec: &str,
        what: &str,
    ) -> Result<&mut Self, String> {
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not {what}"))?;
            if key.trim().is_empty() {
                return Err(format!("'{pair}' is not {what}"));
            }
            self.set_entry(table, key.trim(), flag, value.trim().to_string());
        }
        Ok(self)
    }

    /// Sets `table.key`, where `key` is one name even when it holds dots.
    pub fn set_entry(
        &mut self,
        table: &str,
        key: &str,
        flag: &str,
        value: impl Into<toml::Value>,
    ) -> &mut Self {
        let mut segments: Vec<&str> = table.split('.').collect();
        segments.push(key);
        self.set_at(&segments, &format!("{table}.{key}"), flag, value.into())
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The flag that set `key` or a table above it.
    pub fn flag_for(&self, key: &str) -> Option<&str> {
        let mut prefix = key;
        loop {
            if let Some(flag) = self.flags.get(prefix) {
                return Some(flag);
            }
            prefix = &prefix[..prefix.rfind('.')?];
        }
    }

    /// Lays the flags over the file's table: a flag's value replaces the file's, tables merge.
    pub(super) fn lay_over(&self, base: &mut toml::Table) {
        merge(base, &self.table);
    }
}

/// A path as a TOML string that means the same file whatever folder reads it: made absolute
/// against the working directory (as given when that fails).
pub fn absolute_path(path: &Path) -> toml::Value {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    toml::Value::String(absolute.to_string_lossy().into_owned())
}

fn merge(base: &mut toml::Table, top: &toml::Table) {
    for (key, value) in top {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(below)), toml::Value::Table(above)) => merge(below, above),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_replace_values_and_merge_tables() {
        let mut base: toml::Table =
            toml::from_str("seed = 1\n[drift]\nalpha = 0.1\ntests = [\"mmd\"]\n").unwrap();
        let mut o = Overrides::default();
        o.set_list("drift.tests", "--tests", "c2st, vendi,")
            .set_count("seed", "--seed", 9);
        o.lay_over(&mut base);
        assert_eq!(base["seed"].as_integer(), Some(9));
        assert_eq!(base["drift"]["alpha"].as_float(), Some(0.1));
        assert_eq!(
            base["drift"]["tests"].as_array().unwrap().len(),
            2,
            "{base}"
        );
        assert_eq!(o.flag_for("drift.tests"), Some("--tests"));
        assert_eq!(o.flag_for("drift.alpha"), None);
    }

    #[test]
    fn pairs_name_their_table_and_reject_what_is_not_a_pair() {
        let mut o = Overrides::default();
        o.set_pairs(
            "ingest.lineage",
            "--lineage",
            "split=train, generation=2",
            "KEY=VALUE",
        )
        .unwrap();
        assert_eq!(o.flag_for("ingest.lineage.split"), Some("--lineage"));
        assert_eq!(
            o.table["ingest"]["lineage"]["generation"].as_str(),
            Some("2")
        );
        o.set_pairs(
            "ingest.source_values",
            "--source-values",
            "gpt-3.5=synthetic",
            "V=S",
        )
        .unwrap();
        assert_eq!(
            o.table["ingest"]["source_values"]["gpt-3.5"].as_str(),
            Some("synthetic")
        );
        assert_eq!(
            o.flag_for("ingest.source_values.gpt-3.5"),
            Some("--source-values")
        );
        for bad in ["split", "=x"] {
            let e = o
                .set_pairs("ingest.lineage", "--lineage", bad, "KEY=VALUE")
                .unwrap_err();
            assert!(e.contains("KEY=VALUE"), "{e}");
        }
    }

    #[test]
    fn flag_paths_become_absolute() {
        let mut o = Overrides::default();
        o.set_path("fingerprint.model", "--model", Path::new("m.model"));
        let p = o.table["fingerprint"]["model"].as_str().unwrap();
        assert!(Path::new(p).is_absolute(), "{p}");
    }
}
