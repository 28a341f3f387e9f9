//! Command-line definitions (clap derive): one struct per subcommand, flags documented here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Tells you when synthetic (LLM-generated) training data is hurting your model.
///
/// Exit codes: 0 pass, 1 a gate failed (release blocked), 2 bad input or usage.
#[derive(Debug, Parser)]
#[command(
    name = "driftprint",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("DRIFTPRINT_BUILD_COMMIT"), ")"),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr; no progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Worker threads, 1 to 256 (or the cores, when more) [default: all cores]. Results never
    /// depend on this.
    #[arg(long, global = true, value_name = "N", value_parser = thread_count)]
    pub threads: Option<usize>,

    #[command(subcommand)]
    pub command: Command,
}

/// `--threads`: a count within the bound [`crate::checks::check_threads`] explains.
fn thread_count(value: &str) -> Result<usize, String> {
    let n = value
        .parse::<usize>()
        .map_err(|e| format!("not a whole number of threads ({e})"))?;
    crate::checks::check_threads(n)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise a corpus: counts by lineage, text lengths, empties, duplicates, synthetic share.
    Inspect(InspectArgs),
    /// Compute a feature matrix (stylometry, hashed n-grams) and write it as Parquet, CSV or NPY.
    Features(FeaturesArgs),
    /// Test whether the candidate (synthetic) data drifted from the reference (real): exits 1 when
    /// a gated test drifts (release blocked), 0 when none does, 2 on bad input.
    Drift(DriftArgs),
    /// Calibrate thresholds of tests without p-values on repeated real-vs-real splits of the
    /// reference, and write them into a config file.
    Calibrate(CalibrateArgs),
    /// Test for model collapse: a significant decline of diversity across retraining
    /// generations exits 1 (alarm), none exits 0.
    Collapse(CollapseArgs),
    /// Simulate recursive training: a seeded word-bigram model retrained on its own output for
    /// N generations, with a share of fresh real data mixed in; writes a corpus with lineage.
    Simulate(SimulateArgs),
    /// Train, evaluate, apply and explain the detector of LLM-generated text.
    #[command(subcommand)]
    Fingerprint(FingerprintCommand),
    /// The nightly report: runs the configured stages (drift, fingerprint, collapse, policy)
    /// and writes reports/<run-id>/ (report.json, summary.md) and a line of reports/history.jsonl;
    /// exits 1 when a stage blocks the release, 2 when one could not run.
    Report(ReportArgs),
    /// Explain a regression between two report runs: which drift tests changed and by how
    /// much, which features moved, the strongest witness documents, policy and fingerprint
    /// changes; in the terminal and as compare.html.
    Compare(CompareArgs),
    /// Synthetic-data policy gates over a training manifest: eval set real and locked, mix
    /// ratio, generator diversity, no recursive generation, expert audit, no leakage.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier run: a run id under --out, its folder, or its report.json.
    #[arg(value_name = "RUN_A")]
    pub a: String,

    /// The later run.
    #[arg(value_name = "RUN_B")]
    pub b: String,

    /// Folder of the runs.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,

    /// Where to write the HTML [default: compare.html in RUN_B's folder].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the comparison as JSON to this file (`-` for stdout instead of the text).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Config file (TOML): inputs, schema mapping, drift tests, fingerprint model.
    #[arg(long, value_name = "FILE", required = true)]
    pub config: PathBuf,

    /// Folder of the runs and history.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,

    /// Stages to run, comma-separated: drift, fingerprint, collapse, policy [default: drift,
    /// fingerprint when the config names a model, policy when [policy] names train and eval].
    #[arg(long, value_name = "LIST")]
    pub stages: Option<String>,

    /// Corpus files to read instead of the config's [ingest] inputs (e.g. one shard of it).
    /// Not with --merge-states, whose documents are the ones each state was saved from.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub inputs: Vec<PathBuf>,

    /// Read the corpus (one shard of it), write the stages' states to FILE and stop: no
    /// report. States of all shards merged with --merge-states give the report of the whole.
    #[arg(long, value_name = "FILE", conflicts_with = "merge_states")]
    pub save_state: Option<PathBuf>,

    /// Write the report from states saved with --save-state (same config), instead of
    /// reading the corpus: the same numbers as one run over all the shards' documents.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub merge_states: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check every gate: exits 1 when one fails (release blocked), 0 when all pass or warn.
    Check(Box<PolicyCheckArgs>),
    /// Lock an eval set: a content hash per document (id, text, label), the count and schema.
    Lock(PolicyLockArgs),
    /// Draw a seeded audit sample of synthetic training documents, stratified by generator
    /// and class, as a CSV for expert review (fill `verdict` with correct or wrong).
    AuditSample(PolicyAuditSampleArgs),
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// Training corpus files (documents need a source: real or synthetic) [default: [policy]
    /// train].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub train: Vec<PathBuf>,

    /// Eval corpus files [default: [policy] eval].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub eval: Vec<PathBuf>,

    /// Eval lock written by `policy lock` [default: [policy] lock]; without one the lock gate
    /// warns.
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,

    /// Reviewed audit CSV (from `policy audit-sample`, `verdict` filled in) [default: [policy]
    /// audit].
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,

    /// Fingerprint model: estimates the eval set's unlabelled synthetic share [default: the
    /// config's [fingerprint] model, else the built-in detector].
    #[arg(long, value_name = "FILE")]
    pub fingerprint: Option<PathBuf>,

    /// Model ancestry file ([derived_from] "model" = "parent") [default: [policy] ancestry].
    #[arg(long, value_name = "FILE")]
    pub ancestry: Option<PathBuf>,

    /// The model being trained on this data, for the recursion gate [default: [policy] model].
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// Rollout phase 0-3 (0 prototype: any mix; 1 >= 50% real; 2 >= 80%; 3 >= 95%)
    /// [default: [policy] phase, else the production rule >= 10% real].
    #[arg(long, value_name = "N")]
    pub phase: Option<i64>,

    /// Also write the result as JSON to this file (`-` for stdout instead of the text).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(flatten)]
    pub models: ModelArgs,
}

