//! Inputs that are damaged or not what they claim: a report.json `compare` is given that is
//! not a report, two runs of which one did not run a stage, a history line cut short by a run
//! killed mid-append.

use crate::common::*;
use assert_cmd::Command;
use serde_json::Value;

/// `driftprint ARGS...` from the repo root: exit code, stdout, stderr.
fn driftprint(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(repo_root())
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// The demo report's `stages` under `out`: its run folder.
fn demo_run(out: &std::path::Path, stages: &str) -> std::path::PathBuf {
    let before = run_folders(out);
    let (code, stdout, stderr) = driftprint(&[
        "report".as_ref(),
        "--config".as_ref(),
        "data/driftprint.toml".as_ref(),
        "--stages".as_ref(),
        stages.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(code <= 1, "{stdout}{stderr}");
    let after = run_folders(out);
    assert_eq!(after.len(), before.len() + 1, "{stdout}{stderr}");
    after.into_iter().find(|d| !before.contains(d)).unwrap()
}

fn run_folders(out: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut dirs: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `compare A B` with the HTML written into `dir`: exit code, stdout, stderr.
fn compare(
    a: &std::path::Path,
    b: &std::path::Path,
    dir: &std::path::Path,
) -> (i32, String, String) {
    driftprint(&[
        "compare".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "-o".as_ref(),
        dir.join("compare.html").as_os_str(),
    ])
}

/// A run killed mid-append leaves a line without its end: the next run warns once, naming
/// the line, still plots the history, and its own line starts on a fresh line.
#[test]
fn a_history_line_cut_short_costs_that_line_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    demo_run(&out, "drift");
    let history = out.join("history.jsonl");
    let first = std::fs::read_to_string(&history).unwrap();
    let cut = &first[..first.len() / 2];
    std::fs::write(&history, format!("{first}{cut}")).unwrap();

    let (code, stdout, stderr) = driftprint(&[
        "report".as_ref(),
        "--config".as_ref(),
        "data/driftprint.toml".as_ref(),
        "--stages".as_ref(),
        "drift".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stderr.matches("not a history entry").count(), 1, "{stderr}");
    assert!(stderr.contains("history.jsonl: line 2: "), "{stderr}");
    assert!(!stderr.contains("history not plotted"), "{stderr}");
    let second = run_folders(&out).pop().unwrap();
    assert!(second.join("plots/history.svg").is_file());

    let text = std::fs::read_to_string(&history).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1], cut);
    let last: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(
        last["run_id"],
        second.file_name().unwrap().to_string_lossy().as_ref()
    );
}

/// A report.json that is not one — a field missing or of another type, another schema
/// version, a statistic that is not a number — is bad input (exit 2) naming the file and the
/// field, and nothing is printed or written; a huge statistic prints in scientific notation.
#[test]
fn compare_refuses_what_is_not_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let run = demo_run(&out, "drift,policy").join("report.json");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&run).unwrap()).unwrap();
    const STATISTIC: &str = "/stages/0/result/comparisons/0/outcomes/0/result/statistic";
    let cases: [(&str, Option<Value>, &str); 8] = [
        ("/verdict", None, "field 'verdict': missing"),
        ("/stages", None, "field 'stages': missing"),
        (
            "/stages",
            Some(Value::from("drift")),
            "field 'stages': expected a list, found the string \"drift\"",
        ),
        (
            "/schema_version",
            Some(Value::from(2)),
            "field 'schema_version': the number 2, but this build of driftprint reads report schema version 1",
        ),
        (
            "/schema_version",
            Some(Value::from("1")),
            "field 'schema_version': the string \"1\"",
        ),
        (
            STATISTIC,
            Some(serde_json::json!([0.1, 0.2])),
            "field 'stages[0].result.comparisons[0].outcomes[0].result.statistic': expected a number, found a list",
        ),
        (
            STATISTIC,
            Some(Value::from("NaN")),
            "outcomes[0].result.statistic': expected a number, found the string \"NaN\"",
        ),
        (
            STATISTIC,
            Some(Value::Null),
            "outcomes[0].result.statistic': expected a number, found null",
        ),
    ];
    for (i, (pointer, value, expected)) in cases.into_iter().enumerate() {
        let mut damaged = report.clone();
        match value {
            Some(v) => *damaged.pointer_mut(pointer).unwrap() = v,
            None => {
                damaged.as_object_mut().unwrap().remove(&pointer[1..]);
            }
        }
        let dir = tmp.path().join(format!("case{i}"));
        let path = write(&dir, "report.json", damaged.to_string().as_bytes());
        let (code, stdout, stderr) = compare(&run, &path, &dir);
        assert_eq!(code, 2, "{pointer}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{pointer}: printed {stdout}");
        let named = format!("{}: ", path.display());
        assert!(
            stderr.contains(&named) && stderr.contains(expected),
            "{pointer}: {stderr}"
        );
        assert!(!dir.join("compare.html").exists());
    }

    let mut huge = report.clone();
    *huge.pointer_mut(STATISTIC).unwrap() = Value::from(1e308);
    let path = write(tmp.path(), "huge/report.json", huge.to_string().as_bytes());
    let (code, stdout, stderr) = compare(&run, &path, tmp.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1.000e308"), "{stdout}");
    let longest = stdout
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap();
    assert!(longest < 30, "{stdout}");
}

/// A run made with `--stages policy` against one with the drift stage: its drift tests read
/// "stage not run", never "no longer blocks" (nor "now blocks" the other way round).
#[test]
fn compare_says_which_run_did_not_run_a_stage() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let full = demo_run(&out, "drift,policy");
    let partial = demo_run(&out, "policy");

    let (code, stdout, stderr) = compare(&full, &partial, tmp.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("mmd"), "{stdout}");
    assert!(!stdout.contains("no longer blocks"), "{stdout}");
    assert!(
        stdout.contains("stage not run in the after run"),
        "{stdout}"
    );
    assert!(stdout.contains("drift stage: ran -> not run"), "{stdout}");

    let json = tmp.path().join("compare.json");
    let (code, stdout, stderr) = driftprint(&[
        "compare".as_ref(),
        partial.as_os_str(),
        full.as_os_str(),
        "-o".as_ref(),
        tmp.path().join("compare.html").as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("now blocks"), "{stdout}");
    assert!(
        stdout.contains("blocks; stage not run in the before run"),
        "{stdout}"
    );
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let tests = c["tests"].as_array().unwrap();
    assert!(!tests.is_empty());
    assert!(tests.iter().all(|t| t["a_missing"] == "stage_not_run"));
}
