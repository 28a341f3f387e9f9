//! The detector's model file: versioned, checksummed, written atomically.
//!
//! Layout: `DPFPRINT` magic, u32 format version, u64 length + JSON metadata (feature
//! configuration, training-data hash, metrics, threshold...), u64 count + that many f32 values
//! (the weights, then the IDF table), u64 XXH3 checksum of everything before it. A file of
//! another format version, a truncated file and a corrupted one each get their own clear error.

use std::io::Write;
use std::path::Path;

use serde::{de::DeserializeOwned, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::corpus::side_file::{read_side_file, SideFile};
use crate::error::{Error, InputError, Result};
use crate::output::AtomicFile;

const MAGIC: &[u8; 8] = b"DPFPRINT";
/// Bumped whenever the layout or the meaning of the metadata changes. Version 2: the text is
/// normalised before featurisation (and the record says how), format features are their own
/// family, the shortcut audit and threshold rule are stored.
pub const FORMAT_VERSION: u32 = 2;

/// Writes `meta` and `values` to `path` atomically.
pub fn save<M: Serialize>(path: &Path, meta: &M, values: &[f32]) -> Result<()> {
    let json = serde_json::to_vec(meta).map_err(|e| Error::Data(format!("model metadata: {e}")))?;
    let mut bytes = Vec::with_capacity(32 + json.len() + 4 * values.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(json.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&json);
    bytes.extend_from_slice(&(values.len() as u64).to_le_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let sum = xxh3_64(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    let mut out = AtomicFile::create(path)?;
    out.write_all(&bytes).map_err(|e| Error::output(path, e))?;
    out.commit()
}

/// Reads a model file written by [`save`].
pub fn load<M: DeserializeOwned>(path: &Path) -> Result<(M, Vec<f32>)> {
    let bytes = read_side_file(path, SideFile::Model)?;
    parse(&bytes, path)
}

/// Reads the bytes of a model file; `origin` names them in errors.
pub fn parse<M: DeserializeOwned>(bytes: &[u8], origin: &Path) -> Result<(M, Vec<f32>)> {
    let bad = |m: String| Error::Input(InputError::file(origin, m));
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(bad(
            "not a driftprint fingerprint model (wrong magic bytes)".into(),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if version == 1 {
        // Scoring it now would featurise the raw text differently from how it was trained.
        return Err(bad(
            "model format version 1 (trained before driftprint normalised text and kept layout features apart): it cannot be scored as it was trained; retrain it with `driftprint fingerprint train`".into(),
        ));
    }
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "model format version {version}, but this driftprint reads version {FORMAT_VERSION}: retrain it with `driftprint fingerprint train`"
        )));
    }
    let truncated = || bad("the model file is truncated (an interrupted copy?)".into());
    let read_u64 = |at: usize| -> Option<u64> {
        bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let json_len = read_u64(12).ok_or_else(truncated)? as usize;
    let json_end = 20usize.checked_add(json_len).ok_or_else(truncated)?;
    let count = read_u64(json_end).ok_or_else(truncated)? as usize;
    let values_end = count
        .checked_mul(4)
        .and_then(|n| n.checked_add(json_end + 8))
        .ok_or_else(truncated)?;
    let stored_sum = read_u64(values_end).ok_or_else(truncated)?;
    if bytes.len() != values_end + 8 {
        return Err(bad(format!(
            "the model file has {} bytes after its end: not one model",
            bytes.len() - values_end - 8
        )));
    }
    if xxh3_64(&bytes[..values_end]) != stored_sum {
        return Err(bad("the model file is corrupt (checksum mismatch)".into()));
    }
    let meta: M = serde_json::from_slice(&bytes[20..json_end])
        .map_err(|e| bad(format!("model metadata: {e}")))?;
    let values = bytes[json_end + 8..values_end]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((meta, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Meta {
        features: Vec<String>,
        threshold: f64,
    }

    fn sample(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("fp.model");
        let meta = Meta {
            features: vec!["stylo".into(), "ngram".into()],
            threshold: 1.25,
        };
        save(&path, &meta, &[1.0, -2.5, 3.25]).unwrap();
        path
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let (meta, values): (Meta, Vec<f32>) = load(&sample(dir.path())).unwrap();
        assert_eq!(meta.threshold, 1.25);
        assert_eq!(values, vec![1.0, -2.5, 3.25]);
    }

    #[test]
    fn other_versions_truncation_and_corruption_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let good = std::fs::read(&path).unwrap();
        let err = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            load::<Meta>(&path).unwrap_err().to_string()
        };
        let mut v3 = good.clone();
        v3[8] = 3;
        assert!(err(&v3).contains("format version 3"), "{}", err(&v3));
        let mut v1 = good.clone();
        v1[8] = 1;
        assert!(
            err(&v1).contains("format version 1 (trained before driftprint normalised text"),
            "{}",
            err(&v1)
        );
        for cut in [5, 15, 30, good.len() - 3] {
            let e = err(&good[..cut]);
            assert!(
                e.contains("truncated") || e.contains("magic"),
                "cut {cut}: {e}"
            );
        }
        let mut flipped = good.clone();
        let at = good.len() - 12;
        flipped[at] ^= 1;
        assert!(err(&flipped).contains("corrupt"));
        assert!(err(b"{\"json\": true}").contains("not a driftprint fingerprint model"));
        std::fs::write(&path, &good).unwrap();
        assert!(load::<Meta>(&path).is_ok());
    }

    proptest::proptest! {
        /// Any damage to a model file is an error, never a panic or a wrong model.
        #[test]
        fn damaged_files_never_panic(
            cut in 0usize..200,
            flips in proptest::collection::vec((0usize..200, 0u8..8), 0..4),
            junk in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = sample(dir.path());
            let mut bytes = std::fs::read(&path).unwrap();
            for (at, bit) in &flips {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            bytes.truncate(bytes.len().saturating_sub(cut % 40));
            if cut % 3 == 0 {
                bytes.extend_from_slice(&junk);
            }
            let intact = bytes == std::fs::read(&path).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            let loaded = load::<Meta>(&path);
            proptest::prop_assert_eq!(loaded.is_ok(), intact);
        }
    }
}