#[derive(Debug, Args)]
pub struct PolicyLockArgs {
    /// Eval corpus files.
    #[arg(value_name = "EVAL", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Lock file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

#[derive(Debug, Args)]
pub struct PolicyAuditSampleArgs {
    /// Training corpus files; the sample is drawn from their synthetic documents.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub train: Vec<PathBuf>,

    /// Documents in the random sample (50-100 give a useful noise floor).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub n: usize,

    /// Also list the N synthetic documents whose label a classifier trained on the real
    /// documents disagrees with most (marked `suspect`; not used for the noise floor).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub suspects: usize,

    /// Seed of the sample [default: the config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Audit CSV to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

#[derive(Debug, Args)]
pub struct CollapseArgs {
    /// One corpus whose documents carry a `generation` field.
    #[arg(value_name = "CORPUS", conflicts_with_all = ["generations", "metrics_table"])]
    pub inputs: Vec<PathBuf>,

    /// One corpus file per generation, in order (generation 0 first).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "metrics_table")]
    pub generations: Vec<PathBuf>,

    /// Real reference corpus: its rare vocabulary is the tail whose survival `tail_mass`
    /// follows [default: [collapse] reference, else generation 0's].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub reference: Vec<PathBuf>,

    /// Per-generation metrics already measured: a CSV with a `generation` column and one
    /// column per metric (e.g. published recursive-training results).
    #[arg(long, value_name = "FILE")]
    pub metrics_table: Option<PathBuf>,

    /// Column telling several experiments (tracks) in the metrics table apart.
    #[arg(long, value_name = "COLUMN", requires = "metrics_table")]
    pub by: Option<String>,

    /// Documents per generation in the seeded self-BLEU sample [default: [collapse]
    /// self_bleu_sample, else 200].
    #[arg(long, value_name = "N")]
    pub self_bleu_sample: Option<usize>,

