//! Text files as editors write them: a UTF-8 byte-order mark at the start of a JSONL file or
//! a .txt document is not data (CSV headers already drop it).

use crate::common::*;
use assert_cmd::Command;

#[test]
fn a_byte_order_mark_is_read_past_in_jsonl_and_txt() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "{\"id\": \"a\", \"text\": \"Hello there.\", \"source\": \"real\"}\n\
                {\"id\": \"b\", \"text\": \"General Kenobi.\", \"source\": \"synthetic\"}\n";
    let jsonl = write(
        dir.path(),
        "bom.jsonl",
        format!("\u{feff}{rows}").as_bytes(),
    );
    write(dir.path(), "txt/a.txt", "\u{feff}Hello there.".as_bytes());
    let out = Command::cargo_bin("driftprint")
        .unwrap()
        .args(["inspect", "--json", "-"])
        .arg(&jsonl)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["documents"], 2, "{summary}");
    let out = Command::cargo_bin("driftprint")
        .unwrap()
        .args(["inspect", "--json", "-", "--lineage", "source=real"])
        .arg(dir.path().join("txt"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary["length_chars"]["max"], 12,
        "the mark is not a character of the text: {summary}"
    );
}
