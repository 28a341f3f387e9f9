//! JSONL and CSV readers: good input, compression, and every bad-input case the issue names.

use std::io::Write;

use crate::common::*;
use driftprint::corpus::{IngestOptions, Source, Split};

const GOOD: &str = r#"{"id": "a", "text": "Human words here.", "source": "real", "generator": null, "split": "train", "label": "pos"}
{"id": "b", "text": "Machine words here.", "source": "synthetic", "generator": "gpt-4o", "temperature": 0.7, "generation": 2, "prompt_id": 17}

{"id": "c", "text": "   ", "source": "real"}
"#;

#[test]
fn jsonl_reads_lineage_and_skips_blank_texts_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "c.jsonl", GOOD.as_bytes());
    let corpus = load(&[path], &IngestOptions::default()).unwrap();
    assert_eq!(corpus.len(), 2);
    assert_eq!(corpus.stats.skipped_empty, 1);
    assert!(
        corpus.stats.skipped_examples[0].ends_with("c.jsonl: line 4"),
        "{:?}",
        corpus.stats.skipped_examples
    );
    let b = &corpus.docs[1];
    assert_eq!(b.lineage.source, Source::Synthetic);
    assert_eq!(b.lineage.generator.as_deref(), Some("gpt-4o"));
    assert_eq!(b.lineage.temperature, Some(0.7));
    assert_eq!(b.lineage.generation, Some(2));
    assert_eq!(b.lineage.prompt_id.as_deref(), Some("17"));
    assert_eq!(corpus.docs[0].lineage.split, Some(Split::Train));
    assert_eq!(corpus.docs[0].lineage.label.as_deref(), Some("pos"));
}

#[test]
fn gzip_and_zstd_are_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(GOOD.as_bytes()).unwrap();
    let gz_path = write(dir.path(), "c.jsonl.gz", &gz.finish().unwrap());
    let zst_path = write(
        dir.path(),
        "d.jsonl.zst",
        &zstd::encode_all(GOOD.as_bytes(), 3).unwrap(),
    );
    let plain = load(
        &[write(dir.path(), "e.jsonl", GOOD.as_bytes())],
        &IngestOptions::default(),
    )
    .unwrap();
    for path in [gz_path, zst_path] {
        let corpus = load(&[path], &IngestOptions::default()).unwrap();
        assert_eq!(corpus.docs, plain.docs);
    }
}

#[test]
fn missing_text_field_names_file_line_field_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "m.jsonl",
        b"{\"id\":\"a\",\"body\":\"x\",\"source\":\"real\"}\n",
    );
    let e = load_err(&path, &IngestOptions::default());
    assert_mentions(
        &e,
        &["m.jsonl", "line 1", "field 'text'", "body", "--text-field"],
    );
}

#[test]
fn remapped_text_and_source_fields_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "r.jsonl",
        b"{\"id\":\"a\",\"body\":\"x y\",\"origin\":\"human\"}\n",
    );
    let mut options = IngestOptions::default();
    options.fields.remap("text", "body").unwrap();
    options.fields.remap("source", "origin").unwrap();
    options
        .source_values
        .extend_from_spec("human=real")
        .unwrap();
    let corpus = load(&[path], &options).unwrap();
    assert_eq!(corpus.docs[0].text, "x y");
    assert_eq!(corpus.docs[0].lineage.source, Source::Real);
}

#[test]
fn invalid_json_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "j.jsonl",
        b"{\"id\":\"a\",\"text\":\"x\",\"source\":\"real\"}\n{\"id\": \"b\", \"text\n",
    );
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["j.jsonl", "line 2", "invalid JSON"],
    );
    let path = write(dir.path(), "k.jsonl", b"[1, 2]\n");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["k.jsonl", "line 1", "JSON object"],
    );
}

#[test]
fn invalid_utf8_fails_or_is_replaced_and_counted_in_lossy_mode() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"{\"id\":\"a\",\"text\":\"ok\",\"source\":\"real\"}\n".to_vec();
    bytes.extend_from_slice(b"{\"id\":\"b\",\"text\":\"bad \xff\xfe here\",\"source\":\"real\"}\n");
    let path = write(dir.path(), "u.jsonl", &bytes);
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["u.jsonl", "line 2", "invalid UTF-8", "--lossy-utf8"],
    );
    let lossy = IngestOptions {
        lossy_utf8: true,
        ..IngestOptions::default()
    };
    let corpus = load(&[path], &lossy).unwrap();
    assert_eq!(corpus.len(), 2);
    assert_eq!(corpus.stats.utf8_replacements, 2);
    assert!(corpus.docs[1].text.contains('\u{fffd}'));
}

