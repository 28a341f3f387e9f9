//! `driftprint.toml`: parsed into raw serde structs (unknown keys are errors), then checked once
//! into the option types the library uses. `[ingest]` and `[features]` are checked here; each
//! domain owns its section, raw and checked (`divergence::config`, `fingerprint::config`,
//! `collapse::config`, `policy::config`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::{check_dim, check_projection_dim};
use crate::collapse::config::CollapseConfig;
use crate::corpus::side_file::{read_side_text, SideFile};
use crate::corpus::{FieldMap, Format, IngestOptions, LineageDefaults, SourceValues};
use crate::divergence::DriftConfig;
use crate::error::{ConfigError, Error, Result};
use crate::features::{FeatureKind, FeatureSettings, NgramConfig};
use crate::fingerprint::config::FingerprintConfig;

use crate::stats::rng::DEFAULT_SEED;

mod location;
#[cfg(test)]
mod mutated_text;
mod overrides;
pub use overrides::{absolute_path, Overrides};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    seed: Option<u64>,
    #[serde(default)]
    ingest: RawIngest,
    #[serde(default)]
    features: RawFeatures,
    #[serde(default)]
    drift: crate::divergence::config::RawDrift,
    #[serde(default)]
    fingerprint: crate::fingerprint::config::RawFingerprint,
    #[serde(default)]
    policy: crate::policy::config::RawPolicy,
    #[serde(default)]
    collapse: crate::collapse::config::RawCollapse,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIngest {
    /// Corpus files, relative to the config file's directory.
    #[serde(default)]
    inputs: Vec<PathBuf>,
    format: Option<String>,
    lossy_utf8: Option<bool>,
    batch_size: Option<usize>,
    /// Bytes (integer) or a size such as "10MB".
    max_doc_bytes: Option<toml::Value>,
    truncate_long_docs: Option<bool>,
    /// schema field -> input field name.
    #[serde(default)]
    fields: BTreeMap<String, String>,
    /// input value -> real | synthetic.
    #[serde(default)]
    source_values: BTreeMap<String, String>,
    /// lineage key -> constant value for rows without that field.
    #[serde(default)]
    lineage: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeatures {
    sets: Option<Vec<String>>,
    normalize: Option<String>,
    char_ngrams: Option<String>,
    ngram_dim: Option<usize>,
    projection_dim: Option<usize>,
    embed: Option<RawEmbed>,
    lm: Option<RawLm>,
}

/// `[features.lm]`: the language-model scorer and its cache.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLm {
    /// Relative to the config file's directory.
    model_dir: Option<PathBuf>,
    max_tokens: Option<usize>,
    batch_size: Option<usize>,
    max_documents: Option<usize>,
    /// Relative to the config file's directory.
    cache_dir: Option<PathBuf>,
    cache: Option<bool>,
}

/// `[features.embed]`: the sentence encoder and its cache.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmbed {
    /// Relative to the config file's directory.
    model_dir: Option<PathBuf>,
    max_tokens: Option<usize>,
    batch_size: Option<usize>,
    chunked: Option<bool>,
    /// Relative to the config file's directory.
    cache_dir: Option<PathBuf>,
    cache: Option<bool>,
}

/// A checked configuration: every value has been validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub seed: u64,
    pub inputs: Vec<PathBuf>,
    pub ingest: IngestOptions,
    pub features: FeatureSettings,
    pub drift: DriftConfig,
    pub fingerprint: FingerprintConfig,
    pub policy: crate::policy::PolicyConfig,
    pub collapse: CollapseConfig,
}

impl Default for Config {
    fn default() -> Self {
        let mut features = FeatureSettings::default();
        features.ngram.seed = DEFAULT_SEED;
        Config {
            seed: DEFAULT_SEED,
            inputs: Vec::new(),
            ingest: IngestOptions::default(),
            features,
            drift: DriftConfig::default(),
            fingerprint: FingerprintConfig::default(),
            policy: crate::policy::PolicyConfig::default(),
            collapse: CollapseConfig::default(),
        }
    }
}