    /// Seed of the self-BLEU samples [default: the config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    /// Metric columns of the metrics table to test, comma-separated [default: every numeric
    /// column].
    #[arg(long, value_name = "NAMES", requires = "metrics_table")]
    pub metrics: Option<String>,

    /// Family-wise false-alarm rate across the metrics of a track (Holm) [default: [collapse]
    /// alpha, else 0.05].
    #[arg(long, value_name = "ALPHA")]
    pub alpha: Option<f64>,

    /// Collapse threshold of a metric, `name=value` (repeatable; over [collapse.thresholds])
    /// [default: generation 0's value moved by half its size the collapsing way for diversity
    /// metrics, by its full size for repetition metrics].
    #[arg(long, value_name = "NAME=VALUE")]
    pub threshold: Vec<String>,

    /// Also write the full result as JSON to this file (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Plot every metric over the generations with its Theil–Sen line and threshold:
    /// PATH.png and PATH.svg (one pair per track of a metrics table: PATH-TRACK.png ...).
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Also measure diversity in sentence-embedding space (MiniLM): Vendi score, mean pairwise
    /// cosine distance, PRDC recall and coverage against the reference (else generation 0)
    /// [default: [collapse] embed].
    #[arg(long, conflicts_with = "metrics_table")]
    pub embed: bool,

    /// Also measure each generation's mean token log-likelihood under the small language
    /// model (a seeded sample of --self-bleu-sample documents per generation): rising is a
    /// collapse signal [default: [collapse] lm].
    #[arg(long)]
    pub lm: bool,

    #[command(flatten)]
    pub models: ModelArgs,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Real corpus files: generation 0, and the pool fresh real documents come from.
    #[arg(long = "corpus", value_name = "FILE", num_args = 1.., required = true)]
    pub inputs: Vec<PathBuf>,

    /// Generations after generation 0.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub generations: u32,

    /// Share of each generation drawn fresh from the real corpus (0 = purely recursive).
    /// Several (`0,0.1,0.5`) run one simulation each, written to OUTPUT's stem + `.realPCT`
    /// (generations.real10.jsonl), and compared.
    #[arg(long, value_name = "F", value_delimiter = ',', num_args = 1.., default_value = "0")]
    pub real_fraction: Vec<f64>,

