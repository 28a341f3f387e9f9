//! The README's CI jobs (GitHub Actions and GitLab CI) run as written: every command line of
//! their YAML blocks that calls driftprint or publishes summary.md is run on a copy of the
//! demo project, with the exit codes and files a CI system would see.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo_root;

/// The commands of the README's ```yaml blocks that run driftprint or read its summary.
fn ci_commands(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_yaml = false;
    for line in readme.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_yaml = trimmed == "```yaml";
            continue;
        }
        if !in_yaml {
            continue;
        }
        let command = trimmed
            .strip_prefix("run: ")
            .or_else(|| trimmed.strip_prefix("- run: "))
            .or_else(|| trimmed.strip_prefix("- "));
        if let Some(c) = command {
            if (c.contains("driftprint") || c.contains("summary.md")) && !c.contains("install") {
                out.push(c.to_string());
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn the_readme_ci_jobs_run_as_written() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let commands = ci_commands(&readme);
    let report = "driftprint report --config driftprint.toml --out reports";
    // Both jobs: the report, then the summary (GitHub's into the job summary).
    assert_eq!(
        commands.iter().filter(|c| c.as_str() == report).count(),
        2,
        "{commands:?}"
    );
    assert_eq!(
        commands.iter().filter(|c| c.contains("summary.md")).count(),
        2,
        "{commands:?}"
    );
    for kept in ["reports/history.jsonl", "path: reports/", "- reports/"] {
        assert!(
            readme.contains(kept),
            "the README's jobs should keep {kept}"
        );
    }

    // The demo project as a user's repository: driftprint.toml at its root.
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    copy_dir(&repo_root().join("data"), &project);
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(
        PathBuf::from(env!("CARGO_BIN_EXE_driftprint")),
        bin.join("driftprint"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let step_summary = tmp.path().join("step_summary.md");
    let run = |command: &str| {
        let out = Command::new("bash")
            .args(["-c", command])
            .current_dir(&project)
            .env("PATH", &path)
            .env("GITHUB_STEP_SUMMARY", &step_summary)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    for command in &commands {
        let (code, stdout) = run(command);
        if command.as_str() == report {
            // The demo blocks its release: exit 1, which fails the CI job.
            assert_eq!(code, Some(1), "{command}: {stdout}");
        } else {
            assert_eq!(code, Some(0), "{command}");
            if !command.contains("GITHUB_STEP_SUMMARY") {
                assert!(stdout.starts_with("### ⛔ BLOCKED"), "{command}: {stdout}");
            }
        }
    }
    // What the jobs publish: the job summary, the report folders, the history they keep.
    let summary = std::fs::read_to_string(&step_summary).unwrap();
    assert!(summary.starts_with("### ⛔ BLOCKED"), "{summary}");
    let history = std::fs::read_to_string(project.join("reports/history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 2, "one line per report run");
    let runs: Vec<PathBuf> = std::fs::read_dir(project.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(runs.len(), 2);
    for run in &runs {
        for file in [
            "report.html",
            "report.json",
            "summary.md",
            "plots/drift-tests.svg",
        ] {
            assert!(run.join(file).is_file(), "{}/{file}", run.display());
        }
    }
}