impl Config {
    /// The seed of every random choice, the n-gram hashing's included.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.features.ngram.seed = seed;
    }

    pub fn load(path: &Path) -> Result<Config> {
        Config::resolve(Some(path), &Overrides::default())
    }

    /// The config file (if any) with the command-line flags laid over it, checked once.
    pub fn resolve(path: Option<&Path>, flags: &Overrides) -> Result<Config> {
        let Some(path) = path else {
            return Config::parse_with("", Path::new(""), flags);
        };
        let text = read_side_text(path, SideFile::Config)?;
        Config::parse_with(&text, path, flags)
    }

    /// Parses TOML text; `path` names the file in errors and anchors relative input paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        Config::parse_with(text, path, &Overrides::default())
    }

    fn parse_with(text: &str, path: &Path, flags: &Overrides) -> Result<Config> {
        let origin = path.display().to_string();
        // TOML's own errors (syntax, unknown keys, wrong types, duplicates) carry a span.
        let file_error = |e: toml::de::Error| {
            let message = e.message().trim().replace('\n', ": ");
            match e.span() {
                Some(s) => ConfigError::new(
                    location::at_offset(&origin, text, s.start),
                    location::key_at(text, s.start),
                    message,
                ),
                None => ConfigError::new(&origin, "(file)", message),
            }
        };
        // The file alone first, so that its errors point at its own lines.
        let mut raw: RawConfig = toml::from_str(text).map_err(file_error)?;
        if !flags.is_empty() {
            let mut table: toml::Table = toml::from_str(text).map_err(file_error)?;
            flags.lay_over(&mut table);
            raw = RawConfig::deserialize(toml::Value::Table(table)).map_err(|e| {
                ConfigError::new(
                    "command line",
                    "(flags)",
                    e.message().trim().replace('\n', ": "),
                )
            })?;
        }
        // A refused value: the flag that gave it, else the line of its key in the file.
        let err = |key: &str, message: String| {
            Error::Config(match flags.flag_for(key) {
                Some(flag) => ConfigError::new("command line", flag, message),
                None => match location::key_span(text, key) {
                    Some(span) => ConfigError::new(
                        location::at_offset(&origin, text, span.start),
                        key,
                        message,
                    ),
                    None => ConfigError::new(&origin, key, message),
                },
            })
        };
        let mut config = Config::default();
        if let Some(seed) = raw.seed {
            config.set_seed(seed);
        }

        let base = path.parent().unwrap_or(Path::new(""));
        config.inputs = raw.ingest.inputs.iter().map(|p| base.join(p)).collect();
        let ingest = &mut config.ingest;
        if let Some(f) = &raw.ingest.format {
            ingest.format = Some(f.parse::<Format>().map_err(|m| err("ingest.format", m))?);
        }
        ingest.lossy_utf8 = raw.ingest.lossy_utf8.unwrap_or(false);
        if let Some(b) = raw.ingest.batch_size {
            if b == 0 || b > 1_000_000 {
                return Err(err(
                    "ingest.batch_size",
                    format!("must be between 1 and 1000000, not {b}"),
                ));
            }
            ingest.batch_size = b;
        }
        if let Some(size) = &raw.ingest.max_doc_bytes {
            ingest.max_doc_bytes = match size {
                toml::Value::Integer(n) if *n > 0 => *n as u64,
                toml::Value::String(s) => crate::corpus::byte_size::parse_byte_size(s)
                    .map_err(|m| err("ingest.max_doc_bytes", m))?,
                other => {
                    return Err(err(
                        "ingest.max_doc_bytes",
                        format!("must be a positive number of bytes or a size such as \"10MB\", not {other}"),
                    ))
                }
            };
        }
        ingest.truncate_long_docs = raw.ingest.truncate_long_docs.unwrap_or(false);
        let mut fields = FieldMap::default();
        for (field, input) in &raw.ingest.fields {
            fields
                .remap(field, input)
                .map_err(|m| err(&format!("ingest.fields.{field}"), m))?;
        }
        ingest.fields = fields;
        let mut values = SourceValues::default();
        for (from, to) in &raw.ingest.source_values {
            values
                .insert(from, to)
                .map_err(|m| err(&format!("ingest.source_values.{from}"), m))?;
        }
        ingest.source_values = values;
        let mut defaults = LineageDefaults::default();
        for (key, value) in &raw.ingest.lineage {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            defaults
                .set(key, &text)
                .map_err(|m| err(&format!("ingest.lineage.{key}"), m))?;
        }
        ingest.defaults = defaults;

        if let Some(sets) = &raw.features.sets {
            config.features.kinds =
                FeatureKind::parse_list(&sets.join(",")).map_err(|m| err("features.sets", m))?;
        }
        if let Some(n) = &raw.features.normalize {
            config.features.normalization = n.parse().map_err(|m| err("features.normalize", m))?;
        }
        let ngram: &mut NgramConfig = &mut config.features.ngram;
        if let Some(k) = &raw.features.char_ngrams {
            ngram.chars = k.parse().map_err(|m| err("features.char_ngrams", m))?;
        }
        if let Some(d) = raw.features.ngram_dim {
            check_dim(d, crate::features::ngrams::MAX_DIM)
                .map_err(|m| err("features.ngram_dim", m))?;
            ngram.dim = d;
        }
        if let Some(d) = raw.features.projection_dim {
            check_projection_dim(d).map_err(|m| err("features.projection_dim", m))?;
            ngram.projection_dim = d;
        }
        if let Some(e) = raw.features.embed {
            let embed = &mut config.features.embed;
            embed.model_dir = e.model_dir.map(|p| base.join(p));
            embed.cache_dir = e.cache_dir.map(|p| base.join(p));
            if let Some(t) = e.max_tokens {
                embed.max_tokens =
                    check_max_tokens(t).map_err(|m| err("features.embed.max_tokens", m))?;
            }
            if let Some(b) = e.batch_size {
                embed.batch_size =
                    check_embed_batch(b).map_err(|m| err("features.embed.batch_size", m))?;
            }
            embed.chunked = e.chunked.unwrap_or(embed.chunked);
            embed.cache = e.cache.unwrap_or(embed.cache);
        }
        if let Some(l) = raw.features.lm {
            let lm = &mut config.features.lm;
            lm.model_dir = l.model_dir.map(|p| base.join(p));
            lm.cache_dir = l.cache_dir.map(|p| base.join(p));
            if let Some(t) = l.max_tokens {
                lm.max_tokens =
                    check_lm_max_tokens(t).map_err(|m| err("features.lm.max_tokens", m))?;
            }
            if let Some(b) = l.batch_size {
                lm.batch_size =
                    check_embed_batch(b).map_err(|m| err("features.lm.batch_size", m))?;
            }
            if let Some(n) = l.max_documents {
                check_dim(n, 1_000_000).map_err(|m| err("features.lm.max_documents", m))?;
                lm.max_documents = n;
            }
            lm.cache = l.cache.unwrap_or(lm.cache);
        }
        config.drift = DriftConfig::check(raw.drift, &err)?;
        config.fingerprint = FingerprintConfig::check(raw.fingerprint, base, &err)?;
        config.policy = crate::policy::PolicyConfig::check(raw.policy, base, &err)?;
        config.collapse = CollapseConfig::check(raw.collapse, base, &err)?;
        Ok(config)
    }
}

