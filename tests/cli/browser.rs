//! report.html in a real browser: headless Chromium renders the demo report without console
//! messages, every plot is in the rendered page, and a screenshot is kept for a person to look
//! at (target/report-screenshots/). Skipped without Chromium unless DRIFTPRINT_REQUIRE_BROWSER
//! is set (.ci/run installs Debian's chromium and sets it).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::common::*;
use assert_cmd::Command;

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

/// The rendered SVG of the plot `name` in the page's DOM.
fn at_plot<'a>(dom: &'a str, name: &str) -> &'a str {
    let start = dom
        .find(&format!("data-plot=\"{name}\"><svg"))
        .unwrap_or_else(|| panic!("plot {name} missing from the rendered page"));
    let end = dom[start..].find("</svg>").map_or(dom.len(), |e| start + e);
    &dom[start..end]
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
    // The demo: every stage, with its plots.
    Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(repo_root())
        .args(["report", "--config", "data/driftprint.toml", "--out"])
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
        "fingerprint-strength",
        "fingerprint-scores",
        "collapse",
    ] {
        assert!(plots.iter().any(|p| p == expected), "no {expected} plot");
    }
    // The fingerprint's strength figure is drawn in its section: one row per generator.
    let strength = at_plot(&dom, "fingerprint-strength");
    for generator in ["gpt-4o", "gemini-1.5-pro", "llama-3-70b", "gpt-3.5-turbo"] {
        assert!(
            strength.contains(&format!("generator {generator}")),
            "{generator} not in the strength figure"
        );
    }
    for section in ["glance", "drift", "fingerprint", "collapse", "policy"] {
        assert!(
            dom.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    // The glance comes first: verdict, a line per stage, what to do next, then the sections.
    let at = |needle: &str| dom.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("<h1>BLOCKED</h1>") < at("<section id=\"glance\">"));
    assert!(at("What to do next") < at("<section id=\"drift\">"));
    assert_eq!(
        dom.matches("<figure ").count(),
        dom.matches("<figcaption>").count(),
        "every plot has a caption"
    );
    for name in &plots {
        assert!(
            dom.contains(&format!("data-plot=\"{name}\"><svg")),
            "plot {name} missing from the rendered page"
        );
    }

    // The whole page to look at, and its top (what the README shows): under target/, or
    // into docs/report.png with DRIFTPRINT_UPDATE_SCREENSHOT=1.
    let shots = repo_root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, size) in [
        ("demo-report.png", "1400,5200"),
        ("report.png", "1200,1500"),
    ] {
        let shot = shots.join(name);
        let arg = format!("--screenshot={}", shot.display());
        let window = format!("--window-size={size}");
        headless(
            &browser,
            &tmp.path().join("profile"),
            &[&arg, &window],
            &page,
        );
        assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    }
    if std::env::var_os("DRIFTPRINT_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(
            shots.join("report.png"),
            repo_root().join("docs/report.png"),
        )
        .unwrap();
    }
}
