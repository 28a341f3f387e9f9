//! Temp-file-and-rename writes.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// A file that appears at `path` only when [`AtomicFile::commit`] succeeds; dropped, it vanishes.
/// The folder must exist. The temporary sibling is named `.NAME.dpPID.RANDOM.tmp`, so the
/// one a killed process left is recognised and removed by a later write of the same file.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "cannot write {}: the folder {} does not exist (create it first)",
                path.display(),
                dir.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for stale in remove_stale_temps(dir, &name) {
            tracing::warn!(
                "removed {}: a temporary file of a stopped run (its process is gone, over 6 hours old)",
                stale.display()
            );
        }
        let mut builder = tempfile::Builder::new();
        // Outputs are ordinary files: the mode `File::create` would give (0o666 less the
        // umask), not the temp file's owner-only 0o600 — reports are read by CI and web servers.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .prefix(&temp_prefix(&name, std::process::id()))
            .suffix(TEMP_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::output(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, temp),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the temporary file over `path`.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let temp = self
            .writer
            .into_inner()
            .map_err(|e| Error::output(&path, e.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| Error::output(&path, e))?;
        temp.persist(&path)
            .map_err(|e| Error::output(&path, e.error))?;
        Ok(())
    }
}

const TEMP_SUFFIX: &str = ".tmp";

/// `.NAME.dpPID.`: what every temp file of `NAME` written by process `PID` starts with.
fn temp_prefix(name: &str, pid: u32) -> String {
    format!(".{name}.dp{pid}.")
}

/// Removes the temp files of `name` in `dir` that killed processes left; returns them.
fn remove_stale_temps(dir: &Path, name: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let own = format!(".{name}.dp");
    let mut removed = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&own) else {
            continue;
        };
        if !file.ends_with(TEMP_SUFFIX) {
            continue;
        }
        let pid = rest.split('.').next().and_then(|p| p.parse::<u32>().ok());
        let path = entry.path();
        if pid.is_some()
            && entry.file_type().is_ok_and(|t| t.is_file())
            && super::stale::is_stale(&path, pid)
            && std::fs::remove_file(&path).is_ok()
        {
            removed.push(path);
        }
    }
    removed
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.writer.seek(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_with_the_mode_of_an_ordinary_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let path = dir.path().join("sub/report.json");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"{}").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions();
        assert_eq!(mode(&path), mode(&plain));
        // Only the committed file is left.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn a_dropped_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_folder_is_an_error_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/out.csv");
        let e = AtomicFile::create(&path).err().unwrap().to_string();
        assert!(e.contains("does not exist"), "{e}");
        assert!(!dir.path().join("missing").exists());
    }

    #[test]
    fn temp_files_of_killed_writers_are_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.npy");
        let touch = |name: &str, age: Option<&str>| {
            let p = dir.path().join(name);
            std::fs::write(&p, b"half").unwrap();
            if let Some(age) = age {
                let status = std::process::Command::new("touch")
                    .args(["-d", age])
                    .arg(&p)
                    .status()
                    .unwrap();
                assert!(status.success());
            }
            p
        };
        // pid 4194304 is above Linux's pid_max: never a live process.
        let dead_old = touch(".features.npy.dp4194304.abc123.tmp", Some("7 hours ago"));
        let dead_new = touch(".features.npy.dp4194304.def456.tmp", None);
        let live_old = touch(
            &format!(".features.npy.dp{}.ghi789.tmp", std::process::id()),
            Some("7 hours ago"),
        );
        let other = touch(".other.npy.dp4194304.abc123.tmp", Some("7 hours ago"));
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert!(
            !dead_old.exists(),
            "a killed run's old temp file is removed"
        );
        assert!(
            dead_new.exists(),
            "a recent one may be a live run's elsewhere"
        );
        assert!(live_old.exists(), "a live process's is kept");
        assert!(other.exists(), "another output's is not ours to judge");
    }
}