    /// Seed of the sampling [default: the config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Output corpus (.jsonl or .parquet) with lineage: generation, source, generator,
    /// parent_model.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// Plot the diversity metrics per generation, one line per real fraction: PATH.png and
    /// PATH.svg.
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Also write the per-generation metrics of every fraction as JSON (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Documents per generation in the seeded self-BLEU sample [default: [collapse]
    /// self_bleu_sample, else 200].
    #[arg(long, value_name = "N")]
    pub self_bleu_sample: Option<usize>,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

#[derive(Debug, Subcommand)]
pub enum FingerprintCommand {
    /// Train a detector on labelled human (real) and LLM (synthetic) text and save it.
    Train(FingerprintTrainArgs),
    /// Measure a detector on labelled text (--model), or cross-validate training on it (--cv):
    /// AUROC, TPR at 1% FPR, accuracy, Brier score, reliability, per generator/domain/attack.
    Eval(FingerprintEvalArgs),
    /// Score a corpus: per document the synthetic probability and decision, and the corpus's
    /// synthetic fraction with a confidence interval (how an eval set is checked for
    /// contamination).
    Score(FingerprintScoreArgs),
    /// Print the fingerprint lexicon: the n-grams and style features that weigh most toward
    /// synthetic and toward real, with examples from the training text.
    Explain(FingerprintExplainArgs),
}

/// How the detector is trained (flags override the config's [fingerprint]).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Detector")]
pub struct DetectorArgs {
    /// Feature families: ngram (hashed word 1-2 + char 3-5-gram TF-IDF), stylo (stylometry),
    /// format (layout and typography of the raw text: lines, lists, markdown, curly quotes;
    /// off by default, it mostly tells sources apart), embed (MiniLM sentence embeddings)
    /// [default: ngram].
    #[arg(long, value_name = "SETS")]
    pub features: Option<String>,

    /// Text normalisation before n-grams, stylometry and embeddings: standard (NFKC, quotes,
    /// apostrophes and dashes unified, invisible characters dropped, whitespace folded,
    /// trimmed) or none [default: the config's [features] normalize, else standard].
    #[arg(long, value_name = "KIND")]
    pub normalize: Option<String>,

    /// Char n-grams: word-bounded (within a word padded by spaces, scikit-learn's char_wb) or
    /// across-words [default: the config's [features] char_ngrams, else word-bounded].
    #[arg(long, value_name = "KIND")]
    pub char_ngrams: Option<String>,

    /// Groups the shortcut audit looks within (and `eval --cv source` leaves out one at a
    /// time): `file` (the input file) or any field of the input [default: file].
    #[arg(long, value_name = "FIELD")]
    pub group_by: Option<String>,

    /// Give every value of this field (`file`: every input file; or a writer group, a
    /// domain...; `a+b`: every combination) equal weight within each class in training, so a
    /// small source is not drowned by a large one; `none` weighs documents alike (classes
    /// still balanced) [default: file+domain: each domain of each file, each file where
    /// there are no domains].
    #[arg(long, value_name = "FIELD")]
    pub balance_by: Option<String>,

    /// Learner: lbfgs (class-balanced L2 logistic regression) or ftrl (FTRL-Proximal)
    /// [default: lbfgs].
    #[arg(long, value_name = "NAME")]
    pub learner: Option<String>,

    /// Inverse regularisation strength, as scikit-learn's C [default: 1].
    #[arg(long, value_name = "C")]
    pub c: Option<f64>,

    /// Gradient tolerance of the lbfgs learner: 1e-5 fits ~4x longer for a few points more
    /// TPR at 1% FPR [default: 1e-4].
    #[arg(long, value_name = "TOL")]
    pub tolerance: Option<f64>,

    /// False-positive rate the decision threshold is chosen for [default: 0.01].
    #[arg(long, value_name = "RATE")]
    pub target_fpr: Option<f64>,

    /// How the threshold meets --target-fpr: per-group (in every --group-by group with at
    /// least 50 human documents in the calibration split, so no source sees more false
    /// positives than the target) or pooled (over all of them) [default: per-group].
    #[arg(long, value_name = "RULE")]
    pub threshold_rule: Option<String>,

    /// Share of documents held out to calibrate probabilities and measure TPR/FPR
    /// [default: 0.2].
    #[arg(long, value_name = "SHARE")]
    pub calibration_fraction: Option<f64>,

    /// Lexicon entries kept each way (toward synthetic, toward real) [default: 25].
    #[arg(long, value_name = "N")]
    pub lexicon_size: Option<usize>,

    /// Seed of the calibration split, the n-gram hashing and the learner [default: the
    /// config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct FingerprintTrainArgs {
    /// Labelled corpus files (source real = human, synthetic = LLM). Default: the config's
    /// [ingest] inputs.
    #[arg(long = "data", value_name = "FILE", num_args = 1..)]
    pub inputs: Vec<PathBuf>,

    /// Model file to write.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(flatten)]
    pub detector: DetectorArgs,

    #[command(flatten)]
    pub models: ModelArgs,

    /// Also write the training summary as JSON to this file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FingerprintEvalArgs {
    /// Labelled corpus files. Default: the config's [ingest] inputs.
    #[arg(value_name = "CORPUS")]
    pub inputs: Vec<PathBuf>,

    /// Model to evaluate [default: the config's [fingerprint] model, else the built-in
    /// detector].
    #[arg(long, value_name = "FILE", conflicts_with = "cv")]
    pub model: Option<PathBuf>,

    /// Cross-validate training on the corpus instead: `source` (leave one --group-by group
    /// out, by default each input file: the figure that predicts a new source), `domain`
    /// (leave one domain out), `family` (leave one generator family out: GPT-2-era open models,
    /// GPT-3/3.5, GPT-4/4o, Claude, Gemini, Llama, other; tested against the human text of its
    /// sources), `generator` (train on every generator but one, test on the one left out) or
    /// `random` (k folds).
    #[arg(long, value_name = "KIND")]
    pub cv: Option<String>,

    /// Folds of --cv random.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub folds: usize,

    /// Also break the figures down by this lineage field (generator, domain and attack always
    /// are). Repeatable.
    #[arg(long, value_name = "FIELD")]
    pub by: Vec<String>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(flatten)]
    pub detector: DetectorArgs,

    #[command(flatten)]
    pub models: ModelArgs,

    /// Also write the full result as JSON to this file (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FingerprintScoreArgs {
    /// Corpus files to score (lineage is not needed). Default: the config's [ingest] inputs.
    #[arg(value_name = "CORPUS")]
    pub inputs: Vec<PathBuf>,

    /// Model to apply [default: the config's [fingerprint] model, else the built-in
    /// detector].
    #[arg(long, value_name = "FILE", conflicts_with = "zero_shot")]
    pub model: Option<PathBuf>,

    /// Per-document scores: .jsonl or .csv (id, probability, synthetic, decision); with
    /// --zero-shot .jsonl (id, discrepancy, synthetic).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Confidence level of the synthetic-fraction interval.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,

    /// Score without a trained detector: flag text whose Fast-DetectGPT discrepancy under the
    /// small language model (--features lm's model) is above a threshold.
    #[arg(long)]
    pub zero_shot: bool,

    /// With --zero-shot: labelled text whose human documents set the threshold (at
    /// --target-fpr) [default: a threshold measured on the dev corpus's human text].
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "zero_shot")]
    pub calibrate_on: Vec<PathBuf>,

