//! Parquet, Arrow IPC and .txt-directory readers, and the no-panic property of every reader.

use std::sync::Arc;

use crate::common::*;
use arrow::array::{ArrayRef, Float32Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};
use driftprint::corpus::{IngestOptions, Source, Split};
use parquet::arrow::ArrowWriter;
use proptest::prelude::*;

fn batch(ids: &[&str], texts: &[Option<&str>], sources: &[&str]) -> RecordBatch {
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("id", Arc::new(StringArray::from(ids.to_vec())), false),
        ("body", Arc::new(StringArray::from(texts.to_vec())), true),
        (
            "origin",
            Arc::new(StringArray::from(sources.to_vec())),
            false,
        ),
        (
            "generation",
            Arc::new(Int32Array::from((0..ids.len() as i32).collect::<Vec<_>>())),
            false,
        ),
        (
            "temperature",
            Arc::new(Float32Array::from(vec![0.5f32; ids.len()])),
            false,
        ),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, a, null)| Field::new(*n, a.data_type().clone(), *null))
            .collect::<Vec<_>>(),
    ));
    RecordBatch::try_new(schema, columns.into_iter().map(|(_, a, _)| a).collect()).unwrap()
}

fn parquet_bytes(b: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), None).unwrap();
    w.write(b).unwrap();
    w.close().unwrap();
    out
}

fn arrow_file_bytes(b: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = arrow::ipc::writer::FileWriter::try_new(&mut out, &b.schema()).unwrap();
    w.write(b).unwrap();
    w.finish().unwrap();
    drop(w);
    out
}

fn arrow_stream_bytes(b: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &b.schema()).unwrap();
    w.write(b).unwrap();
    w.finish().unwrap();
    drop(w);
    out
}

fn remapped() -> IngestOptions {
    let mut o = IngestOptions::default();
    o.fields.remap("text", "body").unwrap();
    o.fields.remap("source", "origin").unwrap();
    o.source_values
        .extend_from_spec("human=real,llm=synthetic")
        .unwrap();
    o
}

fn sample() -> RecordBatch {
    batch(
        &["a", "b", "c"],
        &[Some("first text"), None, Some("third text")],
        &["human", "llm", "llm"],
    )
}

#[test]
fn parquet_and_arrow_ipc_load_with_remapped_fields_and_numeric_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let b = sample();
    for (name, bytes) in [
        ("s.parquet", parquet_bytes(&b)),
        ("s.arrow", arrow_file_bytes(&b)),
        ("s.feather", arrow_file_bytes(&b)),
        ("stream.arrow", arrow_stream_bytes(&b)),
    ] {
        let corpus = load(&[write(dir.path(), name, &bytes)], &remapped()).unwrap();
        assert_eq!(corpus.len(), 2, "{name}");
        assert_eq!(
            corpus.stats.skipped_empty, 1,
            "{name}: null text is counted as empty"
        );
        assert_eq!(corpus.docs[0].lineage.source, Source::Real);
        assert_eq!(corpus.docs[1].id, "c");
        assert_eq!(corpus.docs[1].lineage.source, Source::Synthetic);
        assert_eq!(corpus.docs[1].lineage.generation, Some(2));
        assert_eq!(corpus.docs[1].lineage.temperature, Some(0.5));
    }
}

#[test]
fn columnar_bad_inputs_name_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let b = batch(
        &["a", "b", "c"],
        &[Some("x"), Some("y"), Some("z")],
        &["human", "llm", "robot"],
    );
    for (name, bytes) in [
        ("bad.parquet", parquet_bytes(&b)),
        ("bad.arrow", arrow_file_bytes(&b)),
    ] {
        let e = load_err(&write(dir.path(), name, &bytes), &remapped());
        assert_mentions(&e, &[name, "row 3", "field 'origin'", "'robot'"]);
        let e = load_err(&write(dir.path(), name, &bytes), &IngestOptions::default());
        assert_mentions(&e, &[name, "row 1", "field 'text'", "body, origin"]);
    }
    let dup = batch(&["a", "a"], &[Some("x"), Some("y")], &["human", "human"]);
    let e = load_err(
        &write(dir.path(), "dup.parquet", &parquet_bytes(&dup)),
        &remapped(),
    );
    assert_mentions(&e, &["dup.parquet", "row 2", "duplicate id 'a'", "row 1"]);
    let e = load_err(
        &write(dir.path(), "junk.parquet", b"PAR1 this is not parquet PAR1"),
        &remapped(),
    );
    assert_mentions(&e, &["junk.parquet", "Parquet"]);
    let e = load_err(
        &write(dir.path(), "junk.arrow", b"ARROW1\0\0garbage"),
        &remapped(),
    );
    assert_mentions(&e, &["junk.arrow", "Arrow"]);
}