/// The language model's token limit: 8 ..= 2048.
pub fn check_lm_max_tokens(t: usize) -> std::result::Result<usize, String> {
    if (8..=crate::features::lm::MAX_LM_TOKENS).contains(&t) {
        Ok(t)
    } else {
        Err(format!(
            "must be 8 to {} tokens, not {t}",
            crate::features::lm::MAX_LM_TOKENS
        ))
    }
}

/// The embedding token limit: 8 ..= 512 (BERT-family models have 512 positions).
pub fn check_max_tokens(t: usize) -> std::result::Result<usize, String> {
    if (8..=crate::features::embed::MAX_TOKENS).contains(&t) {
        Ok(t)
    } else {
        Err(format!(
            "must be between 8 and {}, not {t}",
            crate::features::embed::MAX_TOKENS
        ))
    }
}

/// Texts per encoder forward pass: 1 ..= 1024.
pub fn check_embed_batch(b: usize) -> std::result::Result<usize, String> {
    if (1..=1024).contains(&b) {
        Ok(b)
    } else {
        Err(format!("must be between 1 and 1024, not {b}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::grouping::GroupBy;
    use crate::fingerprint::learner::LearnerKind;

    #[test]
    fn parses_a_full_config() {
        let text = r#"
seed = 7
[ingest]
inputs = ["demo.jsonl"]
[ingest.fields]
source = "label"
[ingest.source_values]
human = "real"
machine = "synthetic"
[ingest.lineage]
split = "train"
generation = 2
[features]
sets = ["stylo"]
normalize = "none"
char_ngrams = "across-words"
ngram_dim = 1024
[features.embed]
model_dir = "models/minilm"
max_tokens = 128
chunked = true
cache = false
[fingerprint]
features = ["stylo", "ngram", "embed"]
learner = "ftrl"
c = 0.5
tolerance = 1e-5
target_fpr = 0.05
calibration_fraction = 0.3
lexicon_size = 10
threshold_rule = "pooled"
group_by = "dataset"
balance_by = "none"
model = "fp.model"
train = ["labelled.jsonl"]
[collapse]
alpha = 0.01
self_bleu_sample = 50
embed = true
reference = ["real.jsonl"]
inputs = ["gens.jsonl"]
[collapse.thresholds]
distinct_2 = 0.3
"#;
        let c = Config::parse(text, Path::new("conf/driftprint.toml")).unwrap();
        let collapse = &c.collapse;
        assert_eq!((collapse.alpha, collapse.self_bleu_sample), (0.01, 50));
        assert!(collapse.embed);
        assert_eq!(collapse.reference, vec![PathBuf::from("conf/real.jsonl")]);
        assert_eq!(collapse.inputs, vec![PathBuf::from("conf/gens.jsonl")]);
        assert_eq!(collapse.thresholds.get("distinct_2"), Some(&0.3));
        let fp = &c.fingerprint;
        assert_eq!(fp.features.len(), 3);
        assert_eq!(fp.learner, LearnerKind::Ftrl);
        assert_eq!((fp.c, fp.tolerance, fp.target_fpr), (0.5, 1e-5, 0.05));
        assert_eq!((fp.calibration_fraction, fp.lexicon_size), (0.3, 10));
        assert_eq!(fp.group_by, GroupBy::Field("dataset".into()));
        assert_eq!(fp.balance_by, None);
        assert_eq!(
            fp.threshold_rule,
            crate::fingerprint::detector::ThresholdRule::Pooled
        );
        assert_eq!(
            c.features.normalization,
            crate::features::Normalization::None
        );
        assert_eq!(
            c.features.ngram.chars,
            crate::features::ngrams::CharNgrams::AcrossWords
        );
        assert_eq!(fp.model, Some(PathBuf::from("conf/fp.model")));
        assert_eq!(fp.train, vec![PathBuf::from("conf/labelled.jsonl")]);
        assert_eq!(
            c.features.embed.model_dir,
            Some(PathBuf::from("conf/models/minilm"))
        );
        assert_eq!(c.features.embed.max_tokens, 128);
        assert!(c.features.embed.chunked && !c.features.embed.cache);
        assert_eq!(c.seed, 7);
        assert_eq!(c.inputs, vec![PathBuf::from("conf/demo.jsonl")]);
        assert_eq!(c.ingest.fields.input_name("source"), Some("label"));
        assert_eq!(c.ingest.defaults.generation, Some(2));
        assert_eq!(c.features.kinds, vec![FeatureKind::Stylo]);
        assert_eq!(c.features.ngram.dim, 1024);
        assert_eq!(c.features.ngram.seed, 7);
    }

    #[test]
    fn drift_test_tables_come_from_the_registry_and_anything_else_is_named() {
        let c = Config::parse("[drift.mmd_rff]\nfeatures = 64\n", Path::new("c.toml")).unwrap();
        assert!(c.drift.tests().iter().all(|t| t.info.name != "mmd_rff"));
        let e = Config::parse("[drift.mmd_rff]\nfeatures = 7\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().contains("drift.mmd_rff: features"), "{e}");
        let text = "[drift]\ntests = [\"vendi\"]\n[drift.vendi]\nq = 2.0\n";
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        let names: Vec<&str> = c.drift.tests().iter().map(|t| t.info.name).collect();
        assert_eq!(names, ["vendi"], "the default gate gates only what runs");
        assert!(c.drift.gate().is_empty());
        assert_eq!(c.drift.tests()[0].params["q"].as_float(), Some(2.0));
        for (text, key, hint) in [
            ("[drift.mmdd]\n", "drift.mmdd", "mmd_rff"),
            ("[drift]\nalhpa = 0.1\n", "drift.alhpa", "max_per_side"),
            ("[drift]\nmmd = 3\n", "drift.mmd", "parameter table"),
        ] {
            let e = Config::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key) && e.contains(hint), "{text}: {e}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let e = Config::parse("[ingest]\ntext_feild = \"body\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("text_feild"), "{e}");
        let e = Config::parse("[features.embed]\nmax_tokens = 4096\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("features.embed.max_tokens"), "{e}");
        let e = Config::parse("[features.embed]\nmodel = 1\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("model"), "{e}");
        let e = Config::parse("[features]\nngram_dim = 0\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("features.ngram_dim"), "{e}");
        let e = Config::parse(
            "[ingest.source_values]\nhuman = \"people\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("ingest.source_values.human"), "{e}");
        for (line, key) in [
            ("learner = \"svm\"", "fingerprint.learner"),
            ("c = -1.0", "fingerprint.c"),
            ("target_fpr = 1.0", "fingerprint.target_fpr"),
            (
                "calibration_fraction = 0.0",
                "fingerprint.calibration_fraction",
            ),
            ("features = [\"bert\"]", "fingerprint.features"),
            ("threshold_rule = \"median\"", "fingerprint.threshold_rule"),
            ("balance_by = \"\"", "fingerprint.balance_by"),
        ] {
            let e = Config::parse(&format!("[fingerprint]\n{line}\n"), Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{line}: {e}");
        }
        for (line, key) in [
            ("alpha = 1.5", "collapse.alpha"),
            ("self_bleu_sample = 1", "collapse.self_bleu_sample"),
            (
                "thresholds = { distinct_2 = nan }",
                "collapse.thresholds.distinct_2",
            ),
            ("alhpa = 0.1", "alhpa"),
        ] {
            let e = Config::parse(&format!("[collapse]\n{line}\n"), Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{line}: {e}");
        }
    }

    #[test]
    fn toml_errors_name_the_line_the_column_and_the_table_they_are_in() {
        let parse_err = |text: &str| {
            Config::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string()
        };
        // A second [ingest] after [policy] is about ingest, at its own header.
        let e = parse_err("[ingest]\nbatch_size = 10\n[policy]\nper_class = true\n[ingest]\n");
        assert!(e.starts_with("c.toml:5:1: ingest: "), "{e}");
        assert!(
            e.contains("duplicate key `ingest`") && !e.contains('\n'),
            "{e}"
        );
        let e = parse_err("seed = 1\n[ingest]\nbatch_size = \"ten\"\n");
        assert!(e.starts_with("c.toml:3:14: ingest.batch_size: "), "{e}");
        let e = parse_err("[features]\nsets = [\"stylo\"]\nprojecton_dim = 64\n");
        assert!(e.starts_with("c.toml:3:1: features.projecton_dim: "), "{e}");
        let e = parse_err("seed = \n");
        assert!(e.starts_with("c.toml:1:8: seed: "), "{e}");
        // A value the check refuses: the line of its key.
        let e = parse_err("seed = 1\n\n[features]\nngram_dim = 0\n");
        assert!(e.starts_with("c.toml:4:1: features.ngram_dim: "), "{e}");
        let e = parse_err("[drift]\nmmd = { permutations = 0 }\n");
        assert!(e.starts_with("c.toml:2:1: drift.mmd: "), "{e}");
    }

    #[test]
    fn projection_dim_is_bounded_by_what_the_drift_suite_can_afford() {
        let c = Config::parse("[features]\nprojection_dim = 2048\n", Path::new("c.toml")).unwrap();
        assert_eq!(c.features.ngram.projection_dim, 2048);
        for d in [4096, 32768] {
            let e = Config::parse(
                &format!("[features]\nprojection_dim = {d}\n"),
                Path::new("c.toml"),
            )
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("c.toml:2:1: features.projection_dim: must be between 1 and 2048")
                    && e.contains(&format!("not {d}"))
                    && e.contains("Fréchet"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_permutations_range_reads_the_same_from_every_check() {
        let message = |text: &str| {
            Config::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string()
        };
        for test in ["mmd", "mmd_rff"] {
            for n in ["0", "100001"] {
                let e = message(&format!("[drift.{test}]\npermutations = {n}\n"));
                assert!(
                    e.contains(&format!(
                        "permutations: must be a whole number from 1 to 100000, not {n}"
                    )),
                    "{test} {n}: {e}"
                );
            }
        }
        let direct = crate::divergence::mmd::check_permutation_test(0, None, 0.05).unwrap_err();
        assert_eq!(
            direct,
            "permutations: must be a whole number from 1 to 100000, not 0"
        );
    }

    #[test]
    fn an_empty_test_list_is_refused_an_empty_gate_reports_only() {
        let e = Config::parse("[drift]\ntests = []\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("c.toml:2:1: drift.tests: is empty")
                && e.contains("no drift test would run"),
            "{e}"
        );
        let mut flags = Overrides::default();
        flags.set_list("drift.tests", "--tests", "");
        let e = Config::parse_with("", Path::new("c.toml"), &flags)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("command line: --tests: is empty"), "{e}");
        // The verdict of a run that gates nothing warns (divergence::suite).
        let c = Config::parse("[drift]\ngate = []\n", Path::new("c.toml")).unwrap();
        assert!(c.drift.gate().is_empty());
    }
}
