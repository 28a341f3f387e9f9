//! `collapse` and `simulate`: diversity trends across generations.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::corpus::model_flags;
use super::{display_paths, emit, read_files, seed_flag};
use crate::cli::{CollapseArgs, SimulateArgs};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::config::Overrides;
use crate::error::Error;
use crate::progress::bytes_bar;

pub(super) fn collapse(args: &CollapseArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::collapse::GenerationInput;
    let mut flags = Overrides::default();
    model_flags(&mut flags, &args.models);
    if let Some(a) = args.alpha {
        flags.set("collapse.alpha", "--alpha", a);
    }
    for spec in &args.threshold {
        let parsed = spec
            .split_once('=')
            .and_then(|(k, v)| Some((k.trim(), v.trim().parse::<f64>().ok()?)));
        let (name, value) = parsed
            .ok_or_else(|| Error::Usage(format!("--threshold: '{spec}' is not NAME=NUMBER")))?;
        flags.set_entry("collapse.thresholds", name, "--threshold", value);
    }
    if let Some(n) = args.self_bleu_sample {
        flags.set_count("collapse.self_bleu_sample", "--self-bleu-sample", n);
    }
    if args.embed {
        flags.set("collapse.embed", "--embed", true);
    }
    if args.lm {
        flags.set("collapse.lm", "--lm", true);
    }
    if !args.reference.is_empty() {
        flags.set_paths("collapse.reference", "--reference", &args.reference);
    }
    seed_flag(&mut flags, args.seed)?;
    let config = resolve_config(&args.ingest, flags)?;
    let settings = &config.collapse;
    let generations = match (&args.metrics_table, args.generations.is_empty()) {
        (Some(_), _) => Vec::new(),
        (None, false) => args.generations.clone(),
        (None, true) => resolve_inputs(&args.inputs, &config)?,
    };
    let read = read_files(args.ingest.config.as_deref())
        .with("--metrics-table", &args.metrics_table)
        .with("corpus", &generations)
        .with("reference corpus", &settings.reference);
    read.refuse_as_outputs(&args.json)?;
    let metrics: Option<Vec<String>> = args.metrics.as_ref().map(|m| {
        m.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let report = match &args.metrics_table {
        Some(table) => commands::collapse::run_table(
            table,
            args.by.as_deref(),
            metrics.as_deref(),
            settings.alpha,
            &settings.thresholds,
        )?,
        None => {
            let input = if args.generations.is_empty() {
                GenerationInput::Field(generations)
            } else {
                GenerationInput::Files(generations)
            };
            let options = crate::collapse::generations::MeasureOptions {
                self_bleu_sample: settings.self_bleu_sample,
                seed: config.seed,
            };
            let (with_embed, with_lm) = (settings.embed, settings.lm);
            let models = commands::collapse::CollapseModels {
                embed: with_embed.then_some(&config.features.embed),
                lm: with_lm.then_some(&config.features),
            };
            let spinner = bytes_bar(0, "collapse", quiet);
            spinner.set_message(if with_embed || with_lm {
                "measuring generations (with models)"
            } else {
                "measuring generations"
            });
            let report = commands::collapse::CorpusRun {
                reference: &settings.reference,
                ingest: &config.ingest,
                alpha: settings.alpha,
                thresholds: &settings.thresholds,
                options,
                models,
            }
            .run(&input)?;
            spinner.finish_and_clear();
            report
        }
    };
    // The plots' names follow the tracks: known only now, checked before anything is written.
    let stems = match &args.plot {
        Some(stem) => track_plot_stems(&report, stem),
        None => Vec::new(),
    };
    read.refuse_as_outputs(stems.iter().flat_map(|s| crate::output::plots::files(s)))?;
    emit(&report, &report.to_text(), args.json.as_deref())?;
    if args.plot.is_some() {
        let mut written = Vec::new();
        for (track, stem) in report.tracks.iter().zip(&stems) {
            let figure = crate::report::figures::collapse_track(track);
            written.extend(crate::output::plots::save(&figure, stem)?.files);
        }
        if !quiet {
            eprintln!("plots: {}", display_paths(&written));
        }
    }
    Ok(ExitCode::from(report.status().exit_code()))
}

pub(super) fn simulate(args: &SimulateArgs, quiet: bool) -> Result<ExitCode, Error> {
    if let Some(f) = args
        .real_fraction
        .iter()
        .find(|f| !(0.0..=1.0).contains(*f))
    {
        return Err(Error::Usage(format!(
            "--real-fraction must be between 0 and 1, not {f}"
        )));
    }
    if args.generations == 0 || args.generations > 1000 {
        return Err(Error::Usage(
            "--generations must be between 1 and 1000".into(),
        ));
    }
    let mut flags = Overrides::default();
    if let Some(n) = args.self_bleu_sample {
        flags.set_count("collapse.self_bleu_sample", "--self-bleu-sample", n);
    }
    seed_flag(&mut flags, args.seed)?;
    let mut config = resolve_config(&args.ingest, flags)?;
    let (self_bleu_sample, seed) = (config.collapse.self_bleu_sample, config.seed);
    // The corpus is real by definition: no provenance field needed.
    config
        .ingest
        .defaults
        .source
        .get_or_insert(crate::corpus::Source::Real);
    let several = args.real_fraction.len() > 1;
    let corpora = args
        .real_fraction
        .iter()
        .map(|&f| commands::simulate::output_path(&args.output, f, several));
    let plots = args
        .plot
        .iter()
        .flat_map(|s| crate::output::plots::files(s));
    read_files(args.ingest.config.as_deref())
        .with("corpus", &args.inputs)
        .refuse_as_outputs(corpora.chain(args.json.clone()).chain(plots))?;
    let (docs, _) = commands::read_corpus(&args.inputs, &config.ingest, &|_, _| {})?;
    let spinner = bytes_bar(0, "simulate", quiet);
    spinner.set_message("training and sampling generations");
    let report = commands::simulate::run(
        &docs,
        &args.real_fraction,
        args.generations,
        seed,
        &args.output,
        &crate::collapse::generations::MeasureOptions {
            self_bleu_sample,
            seed,
        },
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    if let Some(stem) = &args.plot {
        let written = commands::simulate::plot(&report, stem)?;
        if !quiet {
            eprintln!("plots: {}", display_paths(&written));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where each track's figure goes (`stem.png`/`.svg`, or `stem-TRACK.*` with several
/// tracks): each metric over the generations with its Theil–Sen line and collapse threshold.
fn track_plot_stems(
    report: &crate::commands::collapse::CollapseReport,
    stem: &Path,
) -> Vec<PathBuf> {
    let mut stems = Vec::new();
    for track in &report.tracks {
        let path = if report.tracks.len() == 1 {
            stem.to_path_buf()
        } else {
            let safe: String = track
                .track
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let name = stem
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            stem.with_file_name(format!("{name}-{safe}"))
        };
        stems.push(path);
    }
    stems
}
