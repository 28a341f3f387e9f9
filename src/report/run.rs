//! `driftprint report`: runs the stages the config asks for — drift suite (real vs synthetic),
//! fingerprint scoring, collapse across generations, policy gates — each isolated so one failing stage never
//! loses the others, and writes reports/<run-id>/ (report.html, report.json, summary.md,
//! plots/*.png|svg) plus a line of reports/history.jsonl.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::history::{self, HistoryEntry};
use super::{figures, html, markdown, time, Report, StageReport};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::output::plots;
use crate::output::write_atomic;
use crate::stages::coverage::Coverage;
use crate::stages::{self, pass, BuildContext, Running};

/// The stages a report can run, in report order.
pub const STAGES: [&str; 4] = stages::NAMES;

/// The default stages: drift; fingerprint when the config names a model or data to train
/// one on; collapse when it names corpora of generations; policy when it names a train and
/// eval manifest.
pub fn default_stages(config: &Config) -> Vec<&'static str> {
    // The fingerprint stage always has a detector: the configured, the trained or the built-in.
    let mut stages = vec!["drift", "fingerprint"];
    if !config.collapse.inputs.is_empty() {
        stages.push("collapse");
    }
    if !config.policy.train.is_empty() && !config.policy.eval.is_empty() {
        stages.push("policy");
    }
    stages
}

/// The file name of a detector the report trained, in the run's folder.
pub const TRAINED_MODEL: &str = "fingerprint.model";

pub fn parse_stages(spec: &str) -> std::result::Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for name in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let stage = STAGES
            .iter()
            .find(|s| **s == name)
            .ok_or_else(|| format!("unknown stage '{name}' (stages: {})", STAGES.join(", ")))?;
        if !out.contains(stage) {
            out.push(*stage);
        }
    }
    if out.is_empty() {
        return Err("no stages given".into());
    }
    // Report order, whatever the order asked.
    out.sort_by_key(|s| STAGES.iter().position(|t| t == s));
    Ok(out)
}

/// Where the stages' documents come from.
pub enum Documents {
    /// One pass over the config's corpora.
    Read,
    /// States saved by `report --save-state` on shards of the corpus, merged.
    Merged(Vec<PathBuf>),
    /// States observed elsewhere (a [`super::profile::Profile`]), each with a name for errors.
    States(Vec<(pass::StateFile, String)>),
}

