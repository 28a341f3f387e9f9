//! Side files: what a command reads whole besides its corpora (a detector, an eval lock, an
//! audit sheet, a saved state, a config, a metrics table). Corpora stream; a side file is held
//! in memory, so each kind has a size limit, checked before reading: a huge file or an endless
//! stream (`/dev/zero`) named by mistake is an error naming it, not exhausted memory.

use std::io::Read;
use std::path::Path;

use super::byte_size::format_bytes;
use crate::error::{Error, InputError, Result};

/// The kinds of side file, each with its own size limit (see `docs/configuration.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideFile {
    /// A fingerprint detector (`.fpmodel`): `[fingerprint] model`, `--model`, `--fingerprint`.
    Model,
    /// An eval lock: `[policy] lock`, `--lock`.
    Lock,
    /// A model-ancestry TOML: `[policy] ancestry`, `--ancestry`.
    Ancestry,
    /// A reviewed audit sheet: `[policy] audit`, `--audit`.
    Audit,
    /// Stage states saved by `report --save-state`, read by `--merge-states`.
    State,
    /// A `driftprint.toml`: `--config`.
    Config,
    /// Per-generation metrics measured elsewhere: `collapse --metrics-table`.
    MetricsTable,
    /// A run's `report.json`, read by `compare`.
    Report,
    /// The run history, `<out>/history.jsonl`.
    History,
}

impl SideFile {
    pub const ALL: [SideFile; 9] = [
        SideFile::Model,
        SideFile::Lock,
        SideFile::Ancestry,
        SideFile::Audit,
        SideFile::State,
        SideFile::Config,
        SideFile::MetricsTable,
        SideFile::Report,
        SideFile::History,
    ];

    /// The most bytes a file of this kind may have: far above real files, well below what
    /// would exhaust memory (the whole file is held, and a stream is read up to it).
    pub const fn limit(self) -> u64 {
        match self {
            // Weights and IDF table at the largest n-gram dimension (2^24) are 134 MB, the
            // metadata a few MB, whatever the corpus size; the built-in detector is 2.1 MB.
            SideFile::Model => 512_000_000,
            // About 60 bytes a document: 1 GB holds over 15 million (eval sets are thousands).
            SideFile::Lock => 1_000_000_000,
            // A few lines per model; a file of a million models is a few tens of MB.
            SideFile::Ancestry => 64_000_000,
            // Reviewed by hand: 25,000 documents of 10 KB each are still under it.
            SideFile::Audit => 256_000_000,
            // Follows the sample sizes, not the corpus: ~10 MB at the defaults (5,000 documents
            // a side), 100 times that with the largest samples anyone configures.
            SideFile::State => 1_000_000_000,
            // A config is a few KB; [ingest] inputs listing 100,000 shards is ~10 MB.
            SideFile::Config => 64_000_000,
            // One row per generation (and track): a million rows of 60 bytes fit.
            SideFile::MetricsTable => 64_000_000,
            // The demo's is 0.2 MB; witnesses, lexicon and per-feature tables are capped lists.
            SideFile::Report => 256_000_000,
            // ~2 kB a run: a nightly run for 100 years is 75 MB.
            SideFile::History => 256_000_000,
        }
    }

    /// What it is, for messages: "an eval lock".
    pub fn noun(self) -> &'static str {
        match self {
            SideFile::Model => "a fingerprint model",
            SideFile::Lock => "an eval lock",
            SideFile::Ancestry => "an ancestry file",
            SideFile::Audit => "an audit sheet",
            SideFile::State => "a state file",
            SideFile::Config => "a config file",
            SideFile::MetricsTable => "a metrics table",
            SideFile::Report => "a run's report",
            SideFile::History => "a run history",
        }
    }

    /// The keys and flags that name one.
    pub fn set_by(self) -> &'static str {
        match self {
            SideFile::Model => "[fingerprint] model, --model, --fingerprint",
            SideFile::Lock => "[policy] lock, --lock",
            SideFile::Ancestry => "[policy] ancestry, --ancestry",
            SideFile::Audit => "[policy] audit, --audit",
            SideFile::State => "report --merge-states",
            SideFile::Config => "--config",
            SideFile::MetricsTable => "collapse --metrics-table",
            SideFile::Report => "compare RUN_A RUN_B",
            SideFile::History => "report --out",
        }
    }
}