    /// With --calibrate-on: the share of its human documents the threshold flags.
    #[arg(
        long,
        value_name = "RATE",
        default_value_t = 0.01,
        requires = "calibrate_on"
    )]
    pub target_fpr: f64,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(flatten)]
    pub models: ModelArgs,

    /// Also write the corpus summary as JSON to this file (`-` for stdout instead of text).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FingerprintExplainArgs {
    /// Model to explain [default: the config's [fingerprint] model, else the built-in
    /// detector].
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Entries shown each way.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,

    /// Config file (for the [fingerprint] model path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Also write the lexicon and model summary as JSON to this file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// How input files are read and mapped onto driftprint's schema.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Input")]
pub struct IngestArgs {
    /// Config file (TOML) with [ingest] and [features] settings; flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Input format; by default detected from the extension (.jsonl[.gz|.zst], .csv, .tsv,
    /// .parquet, .arrow/.feather) or a directory of .txt files.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Input field holding the document text [default: text].
    #[arg(long, value_name = "NAME")]
    pub text_field: Option<String>,

    /// Input field holding the document id [default: id; if absent, <file>:<line>].
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,

    /// Input field holding the provenance, real or synthetic [default: source].
    #[arg(long, value_name = "NAME")]
    pub source_field: Option<String>,

    /// Input field naming the model that generated the document [default: generator].
    #[arg(long, value_name = "NAME")]
    pub generator_field: Option<String>,

    /// Input field with the prompt id [default: prompt_id].
    #[arg(long, value_name = "NAME")]
    pub prompt_id_field: Option<String>,

    /// Input field with the sampling temperature [default: temperature].
    #[arg(long, value_name = "NAME")]
    pub temperature_field: Option<String>,

    /// Input field with the retraining generation, an integer [default: generation].
    #[arg(long, value_name = "NAME")]
    pub generation_field: Option<String>,

    /// Input field with the model the generator was derived from [default: parent_model].
    #[arg(long, value_name = "NAME")]
    pub parent_model_field: Option<String>,

    /// Input field with the split, train or eval (test/validation/dev = eval) [default: split].
    #[arg(long, value_name = "NAME")]
    pub split_field: Option<String>,

    /// Input field with the downstream class label [default: label].
    #[arg(long, value_name = "NAME")]
    pub label_field: Option<String>,

