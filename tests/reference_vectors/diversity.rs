//! Reference vectors for the collapse diversity metrics (14): distinct-n, type-token ratio,
//! unigram entropy, self-BLEU (NLTK) and the gzip compression ratio.

use crate::common::reference::*;

use driftprint::collapse::diversity::{
    distinct_n, gzip_ratio, self_bleu, type_token_ratio, unigram_entropy_bits,
};

#[test]
fn diversity_metrics() {
    for case in cases("14_diversity.json") {
        let name = case["name"].as_str().unwrap();
        let sentences: Vec<Vec<&str>> = case["inputs"]["sentences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s.as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap())
                    .collect()
            })
            .collect();
        let exp = &case["expected"];
        let tol = tolerance(&case, "distinct/ttr/entropy");
        for n in 1..=3 {
            let (unique, total) = distinct_n(&sentences, n);
            assert_eq!(
                unique as f64,
                num(&exp[format!("ngram_unique_{n}")]),
                "{name} n={n}"
            );
            assert_eq!(
                total as f64,
                num(&exp[format!("ngram_total_{n}")]),
                "{name} n={n}"
            );
            assert_close(
                unique as f64 / total as f64,
                num(&exp[format!("distinct_{n}")]),
                tol,
                &format!("{name} distinct_{n}"),
            );
        }
        assert_close(
            type_token_ratio(&sentences),
            num(&exp["ttr"]),
            tol,
            &format!("{name} ttr"),
        );
        assert_close(
            unigram_entropy_bits(&sentences),
            num(&exp["unigram_entropy_bits"]),
            tol,
            &format!("{name} entropy"),
        );
        let bleu_tol = tolerance(&case, "self_bleu");
        let (per_sentence, mean) = self_bleu(&sentences);
        for (i, (got, want)) in per_sentence
            .iter()
            .zip(vector(&exp["self_bleu_per_sentence"]))
            .enumerate()
        {
            assert_close(*got, want, bleu_tol, &format!("{name} self_bleu[{i}]"));
        }
        assert_close(
            mean,
            num(&exp["self_bleu"]),
            bleu_tol,
            &format!("{name} self_bleu"),
        );
        // The file allows 5% on the gzip ratio: deflate implementations differ by a few bytes.
        let (text_bytes, gzip_bytes, ratio) = gzip_ratio(&sentences);
        assert_eq!(
            text_bytes as f64,
            num(&exp["text_bytes"]),
            "{name} text bytes"
        );
        assert_close(
            ratio,
            num(&exp["gzip_ratio"]),
            (0.05, 0.0),
            &format!("{name} gzip ratio"),
        );
        eprintln!(
            "{name}: gzip {gzip_bytes} bytes (zlib level 9: {})",
            exp["gzip_bytes"]
        );
    }
}