/// The bytes of the side file at `path`, or an error (exit 2) when it is over its kind's limit.
pub fn read_side_file(path: &Path, kind: SideFile) -> Result<Vec<u8>> {
    let name = format!("{} ({})", kind.noun(), kind.set_by());
    read_bounded(path, kind.limit(), &name)
}

/// The text of the side file at `path` (UTF-8), bounded as [`read_side_file`].
pub fn read_side_text(path: &Path, kind: SideFile) -> Result<String> {
    String::from_utf8(read_side_file(path, kind)?).map_err(|e| {
        Error::Input(InputError::file(
            path,
            format!("cannot read: not UTF-8 text ({e})"),
        ))
    })
}

fn read_bounded(path: &Path, limit: u64, name: &str) -> Result<Vec<u8>> {
    let cannot =
        |e: std::io::Error| Error::Input(InputError::file(path, format!("cannot read: {e}")));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    let too_large = |size: String| {
        Error::Usage(format!(
            "{}: {size} is over the {} limit of {name}: is it the right file?",
            path.display(),
            with_bytes(limit)
        ))
    };
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(with_bytes(meta.len())));
    }
    // Pipes, FIFOs and devices report no length (/dev/zero: 0), so reading stops one byte past
    // the limit whatever the metadata said; a file that grew meanwhile is caught the same way.
    let expected = if meta.is_file() { meta.len() } else { 0 };
    let mut bytes = Vec::with_capacity(expected as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(format!(
            "more than {limit} bytes (it goes on: a stream or device?)"
        )));
    }
    Ok(bytes)
}

/// "1.0 GB (1000000000 bytes)": readable, and exact where it is close to the limit.
fn with_bytes(n: u64) -> String {
    match format_bytes(n) {
        short if short.ends_with(" bytes") => short,
        short => format!("{short} ({n} bytes)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_under_the_limit_reads_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "seed = 1\n").unwrap();
        assert_eq!(
            read_side_text(&path, SideFile::Config).unwrap(),
            "seed = 1\n"
        );
        assert_eq!(read_bounded(&path, 9, "x").unwrap().len(), 9);
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_length_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.state");
        // Sparse: the length is checked, nothing is read.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(SideFile::State.limit() + 1).unwrap();
        let e = read_side_file(&path, SideFile::State).unwrap_err();
        assert!(matches!(e, Error::Usage(_)), "{e:?}");
        let m = e.to_string();
        for part in [
            "huge.state",
            "1.0 GB (1000000001 bytes)",
            "over the 1.0 GB (1000000000 bytes) limit of a state file (report --merge-states)",
        ] {
            assert!(m.contains(part), "{m} lacks {part}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_stops_one_byte_past_the_limit() {
        let e = read_bounded(Path::new("/dev/zero"), 1000, "an audit sheet")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "/dev/zero: more than 1000 bytes (it goes on: a stream or device?) is over the 1000 bytes limit of an audit sheet: is it the right file?"
        );
    }

    #[test]
    fn a_missing_file_and_bad_text_are_input_errors_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.lock");
        let e = read_side_file(&missing, SideFile::Lock).unwrap_err();
        assert!(matches!(e, Error::Input(_)), "{e:?}");
        assert!(e.to_string().contains("nope.lock: cannot read:"), "{e}");
        let binary = dir.path().join("b.toml");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        let e = read_side_text(&binary, SideFile::Config)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn the_limits_are_documented() {
        let doc = include_str!("../../docs/configuration.md");
        for kind in SideFile::ALL {
            let limit = format_bytes(kind.limit());
            let row = doc
                .lines()
                .find(|l| l.starts_with('|') && l.contains(kind.set_by()))
                .unwrap_or_else(|| panic!("docs/configuration.md has no row for {kind:?}"));
            assert!(row.contains(&limit), "{row} lacks {limit}");
        }
    }
}