    /// Input field with the domain [default: domain].
    #[arg(long, value_name = "NAME")]
    pub domain_field: Option<String>,

    /// Input field naming an adversarial attack applied to the text [default: attack].
    #[arg(long, value_name = "NAME")]
    pub attack_field: Option<String>,

    /// Map source values onto real/synthetic, e.g. `human=real,machine=synthetic`.
    #[arg(long, value_name = "VALUE=real|synthetic,...")]
    pub source_values: Option<String>,

    /// Lineage for documents whose file lacks the field, e.g. `source=synthetic,generator=gpt-4o`
    /// (keys: source, generator, prompt_id, temperature, generation, parent_model, split, label,
    /// domain, attack). This is how a directory of .txt files gets its lineage. Repeatable.
    #[arg(long, value_name = "KEY=VALUE,...")]
    pub lineage: Vec<String>,

    /// Replace invalid UTF-8 with U+FFFD and count it, instead of failing.
    #[arg(long)]
    pub lossy_utf8: bool,

    /// Documents per batch when streaming; bounds memory [default: 4096].
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,

    /// Longest document text, e.g. 10MB or 512KiB; a longer one is an error naming its file
    /// and line [default: the config's [ingest] max_doc_bytes, else 10MB].
    #[arg(long, value_name = "SIZE")]
    pub max_doc_bytes: Option<String>,

    /// Cut documents over --max-doc-bytes at the limit (counted and reported) instead of
    /// failing.
    #[arg(long)]
    pub truncate_long_docs: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Corpus files or .txt directories (several are read as one corpus). Default: the config's
    /// [ingest] inputs.
    #[arg(value_name = "CORPUS")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    /// Also write the summary as JSON to this file (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// Corpus files or .txt directories. Default: the config's [ingest] inputs.
    #[arg(value_name = "CORPUS")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    /// Feature sets, comma-separated: stylo (named stylometry), ngram (hashed word 1-2 and char
    /// 3-5-gram TF-IDF, randomly projected to a dense vector), embed (MiniLM sentence
    /// embeddings) [default: stylo,ngram].
    #[arg(long, value_name = "SETS")]
    pub features: Option<String>,

    #[command(flatten)]
    pub models: ModelArgs,

    /// Output file; the format follows the extension: .parquet, .csv or .npy (.npy writes
    /// ids and column names to <name>.columns.json beside it).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// Hash space width of the n-gram features [default: 262144 = 2^18].
    #[arg(long, value_name = "N")]
    pub ngram_dim: Option<usize>,

    /// Width of the dense random projection of the n-grams, 1 to 2048 (the drift suite's
    /// Fréchet test grows as its cube) [default: 256].
    #[arg(long, value_name = "N")]
    pub projection_dim: Option<usize>,

    /// Seed of the n-gram hashing and projection [default: the config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Reference (real) corpus files, or one vectors file (.npy, or Parquet/CSV without a text column).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub reference: Vec<PathBuf>,

    /// Candidate (synthetic) corpus files, or one vectors file.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub candidate: Vec<PathBuf>,

    /// One corpus holding both sides, split with --split-by (default: the config's inputs).
    #[arg(value_name = "CORPUS", conflicts_with_all = ["reference", "candidate"])]
    pub inputs: Vec<PathBuf>,

    /// Lineage field that splits one corpus into reference and candidate [default: source].
    #[arg(long, value_name = "FIELD")]
    pub split_by: Option<String>,

    /// Value of --split-by that marks the reference side [default: real].
    #[arg(long, value_name = "VALUE")]
    pub reference_value: Option<String>,

    /// Value of --split-by that marks the candidate side [default: synthetic].
    #[arg(long, value_name = "VALUE")]
    pub candidate_value: Option<String>,

    /// Also run the suite per value of this lineage field (e.g. label: drift per class).
    #[arg(long, value_name = "FIELD")]
    pub by: Option<String>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    /// Feature sets for corpora: stylo, ngram, embed [default: the config's, else stylo,ngram].
    #[arg(long, value_name = "SETS")]
    pub features: Option<String>,