#[test]
fn unknown_source_value_names_value_field_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.jsonl", b"{\"id\":\"a\",\"text\":\"x\",\"source\":\"real\"}\n{\"id\":\"b\",\"text\":\"x\",\"source\":\"machine\"}\n");
    let e = load_err(&path, &IngestOptions::default());
    assert_mentions(
        &e,
        &[
            "s.jsonl",
            "line 2",
            "field 'source'",
            "'machine'",
            "--source-values machine=real",
        ],
    );
}

#[test]
fn missing_source_without_a_default_is_an_error_and_with_one_is_filled() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "n.jsonl", b"{\"id\":\"a\",\"text\":\"x\"}\n");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &[
            "n.jsonl",
            "line 1",
            "missing source",
            "--lineage source=real",
        ],
    );
    let corpus = load(&[path], &with_defaults("source=synthetic,generator=g1")).unwrap();
    assert_eq!(corpus.docs[0].lineage.source, Source::Synthetic);
    assert_eq!(corpus.docs[0].lineage.generator.as_deref(), Some("g1"));
}

#[test]
fn bad_lineage_values_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 4] = [
        (
            r#"{"id":"a","text":"x","source":"real","generation":-1}"#,
            &["field 'generation'", "non-negative integer"],
        ),
        (
            r#"{"id":"a","text":"x","source":"real","generation":1.5}"#,
            &["field 'generation'"],
        ),
        (
            r#"{"id":"a","text":"x","source":"real","temperature":"hot"}"#,
            &["field 'temperature'", "'hot'"],
        ),
        (
            r#"{"id":"a","text":"x","source":"real","split":"holdout"}"#,
            &["field 'split'", "'holdout'"],
        ),
    ];
    for (i, (line, fragments)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("v{i}.jsonl"), line.as_bytes());
        let e = load_err(&path, &IngestOptions::default());
        assert_mentions(&e, &[&format!("v{i}.jsonl"), "line 1"]);
        assert_mentions(&e, fragments);
    }
}

#[test]
fn empty_corpus_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.jsonl", b"");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["empty.jsonl", "empty corpus"],
    );
    let path = write(
        dir.path(),
        "blank.jsonl",
        b"{\"id\":\"a\",\"text\":\" \",\"source\":\"real\"}\n",
    );
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["blank.jsonl", "empty corpus", "1 skipped"],
    );
}

#[test]
fn duplicate_ids_name_both_places_even_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "d.jsonl", b"{\"id\":\"a\",\"text\":\"x\",\"source\":\"real\"}\n{\"id\":\"a\",\"text\":\"y\",\"source\":\"real\"}\n");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &[
            "d.jsonl",
            "line 2",
            "field 'id'",
            "duplicate id 'a'",
            "line 1",
        ],
    );
    let first = write(
        dir.path(),
        "one.jsonl",
        b"{\"id\":\"z\",\"text\":\"x\",\"source\":\"real\"}\n",
    );
    let second = write(dir.path(), "two.csv", b"id,text,source\nz,y,real\n");
    let e = load(&[first, second], &IngestOptions::default()).unwrap_err();
    assert_mentions(&e, &["two.csv", "line 2", "duplicate id 'z'", "one.jsonl"]);
}

#[test]
fn missing_ids_are_generated_from_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "noid.jsonl",
        b"{\"text\":\"x\",\"source\":\"real\"}\n\n{\"text\":\"y\",\"source\":\"real\"}\n",
    );
    let corpus = load(&[path], &IngestOptions::default()).unwrap();
    assert_eq!(corpus.docs[0].id, "noid.jsonl:1");
    assert_eq!(corpus.docs[1].id, "noid.jsonl:3");
    assert_eq!(corpus.stats.generated_ids, 2);
}

#[test]
fn unreadable_and_unknown_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = load_err(&dir.path().join("nope.jsonl"), &IngestOptions::default());
    assert_mentions(&e, &["nope.jsonl", "cannot read"]);
    let path = write(dir.path(), "table.xlsx", b"x");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["table.xlsx", "--format"],
    );
}

#[test]
fn csv_reads_quoted_multiline_text_and_treats_empty_cells_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "id,text,source,generation,temperature\na,\"line one\nline two, with comma\",real,,\nb,plain,synthetic,3,0.5\n";
    let corpus = load(
        &[write(dir.path(), "c.csv", csv.as_bytes())],
        &IngestOptions::default(),
    )
    .unwrap();
    assert_eq!(corpus.docs[0].text, "line one\nline two, with comma");
    assert_eq!(corpus.docs[0].lineage.generation, None);
    assert_eq!(corpus.docs[1].lineage.generation, Some(3));
    assert_eq!(corpus.docs[1].lineage.temperature, Some(0.5));
    let tsv = "id\ttext\tsource\nx\thello there\treal\n";
    let corpus = load(
        &[write(dir.path(), "t.tsv", tsv.as_bytes())],
        &IngestOptions::default(),
    )
    .unwrap();
    assert_eq!(corpus.docs[0].text, "hello there");
}

