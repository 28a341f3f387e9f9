//! Memory stays bounded: by the batch size over a large corpus, by a small multiple of the
//! text for one long document, and by the size limit for a compression bomb. Each child's
//! peak RSS is read from its own `wait4`, so tests running side by side do not mix.

mod common;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

/// What one run of the binary did: exit code, peak resident set in bytes, stderr.
struct Measured {
    code: i32,
    peak: u64,
    stderr: String,
}

// The child is reaped by `wait4` (for its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_measured<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Measured {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("driftprint"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 writes only into the status and rusage we pass, for our own child.
    let usage = unsafe {
        assert_eq!(
            libc::wait4(child.id() as i32, &mut status, 0, usage.as_mut_ptr()),
            child.id() as i32
        );
        usage.assume_init()
    };
    assert!(libc::WIFEXITED(status), "the child was killed: {status}");
    Measured {
        code: libc::WEXITSTATUS(status),
        peak: usage.ru_maxrss as u64 * 1024,
        stderr: reader.join().unwrap(),
    }
}

fn demo_texts() -> Vec<serde_json::Value> {
    std::fs::read_to_string(demo_path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const DEV_SCHEMA: [&str; 4] = [
    "--source-field",
    "label",
    "--source-values",
    "human=real,machine=synthetic",
];

/// `driftprint features ARGS` over `input` in the dev schema, writing `output`, measured.
fn features(args: &[&str], input: &Path, output: &Path) -> Measured {
    run_measured(
        std::iter::once("features")
            .chain(args.iter().copied())
            .chain(DEV_SCHEMA)
            .map(OsStr::new)
            .chain([OsStr::new("-o"), output.as_os_str(), input.as_os_str()]),
    )
}

#[test]
fn a_corpus_larger_than_the_memory_used_streams_through_features() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let lines = demo_texts();
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
    let run = features(
        &["--features", "ngram", "--batch-size", "256"],
        &input,
        &output,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.peak > 5_000_000,
        "the child's peak RSS was measured ({} bytes)",
        run.peak
    );
    assert!(std::fs::metadata(&output).unwrap().len() > (n * 256 * 4) as u64);
    assert!(
        run.peak < 48_000_000,
        "peak RSS {} MB for a {} MB corpus: the features path is not streaming",
        run.peak / 1_000_000,
        written / 1_000_000
    );
}

/// One 50 MB document (demo texts end to end, paragraphs kept) through stylometry and n-grams
/// costs at most 4x its size at peak, reading included.
#[test]
fn one_long_document_costs_a_small_multiple_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.jsonl");
    // Written piece by piece: a spawned child inherits this process's peak RSS at exec.
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    write!(file, r#"{{"id": "long", "label": "human", "text": ""#).unwrap();
    let mut size = 0u64;
    'fill: loop {
        for doc in demo_texts() {
            let text = format!("{}\n\n", doc["text"].as_str().unwrap());
            let quoted = serde_json::to_string(&text).unwrap();
            file.write_all(&quoted.as_bytes()[1..quoted.len() - 1])
                .unwrap();
            size += text.len() as u64;
            if size >= 50_000_000 {
                break 'fill;
            }
        }
    }
    writeln!(file, "\"}}").unwrap();
    writeln!(
        file,
        r#"{{"id": "short", "text": "A short one.", "label": "machine"}}"#
    )
    .unwrap();
    drop(file);

    let output = dir.path().join("features.npy");
    let run = features(
        &["--features", "stylo,ngram", "--max-doc-bytes", "64MB"],
        &input,
        &output,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.peak <= 4 * size,
        "peak RSS {} MB for one {} MB document: over 4x its size",
        run.peak / 1_000_000,
        size / 1_000_000
    );
}

/// A 400 KB `.gz` holding one 400 MB line ends in a clear error at the size limit: no
/// allocation failure, memory near the limit, no temp file left behind.
#[test]
fn a_compression_bomb_ends_in_a_clear_error_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&bomb).unwrap(),
        flate2::Compression::best(),
    );
    gz.write_all(br#"{"id": "bomb", "label": "human", "text": ""#)
        .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..400 {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(b"\"}\n").unwrap();
    gz.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 2_000_000);

    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let output = out_dir.join("features.npy");
    let run = features(&["--features", "stylo,ngram"], &bomb, &output);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_mentions(
        &run.stderr,
        &[
            "bomb.jsonl.gz",
            "line 1",
            "longer than 21.0 MB",
            "--max-doc-bytes",
        ],
    );
    assert!(
        run.peak < 120_000_000,
        "peak RSS {} MB reading a bomb with a 10 MB limit",
        run.peak / 1_000_000
    );
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}