#[test]
fn text_directory_takes_lineage_from_defaults_and_ids_from_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b/second.txt", "Second document.".as_bytes());
    write(dir.path(), "a.txt", "First document.".as_bytes());
    write(dir.path(), "blank.txt", b"  \n");
    write(dir.path(), "notes.md", b"ignored");
    let options = with_defaults("source=synthetic,generator=gpt-4o,split=eval");
    let corpus = load(&[dir.path().to_path_buf()], &options).unwrap();
    let ids: Vec<&str> = corpus.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["a.txt", "b/second.txt"]);
    assert_eq!(corpus.stats.skipped_empty, 1);
    assert!(corpus
        .docs
        .iter()
        .all(|d| d.lineage.source == Source::Synthetic && d.lineage.split == Some(Split::Eval)));

    let e = load(&[dir.path().to_path_buf()], &IngestOptions::default()).unwrap_err();
    assert_mentions(&e, &["a.txt", "missing source", "--lineage source=real"]);
    write(dir.path(), "c.txt", b"bad \xff byte");
    let e = load(&[dir.path().to_path_buf()], &options).unwrap_err();
    assert_mentions(&e, &["c.txt", "invalid UTF-8"]);
}

/// A FIFO would block the reader forever and a link to /dev/zero never ends: a directory scan
/// takes regular files only (the test's reader runs in a thread, so a hang fails in 5 s).
#[test]
fn text_directory_skips_fifos_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "A document.".as_bytes());
    let fifo = dir.path().join("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.txt")).unwrap();
    let root = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let options = with_defaults("source=real");
        let _ = tx.send(load(&[root], &options).map(|c| c.docs.len()));
    });
    let loaded = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("reading a folder with a FIFO hung");
    assert_eq!(loaded.unwrap(), 1);
}

/// Flips bytes of a valid file: reaches deeper into a decoder than random bytes do.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)]) -> Vec<u8> {
    for &(pos, value) in edits {
        if !bytes.is_empty() {
            let i = pos % bytes.len();
            bytes[i] = value;
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_reader_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["x.jsonl", "x.csv", "x.parquet", "x.arrow", "x.jsonl.gz", "x.jsonl.zst"] {
            let path = write(dir.path(), name, &bytes);
            let _ = load(&[path], &IngestOptions::default());
            let _ = load(&[dir.path().join(name)], &IngestOptions { lossy_utf8: true, ..with_defaults("source=real") });
        }
    }

    #[test]
    fn no_reader_panics_on_corrupted_files(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        driftprint::corpus::quiet_decoder_panics();
        let dir = tempfile::tempdir().unwrap();
        let b = sample();
        let jsonl = b"{\"id\":\"a\",\"text\":\"x\",\"source\":\"real\",\"generation\":1}\n".to_vec();
        for (name, bytes) in [
            ("m.parquet", parquet_bytes(&b)),
            ("m.arrow", arrow_file_bytes(&b)),
            ("ms.arrow", arrow_stream_bytes(&b)),
            ("m.jsonl", jsonl.clone()),
            ("m.jsonl.zst", zstd::encode_all(&jsonl[..], 1).unwrap()),
        ] {
            let path = write(dir.path(), name, &mutate(bytes, &edits));
            let _ = load(&[path], &remapped());
        }
    }
}

#[test]
fn columnar_and_text_readers_apply_the_document_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let long = "word ".repeat(300);
    let b = batch(
        &["a", "b"],
        &[Some("short"), Some(&long)],
        &["human", "llm"],
    );
    let options = IngestOptions {
        max_doc_bytes: 1000,
        ..remapped()
    };
    for (name, bytes) in [
        ("s.parquet", parquet_bytes(&b)),
        ("s.arrow", arrow_file_bytes(&b)),
    ] {
        let path = write(dir.path(), name, &bytes);
        let e = load_err(&path, &options);
        assert_mentions(
            &e,
            &[name, "row 2", "body", "(1500 bytes)", "limit of 1000"],
        );
        let cut = IngestOptions {
            truncate_long_docs: true,
            ..options.clone()
        };
        let corpus = load(&[path], &cut).unwrap();
        assert_eq!(corpus.docs[1].text.len(), 1000);
        assert_eq!(corpus.stats.truncated, 1);
    }

    // A few huge values (Parquet's compression bomb) are refused from the row group's metadata.
    let huge = "x".repeat(3_000_000);
    let b = batch(
        &["a", "b"],
        &[Some("short"), Some(&huge)],
        &["human", "llm"],
    );
    let path = write(dir.path(), "bomb.parquet", &parquet_bytes(&b));
    let e = load_err(&path, &options);
    assert_mentions(
        &e,
        &[
            "bomb.parquet",
            "row 1",
            "row group 1 (2 rows",
            "longer than",
        ],
    );

    let texts = dir.path().join("texts");
    write(&texts, "long.txt", long.as_bytes());
    write(&texts, "short.txt", b"A short one.");
    let options = IngestOptions {
        max_doc_bytes: 1000,
        ..with_defaults("source=real")
    };
    let e = load(std::slice::from_ref(&texts), &options).unwrap_err();
    assert_mentions(&e, &["long.txt", "(1500 bytes)", "limit of 1000"]);
    let cut = IngestOptions {
        truncate_long_docs: true,
        ..options
    };
    let corpus = load(&[texts], &cut).unwrap();
    assert_eq!(corpus.docs[0].text.len(), 1000);
    assert_eq!(corpus.stats.truncated, 1);
    assert_mentions(
        &corpus.stats.truncated_examples.join(" "),
        &["long.txt was 1500 bytes"],
    );
}
