//! The hashed-feature path streams: peak memory follows the batch size, not the corpus size.
//! (Its own test binary, so the child-process peak RSS it reads is the one run's alone.)

mod common;

use std::io::Write;

use assert_cmd::Command;
use common::*;

/// Peak resident set of all finished child processes, in bytes (Linux reports KiB).
fn children_peak_rss() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes into the struct we pass.
    let usage = unsafe {
        assert_eq!(
            libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()),
            0
        );
        usage.assume_init()
    };
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn a_corpus_larger_than_the_memory_used_streams_through_features() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let demo = std::fs::read_to_string(demo_path()).unwrap();
    let lines: Vec<serde_json::Value> = demo
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    let (mut written, mut n) = (0usize, 0usize);
    while written < 64_000_000 {
        for line in &lines {
            let mut doc = line.clone();
            doc["id"] = format!("{}#{n}", doc["id"].as_str().unwrap()).into();
            n += 1;
            let bytes = serde_json::to_vec(&doc).unwrap();
            out.write_all(&bytes).unwrap();
            out.write_all(b"\n").unwrap();
            written += bytes.len() + 1;
        }
    }
    drop(out);

    let output = dir.path().join("features.npy");
    Command::cargo_bin("driftprint")
        .unwrap()
        .args(["features", "--features", "ngram", "--batch-size", "256"])
        .args([
            "--source-field",
            "label",
            "--source-values",
            "human=real,machine=synthetic",
            "-o",
        ])
        .arg(&output)
        .arg(&input)
        .assert()
        .success();
    let peak = children_peak_rss();
    assert!(
        peak > 5_000_000,
        "the child's peak RSS was measured ({peak} bytes)"
    );
    assert!(std::fs::metadata(&output).unwrap().len() > (n * 256 * 4) as u64);
    assert!(
        peak < 48_000_000,
        "peak RSS {} MB for a {} MB corpus: the features path is not streaming",
        peak / 1_000_000,
        written / 1_000_000
    );
}
