//! The files a command reads, so that no output of the command is written over one of them:
//! `policy lock eval.jsonl -o eval.jsonl` would replace the eval set with its own lock, and an
//! atomic write makes the loss complete. Same file means the same file after links (symbolic
//! and hard) are followed, not the same spelling.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The inputs of one command, each with what the command reads it as ("corpus", "--lock").
#[derive(Debug, Default)]
pub struct InputFiles {
    files: Vec<(String, PathBuf)>,
}

impl InputFiles {
    pub fn new() -> InputFiles {
        InputFiles::default()
    }

    /// Adds `paths` (any number: a list, an `Option`) read as `role`.
    pub fn with<P: AsRef<Path>>(mut self, role: &str, paths: impl IntoIterator<Item = P>) -> Self {
        self.files.extend(
            paths
                .into_iter()
                .map(|p| (role.to_string(), p.as_ref().to_path_buf())),
        );
        self
    }

    /// An error (exit 2) when one of `outputs` (any number; `-`, stdout, is skipped) is one of
    /// the inputs. Outputs that do not exist yet cannot be.
    pub fn refuse_as_outputs<P: AsRef<Path>>(
        &self,
        outputs: impl IntoIterator<Item = P>,
    ) -> Result<()> {
        for output in outputs {
            let output = output.as_ref();
            if output.as_os_str() == "-" {
                continue;
            }
            let Some(id) = FileId::of(output) else {
                continue;
            };
            if let Some((role, input)) = self
                .files
                .iter()
                .find(|(_, input)| FileId::of(input) == Some(id.clone()))
            {
                return Err(Error::Usage(format!(
                    "refusing to write {}: it is one of this command's inputs ({role} {}); choose another output path",
                    output.display(),
                    input.display()
                )));
            }
        }
        Ok(())
    }
}

/// What makes two paths the same file: device and inode on Unix (links of every kind lead to
/// them), the canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl FileId {
    /// None when `path` does not exist (or cannot be looked at).
    fn of(path: &Path) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(path).ok()?;
            Some(FileId((meta.dev(), meta.ino())))
        }
        #[cfg(not(unix))]
        {
            std::fs::canonicalize(path).ok().map(FileId)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("good.jsonl");
        std::fs::write(&corpus, "{}\n").unwrap();
        let inputs = InputFiles::new()
            .with("corpus", [&corpus])
            .with("--lock", None::<&Path>);
        let e = inputs.refuse_as_outputs([&corpus]).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert_eq!(
            e.to_string(),
            format!(
                "refusing to write {0}: it is one of this command's inputs (corpus {0}); choose another output path",
                corpus.display()
            )
        );
        // Another spelling of the same path.
        let dotted = dir.path().join(".").join("good.jsonl");
        assert!(inputs.refuse_as_outputs([&dotted]).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&corpus, &link).unwrap();
            assert!(inputs.refuse_as_outputs([&link]).is_err());
            let hard = dir.path().join("hard.jsonl");
            std::fs::hard_link(&corpus, &hard).unwrap();
            assert!(inputs.refuse_as_outputs([&hard]).is_err());
        }
    }

    #[test]
    fn new_files_other_files_and_stdout_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("good.jsonl");
        let other = dir.path().join("other.json");
        std::fs::write(&corpus, "{}\n").unwrap();
        std::fs::write(&other, "{}\n").unwrap();
        let inputs = InputFiles::new().with("corpus", [&corpus]);
        let fresh = dir.path().join("fresh.json");
        inputs
            .refuse_as_outputs([fresh.as_path(), other.as_path(), Path::new("-")])
            .unwrap();
        inputs.refuse_as_outputs(None::<&Path>).unwrap();
    }
}