/// A stage built (or the error it could not start with) and the seconds building it took (a
/// detector trained for the run).
type Built = (&'static str, Result<Box<dyn Running>>, f64);

/// Builds the stages; each one that cannot start is kept as its error.
fn build_stages(names: &[&'static str], config: &Config, context: &BuildContext) -> Vec<Built> {
    names
        .iter()
        .map(|&name| {
            (context.progress)(name);
            let start = Instant::now();
            let built = stages::build(name, config, context);
            (name, built, start.elapsed().as_secs_f64())
        })
        .collect()
}

/// The stages of a run that observes one shard (its state merged elsewhere): none trains a
/// detector; the first that cannot start is the error.
pub(crate) fn shard_stages(
    names: &[&'static str],
    config: &Config,
    progress: &dyn Fn(&str),
) -> Result<Vec<Box<dyn Running>>> {
    let context = BuildContext {
        trained_model: None,
        progress,
    };
    build_stages(names, config, &context)
        .into_iter()
        .map(|(name, built, _)| built.map_err(|e| Error::Usage(format!("{name}: {e}"))))
        .collect()
}

/// Observes one shard of the corpus with the stages and saves their states to `path`, to be
/// merged with other shards' by [`run`] with [`Documents::Merged`].
pub fn save_state(
    config: &Config,
    names: &[&'static str],
    path: &Path,
    progress: &dyn Fn(&str),
) -> Result<()> {
    let mut running = shard_stages(names, config, progress)?;
    let mut coverage = Coverage::default();
    // Corpora of the stages' own (not the inputs, which are what is sharded) are read once,
    // when the states are merged.
    pass::observe(
        &mut running,
        &mut coverage,
        config,
        pass::Corpora::Inputs,
        progress,
    );
    pass::save(&running, &coverage, config, path)
}

/// Claims a run id for a run started at `stamp`: the run is written into a hidden
/// `.<run-id>.partial` folder renamed to `<run-id>` at the end, so a run folder is always
/// complete (a run that dies midway leaves only the hidden one). Creating that folder claims
/// the id; runs started in the same second (even concurrently) get -2, -3... The finished
/// folder is checked *after* the claim: a run that finished and renamed its partial folder
/// between another run's check and claim would otherwise hand its id out twice.
fn claim_run_folder(out_root: &Path, stamp: &str) -> Result<(String, PathBuf)> {
    let mut run_id = stamp.to_string();
    let mut k = 1;
    loop {
        let partial = out_root.join(format!(".{run_id}.partial"));
        match std::fs::create_dir(&partial) {
            Ok(()) if !out_root.join(&run_id).exists() => {
                // Whose run this is, so a later run can tell a live one from a killed one.
                write_atomic(
                    &partial.join(OWNER_FILE),
                    std::process::id().to_string().as_bytes(),
                )?;
                return Ok((run_id, partial));
            }
            Ok(()) => {
                std::fs::remove_dir(&partial).map_err(|e| Error::output(&partial, e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::output(&partial, e)),
        }
        k += 1;
        run_id = format!("{stamp}-{k}");
    }
}

/// The partial folder of a run that has not finished: removed when the run returns early (an
/// error writing its report, a full disk), so a failing run cleans up after itself instead of
/// leaving the folder for a later run to find stale.
struct Unfinished(Option<PathBuf>);

impl Unfinished {
    /// The folder was renamed into place: nothing to remove.
    fn finished(mut self) {
        self.0 = None;
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(partial) = self.0.take() {
            let _ = std::fs::remove_dir_all(partial);
        }
    }
}

/// The file in a partial run folder naming the process writing it.
const OWNER_FILE: &str = ".owner";

/// Removes the partial folders of killed runs under `out_root` (see [`crate::output::stale`]);
/// returns their names. They would otherwise pile up and hold run ids.
fn clean_stale_partials(out_root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out_root) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().to_string();
        if !(name.starts_with('.') && name.ends_with(".partial")) {
            continue;
        }
        let path = entry.path();
        let owner = std::fs::read_to_string(path.join(OWNER_FILE))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok());
        if path.is_dir()
            && crate::output::stale::is_stale(&path, owner)
            && std::fs::remove_dir_all(&path).is_ok()
        {
            removed.push(name);
        }
    }
    removed.sort();
    removed
}

/// Where the run went and what it found.
pub struct Written {
    pub report: Report,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Runs the stages and writes the run's folder under `out_root` and the history line.
pub fn run(
    config: &Config,
    config_path: Option<&Path>,
    stages: &[&'static str],
    documents: Documents,
    out_root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Written> {
    let read_inputs = matches!(documents, Documents::Read);
    let states = match documents {
        Documents::Read => Vec::new(),
        Documents::Merged(paths) => paths
            .iter()
            .map(|p| Ok((pass::load(p)?, p.display().to_string())))
            .collect::<Result<Vec<_>>>()?,
        Documents::States(states) => states,
    };
    if read_inputs && config.inputs.is_empty() {
        return Err(Error::Usage(
            "no inputs: set [ingest] inputs in the config (the corpus with real and synthetic documents)".into(),
        ));
    }
    let (created, stamp) = time::now();
    std::fs::create_dir_all(out_root).map_err(|e| Error::output(out_root, e))?;
    let history_path = out_root.join("history.jsonl");
    for run in history::reconcile(&history_path, out_root)? {
        tracing::warn!(
            "run {run} had no line in {}: added from its folder",
            history_path.display()
        );
    }
    for name in clean_stale_partials(out_root) {
        tracing::warn!(
            "removed {name} in {}: the unfinished folder of a run that was stopped (its process is gone, over 6 hours old)",
            out_root.display()
        );
    }
    let (run_id, partial) = claim_run_folder(out_root, &stamp)?;
    let unfinished = Unfinished(Some(partial.clone()));
    let done = out_root.join(&run_id);
    let context = BuildContext {
        trained_model: Some((partial.join(TRAINED_MODEL), done.join(TRAINED_MODEL))),
        progress,
    };
    let mut running: Vec<Box<dyn Running>> = Vec::new();
    let mut build_seconds = Vec::new();
    let mut failed = Vec::new();
    for (name, built, seconds) in build_stages(stages, config, &context) {
        match built {
            Ok(stage) => {
                build_seconds.push(seconds);
                running.push(stage)
            }
            Err(e) => failed.push(StageReport::error(name, e.to_string(), seconds)),
        }
    }
    let corpora = match states.is_empty() {
        true => pass::Corpora::All,
        false => pass::Corpora::Own,
    };
    let mut coverage = Coverage::default();
    for (file, origin) in states {
        // A state that does not merge ends the run; `unfinished` removes its folder.
        pass::merge(&mut running, &mut coverage, config, file, &origin)?;
    }
    pass::observe(&mut running, &mut coverage, config, corpora, progress);
    let mut reports = failed;
    for (stage, built) in running.into_iter().zip(build_seconds) {
        let name = stage.name();
        let (outcome, seconds) = stage.finish(&|step| progress(&format!("{name}: {step}")));
        let seconds = built + seconds;
        reports.push(match outcome {
            Ok(result) => StageReport::from_result(name, result, seconds),
            Err(e) => StageReport::error(name, e.to_string(), seconds),
        });
    }
    // Report order, whatever order the stages failed or finished in.
    reports.sort_by_key(|r| STAGES.iter().position(|s| *s == r.stage));
    let report = Report::new(
        run_id.clone(),
        created,
        config_path.map(|p| p.display().to_string()),
        reports,
    );
    let json_path = partial.join("report.json");
    let md_path = partial.join("summary.md");
    let json = serde_json::to_string_pretty(&report).map_err(|e| Error::Data(e.to_string()))?;
    write_atomic(&json_path, json.as_bytes())?;
    write_atomic(&md_path, markdown::render(&report).as_bytes())?;
    let mut files = vec![json_path, md_path];
    if partial.join(TRAINED_MODEL).is_file() {
        files.push(partial.join(TRAINED_MODEL));
    }
    let mut inline = Vec::new();
    let plots_dir = partial.join("plots");
    std::fs::create_dir(&plots_dir).map_err(|e| Error::output(&plots_dir, e))?;
    for named in figures::all(&report) {
        let saved = plots::save(&named.figure, &plots_dir.join(&named.name))?;
        files.extend(saved.files);
        inline.push(html::InlineFigure {
            stage: named.stage,
            name: named.name,
            caption: named.caption,
            svg: saved.svg,
        });
    }
    let entry = HistoryEntry::of(&report, &run_id);
    let entry_json = serde_json::to_string(&entry).map_err(|e| Error::Data(e.to_string()))?;
    write_atomic(&partial.join(history::ENTRY_FILE), entry_json.as_bytes())?;
    // A damaged history costs the trend plot, never the run's own report.
    let mut past = history::read(&history_path).unwrap_or_else(|e| {
        tracing::warn!("history not plotted: {e}");
        Vec::new()
    });
    past.push(entry.clone());
    if let Some(figure) = figures::history(&past, &report) {
        let saved = plots::save(&figure, &plots_dir.join("history"))?;
        files.extend(saved.files);
        inline.push(html::InlineFigure {
            stage: "history",
            name: "history".into(),
            caption: figures::HISTORY_CAPTION,
            svg: saved.svg,
        });
    }
    let html_path = partial.join("report.html");
    write_atomic(&html_path, html::render(&report, &inline).as_bytes())?;
    files.insert(0, html_path);
    let dir = done;
    // The owner mark only matters while the folder is partial.
    let _ = std::fs::remove_file(partial.join(OWNER_FILE));
    std::fs::rename(&partial, &dir).map_err(|e| Error::output(&dir, e))?;
    unfinished.finished();
    let files = files
        .iter()
        .map(|f| dir.join(f.strip_prefix(&partial).unwrap_or(f)))
        .collect();
    history::append(&history_path, &entry)?;
    Ok(Written { report, dir, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_folders_of_killed_runs_are_removed_and_live_ones_kept() {
        let root = tempfile::tempdir().unwrap();
        let make = |name: &str, owner: Option<String>, age: Option<&str>| {
            let dir = root.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            if let Some(pid) = owner {
                std::fs::write(dir.join(OWNER_FILE), pid).unwrap();
            }
            if let Some(age) = age {
                let touched = std::process::Command::new("touch")
                    .args(["-d", age])
                    .arg(&dir)
                    .status()
                    .unwrap();
                assert!(touched.success());
            }
        };
        // Killed long ago (its pid is not running); running now (this test's pid); recent.
        make(
            ".20200101T000000Z.partial",
            Some("4000000000".into()),
            Some("2 days ago"),
        );
        make(
            ".20200101T000001Z.partial",
            Some(std::process::id().to_string()),
            Some("2 days ago"),
        );
        make(".20200101T000002Z.partial", None, None);
        assert_eq!(
            clean_stale_partials(root.path()),
            [".20200101T000000Z.partial"]
        );
        assert!(root.path().join(".20200101T000001Z.partial").exists());
        assert!(root.path().join(".20200101T000002Z.partial").exists());
    }

    #[test]
    fn a_run_id_is_never_handed_out_twice() {
        let root = tempfile::tempdir().unwrap();
        let stamp = "20261201T000000Z";
        let (id, partial) = claim_run_folder(root.path(), stamp).unwrap();
        assert_eq!(id, stamp);
        assert!(partial.is_dir());
        // A concurrent run of the same second: its own id.
        let (second, _) = claim_run_folder(root.path(), stamp).unwrap();
        assert_eq!(second, format!("{stamp}-2"));
        // The first run finishes (its partial folder renamed into place): a run starting now in
        // that second must not reuse the id, though no partial folder holds it any more.
        std::fs::rename(&partial, root.path().join(stamp)).unwrap();
        let (third, third_partial) = claim_run_folder(root.path(), stamp).unwrap();
        assert_eq!(third, format!("{stamp}-3"));
        assert!(!root.path().join(format!(".{stamp}.partial")).exists());
        assert!(third_partial.is_dir());
    }

    #[test]
    fn an_unfinished_run_removes_its_partial_folder_and_a_finished_one_keeps_its_folder() {
        let root = tempfile::tempdir().unwrap();
        let (_, partial) = claim_run_folder(root.path(), "20261201T000000Z").unwrap();
        std::fs::write(partial.join("report.json"), "{}").unwrap();
        drop(Unfinished(Some(partial.clone())));
        assert!(!partial.exists(), "an early return leaves nothing behind");
        let (_, partial) = claim_run_folder(root.path(), "20261201T000001Z").unwrap();
        Unfinished(Some(partial.clone())).finished();
        assert!(partial.exists());
    }
}
