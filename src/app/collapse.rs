//! `collapse` and `simulate`: diversity trends across generations.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::corpus::apply_feature_flags;
use super::{display_paths, emit};
use crate::cli::{CollapseArgs, SimulateArgs};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::error::Error;
use crate::progress::bytes_bar;

pub(super) fn collapse(args: &CollapseArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::checks::check_open_unit;
    use crate::collapse::config::check_self_bleu_sample;
    use crate::commands::collapse::GenerationInput;
    let config = resolve_config(&args.ingest)?;
    let settings = &config.collapse;
    let alpha = match args.alpha {
        Some(a) => check_open_unit(a).map_err(|m| Error::Usage(format!("--alpha {m}")))?,
        None => settings.alpha,
    };
    // Flags over the config's [collapse.thresholds].
    let mut thresholds = settings.thresholds.clone();
    for spec in &args.threshold {
        let parsed = spec
            .split_once('=')
            .and_then(|(k, v)| Some((k.trim().to_string(), v.trim().parse::<f64>().ok()?)));
        let (name, value) = parsed
            .ok_or_else(|| Error::Usage(format!("--threshold: '{spec}' is not NAME=NUMBER")))?;
        thresholds.insert(name, value);
    }
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
            alpha,
            &thresholds,
        )?,
        None => {
            let input = if args.generations.is_empty() {
                GenerationInput::Field(resolve_inputs(&args.inputs, &config)?)
            } else {
                GenerationInput::Files(args.generations.clone())
            };
            let self_bleu_sample = match args.self_bleu_sample {
                Some(n) => check_self_bleu_sample(n)
                    .map_err(|m| Error::Usage(format!("--self-bleu-sample {m}")))?,
                None => settings.self_bleu_sample,
            };
            let options = crate::collapse::generations::MeasureOptions {
                self_bleu_sample,
                seed: args.seed.unwrap_or(config.seed),
            };
            let mut features = config.features.clone();
            apply_feature_flags(&mut features, None, &args.models)?;
            let with_embed = args.embed || settings.embed;
            let with_lm = args.lm || settings.lm;
            let models = commands::collapse::CollapseModels {
                embed: with_embed.then_some(&features.embed),
                lm: with_lm.then_some(&features),
            };
            let reference = if args.reference.is_empty() {
                &settings.reference
            } else {
                &args.reference
            };
            let spinner = bytes_bar(0, "collapse", quiet);
            spinner.set_message(if with_embed || with_lm {
                "measuring generations (with models)"
            } else {
                "measuring generations"
            });
            let report = commands::collapse::CorpusRun {
                reference,
                ingest: &config.ingest,
                alpha,
                thresholds: &thresholds,
                options,
                models,
            }
            .run(&input)?;
            spinner.finish_and_clear();
            report
        }
    };
    emit(&report, &report.to_text(), args.json.as_deref())?;
    if let Some(stem) = &args.plot {
        let written = plot_tracks(&report, stem)?;
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
    let mut config = resolve_config(&args.ingest)?;
    let self_bleu_sample = match args.self_bleu_sample {
        Some(n) => crate::collapse::config::check_self_bleu_sample(n)
            .map_err(|m| Error::Usage(format!("--self-bleu-sample {m}")))?,
        None => config.collapse.self_bleu_sample,
    };
    // The corpus is real by definition: no provenance field needed.
    config
        .ingest
        .defaults
        .source
        .get_or_insert(crate::corpus::Source::Real);
    let (docs, _) = commands::read_corpus(&args.inputs, &config.ingest, &|_, _| {})?;
    let seed = args.seed.unwrap_or(config.seed);
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

/// One figure per track (`stem.png`/`.svg`, or `stem-TRACK.*` with several tracks): each
/// metric over the generations with its Theil–Sen line and collapse threshold.
fn plot_tracks(
    report: &crate::commands::collapse::CollapseReport,
    stem: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
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
        let figure = crate::report::figures::collapse_track(track);
        written.extend(crate::output::plots::save(&figure, &path)?.files);
    }
    Ok(written)
}