    #[command(flatten)]
    pub models: ModelArgs,

    /// Tests to run, comma-separated [default: the config's [drift] tests].
    #[arg(long, value_name = "TESTS")]
    pub tests: Option<String>,

    /// Tests that gate the release, comma-separated [default: the config's [drift] gate].
    #[arg(long, value_name = "TESTS")]
    pub gate: Option<String>,

    /// Seeded subsample cap per side [default: 5000].
    #[arg(long, value_name = "N")]
    pub max_per_side: Option<usize>,

    /// Seed of every random choice [default: the config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Also write the full result as JSON to this file (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Reference (real) corpus files.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub reference: Vec<PathBuf>,

    /// One corpus holding the reference, picked with --split-by/--reference-value
    /// (default: the config's inputs, documents with source = real).
    #[arg(value_name = "CORPUS", conflicts_with = "reference")]
    pub inputs: Vec<PathBuf>,

    /// Lineage field that marks the reference side of one corpus [default: source].
    #[arg(long, value_name = "FIELD")]
    pub split_by: Option<String>,

    /// Value of --split-by that marks the reference [default: real].
    #[arg(long, value_name = "VALUE")]
    pub reference_value: Option<String>,

    #[command(flatten)]
    pub ingest: IngestArgs,

    /// Documents per side in each split: the candidate's sample size [default: half the
    /// reference, at most the subsample cap].
    #[arg(long, value_name = "N")]
    pub n: Option<usize>,

    /// Number of seeded real-vs-real splits.
    #[arg(long, value_name = "K", default_value_t = 20)]
    pub splits: usize,

    /// Feature sets: stylo, ngram, embed [default: the config's].
    #[arg(long, value_name = "SETS")]
    pub features: Option<String>,

    #[command(flatten)]
    pub models: ModelArgs,

    /// Seed of every random choice [default: the config's seed, else 20261126].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Config file to write: the --config file (if any) with the calibrated thresholds set.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// The models behind `--features embed` (the sentence encoder) and `--features lm` (the
/// language-model scorer); flags override `[features.embed]` and `[features.lm]`.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Models (--features embed, lm)")]
pub struct ModelArgs {
    /// sentence-transformers model folder (config.json, tokenizer.json, model.safetensors)
    /// [default: $DRIFTPRINT_MODEL_DIR, else models/all-MiniLM-L6-v2, else the HuggingFace
    /// hub cache]. Get it with scripts/fetch_minilm.sh.
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,

    /// Token limit per text; longer texts are cut (and counted) [default: 256].
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<usize>,

    /// Embed texts over the limit in chunks and average them, instead of cutting.
    #[arg(long)]
    pub embed_chunks: bool,

    /// Texts per encoder forward pass [default: 32].
    #[arg(long, value_name = "N")]
    pub embed_batch: Option<usize>,

    /// Embedding cache folder [default: ~/.cache/driftprint/embeddings].
    #[arg(long, value_name = "DIR")]
    pub embed_cache: Option<PathBuf>,

    /// Neither read nor write the embedding cache.
    #[arg(long, conflicts_with = "embed_cache")]
    pub no_embed_cache: bool,

    /// Folder holding the language model SmolLM2-135M-Instruct.Q4_1.gguf [default:
    /// $DRIFTPRINT_LM_DIR, else models/smollm2-135m]. Get it with scripts/fetch_smollm2.sh.
    #[arg(long, value_name = "DIR")]
    pub lm_dir: Option<PathBuf>,

    /// Tokens of each text the language model scores; the rest is not read [default: 256].
    #[arg(long, value_name = "N")]
    pub lm_max_tokens: Option<usize>,

    /// Texts per language-model forward pass [default: 8].
    #[arg(long, value_name = "N")]
    pub lm_batch: Option<usize>,

    /// Neither read nor write the language-model feature cache (~/.cache/driftprint/lm).
    #[arg(long)]
    pub no_lm_cache: bool,
}