#[test]
fn csv_bad_inputs_name_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.csv", b"id,body,source\n1,x,real\n");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["a.csv", "line 2", "field 'text'", "body"],
    );
    let path = write(dir.path(), "b.csv", b"id,text,source\n1,x,real\n2,y\n");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["b.csv", "line 3", "2 fields", "header has 3"],
    );
    let path = write(
        dir.path(),
        "c.csv",
        b"id,text,source\n1,x,real\n2,bad \xff,real\n",
    );
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["c.csv", "line 3", "field 'text'", "invalid UTF-8"],
    );
    let path = write(dir.path(), "d.csv", b"id,text,source\n1,x,robot\n");
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &["d.csv", "line 2", "field 'source'", "'robot'"],
    );
}

#[test]
fn a_csv_column_named_twice_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "twice.csv",
        b"id,text,source,text\na,first,real,second\n",
    );
    assert_mentions(
        &load_err(&path, &IngestOptions::default()),
        &[
            "twice.csv",
            "line 1",
            "'text' appears twice",
            "columns 2 and 4",
        ],
    );
}

fn limited(max_doc_bytes: u64, truncate: bool) -> IngestOptions {
    IngestOptions {
        max_doc_bytes,
        truncate_long_docs: truncate,
        ..IngestOptions::default()
    }
}

#[test]
fn a_document_over_the_size_limit_is_an_error_naming_file_line_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let long = "word ".repeat(300);
    let jsonl = write(
        dir.path(),
        "a.jsonl",
        format!(
            "{{\"id\":\"a\",\"text\":\"short\",\"source\":\"real\"}}\n\
             {{\"id\":\"b\",\"text\":\"{long}\",\"source\":\"real\"}}\n"
        )
        .as_bytes(),
    );
    let e = load_err(&jsonl, &limited(1000, false));
    assert_mentions(
        &e,
        &[
            "a.jsonl",
            "line 2",
            "text",
            "(1500 bytes)",
            "limit of 1000 bytes",
            "--max-doc-bytes",
            "--truncate-long-docs",
        ],
    );
    let csv = write(
        dir.path(),
        "a.csv",
        format!("id,text,source\na,short,real\nb,\"{long}\",real\n").as_bytes(),
    );
    let e = load_err(&csv, &limited(1000, false));
    assert_mentions(
        &e,
        &["a.csv", "line 3", "(1500 bytes)", "limit of 1000 bytes"],
    );
    // Within the limit (the default is 10 MB) both load.
    for path in [jsonl, csv] {
        assert_eq!(load(&[path], &limited(1500, false)).unwrap().len(), 2);
    }
}

#[test]
fn with_truncation_long_documents_are_cut_at_a_character_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // 3-byte characters: a cut at 1000 bytes falls inside one.
    let long = "\u{20ac}".repeat(500);
    let jsonl = write(
        dir.path(),
        "a.jsonl",
        format!(
            "{{\"id\":\"a\",\"text\":\"{long}\",\"source\":\"real\"}}\n\
             {{\"id\":\"b\",\"text\":\"short\",\"source\":\"real\"}}\n"
        )
        .as_bytes(),
    );
    let corpus = load(&[jsonl], &limited(1000, true)).unwrap();
    assert_eq!(corpus.docs[0].text, "\u{20ac}".repeat(333));
    assert_eq!(corpus.docs[1].text, "short");
    assert_eq!(corpus.stats.truncated, 1);
    assert_mentions(
        &corpus.stats.truncated_examples.join(" "),
        &["a.jsonl: line 1 was 1500 bytes"],
    );
}

/// A record far over the limit is refused while it is read: the reader never holds more than
/// twice the limit plus 1 MiB of it (what the compression-bomb test relies on).
#[test]
fn a_record_far_over_the_limit_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(3_000_000);
    let jsonl = write(
        dir.path(),
        "huge.jsonl",
        format!("{{\"id\":\"a\",\"text\":\"ok\",\"source\":\"real\"}}\n{{\"text\":\"{huge}\"}}\n")
            .as_bytes(),
    );
    for truncate in [false, true] {
        let e = load_err(&jsonl, &limited(1000, truncate));
        assert_mentions(
            &e,
            &[
                "huge.jsonl",
                "line 2",
                "longer than",
                "reading stopped",
                "--max-doc-bytes",
            ],
        );
    }
    let csv = write(
        dir.path(),
        "huge.csv",
        format!("id,text,source\na,ok,real\nb,\"{huge}\",real\n").as_bytes(),
    );
    let e = load_err(&csv, &limited(1000, false));
    assert_mentions(
        &e,
        &["huge.csv", "line 3", "longer than", "reading stopped"],
    );
}
