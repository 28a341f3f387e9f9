//! report.html in a real browser: headless Chromium renders the demo report without console
//! messages, every plot is in the rendered page, and a screenshot is kept for a person to look
//! at (target/report-screenshots/). Skipped without Chromium unless DRIFTPRINT_REQUIRE_BROWSER
//! is set (.ci/run installs Debian's chromium and sets it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use common::*;

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("DRIFTPRINT_BROWSER")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
        })
        .filter(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("DRIFTPRINT_REQUIRE_BROWSER").is_none(),
            "DRIFTPRINT_REQUIRE_BROWSER is set but no Chromium was found"
        );
        eprintln!("skipped: no Chromium (install Debian's chromium)");
    }
    found
}

/// Runs headless Chromium on a page; returns (stdout, stderr).
fn headless(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> (String, String) {
    let out = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn the_report_renders_in_chromium_with_every_plot() {
    let Some(browser) = chromium() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    // Every section with its plots: the demo config plus a detector trained on the demo and a
    // policy manifest whose eval set is copied from the training data (leakage fails).
    let model = demo_detector(tmp.path());
    let eval = demo_human_lines()[..20].to_vec();
    let eval_path = write(
        tmp.path(),
        "eval.jsonl",
        (eval.join("\n") + "\n").as_bytes(),
    );
    // The demo config's [fingerprint] section names the model; [policy] comes last, so the
    // manifest is appended to it.
    let demo_config: Vec<String> =
        std::fs::read_to_string(repo_root().join("data/driftprint.toml"))
            .unwrap()
            .lines()
            .map(|line| match line.starts_with("# model = \"fp.model\"") {
                true => format!("model = {:?}", model.display().to_string()),
                false => line.replace(
                    "\"demo.jsonl\"",
                    &format!("{:?}", demo_path().display().to_string()),
                ),
            })
            .collect();
    assert!(demo_config.iter().any(|l| l.starts_with("model = ")));
    let config = write(
        tmp.path(),
        "report.toml",
        format!(
            "{}\ntrain = [{:?}]\neval = [{:?}]\n",
            demo_config.join("\n"),
            demo_path().display().to_string(),
            eval_path.display().to_string(),
        )
        .as_bytes(),
    );
    Command::cargo_bin("driftprint")
        .unwrap()
        .arg("report")
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    let run = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let page = run.join("report.html");

    let (dom, log) = headless(
        &browser,
        &tmp.path().join("profile"),
        &["--dump-dom"],
        &page,
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(dom.contains("<h1>BLOCKED</h1>"));
    let plots: Vec<String> = std::fs::read_dir(run.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    for expected in [
        "drift-tests",
        "drift-projection",
        "drift-features",
        "fingerprint-scores",
    ] {
        assert!(plots.iter().any(|p| p == expected), "no {expected} plot");
    }
    assert!(dom.contains("<section id=\"policy\">"));
    for name in &plots {
        assert!(
            dom.contains(&format!("data-plot=\"{name}\"><svg")),
            "plot {name} missing from the rendered page"
        );
    }

    let shots = repo_root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("demo-report.png");
    let arg = format!("--screenshot={}", shot.display());
    headless(
        &browser,
        &tmp.path().join("profile"),
        &[&arg, "--window-size=1400,5200"],
        &page,
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}
