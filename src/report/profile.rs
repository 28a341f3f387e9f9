//! A report observed in pieces: the stages' states over record batches handed over in memory
//! (from Python; a Spark partition under `mapInArrow`), merged with other pieces' in any order
//! and grouping, carried between machines as bytes, and finished into the same report folder as
//! `driftprint report` — with the same numbers as one pass over the same documents.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::run::{self, Documents, Written};
use crate::config::Config;
use crate::corpus::record_batch::read_record_batch;
use crate::corpus::side_file::{read_side_text, SideFile};
use crate::corpus::{IngestOptions, IngestStats};
use crate::error::{Error, Result};
use crate::stages::coverage::Coverage;
use crate::stages::{pass, Batch, Reads, Running};

/// The config a profile was made with, carried in its bytes so a profile can be rebuilt
/// wherever they are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigSource {
    /// The file (relative paths in it are relative to its folder); None: the text alone.
    pub path: Option<PathBuf>,
    pub text: String,
}

impl ConfigSource {
    /// The config file at `path`, or the defaults when None.
    pub fn read(path: Option<&Path>) -> Result<ConfigSource> {
        let text = match path {
            Some(p) => read_side_text(p, SideFile::Config)?,
            None => String::new(),
        };
        Ok(ConfigSource {
            path: path.map(Path::to_path_buf),
            text,
        })
    }

    fn check(&self) -> Result<Config> {
        Config::parse(&self.text, self.path.as_deref().unwrap_or(Path::new("")))
    }
}

/// What [`Profile::to_bytes`] writes (encoded as state files are): the config and the stages'
/// states.
#[derive(Serialize, Deserialize)]
struct Carried {
    config: ConfigSource,
    stages: Vec<String>,
    rows: u64,
    states: pass::StateFile,
}

/// The stages of a report with what they have observed so far.
pub struct Profile {
    source: ConfigSource,
    config: Config,
    stages: Vec<&'static str>,
    running: Vec<Box<dyn Running>>,
    /// Which documents the states cover (merged profiles' included).
    coverage: Coverage,
    /// How the observed batches' rows become documents.
    ingest: IngestOptions,
    /// Rows observed (over every batch, merged profiles' included).
    rows: u64,
}

impl Profile {
    /// The stages named (default: those the config asks for, as `driftprint report` runs them)
    /// with nothing observed yet.
    pub fn new(source: ConfigSource, stages: Option<&[String]>) -> Result<Profile> {
        let config = source.check()?;
        let names = match stages {
            Some(list) => run::parse_stages(&list.join(",")).map_err(Error::Usage)?,
            None => run::default_stages(&config),
        };
        let running = run::shard_stages(&names, &config, &|_| {})?;
        let reads: Vec<bool> = running
            .iter()
            .map(|s| matches!(s.reads(), Reads::Inputs))
            .collect();
        let ingest = pass::ingest_for(&config, &running, &reads);
        Ok(Profile {
            source,
            config,
            stages: names,
            running,
            coverage: Coverage::default(),
            ingest,
            rows: 0,
        })
    }

    pub fn stages(&self) -> &[&'static str] {
        &self.stages
    }

    /// Rows observed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Observes the documents of `batch`; `origin` names it in errors. A row that cannot be
    /// read is an error naming `origin`, the row and the field, and nothing of the batch is
    /// observed.
    pub fn observe(&mut self, batch: &RecordBatch, origin: &str) -> Result<IngestStats> {
        let (docs, stats) = read_record_batch(batch, origin, self.rows, &self.ingest)?;
        self.coverage
            .observe(&docs, origin)
            .map_err(|e| Error::Usage(format!("{origin}: {e}")))?;
        self.rows += batch.num_rows() as u64;
        // The batch's name stands for its input file (per-input figures are per origin).
        let inputs = [origin.to_string()];
        let origins = vec![0; docs.len()];
        let batch = Batch {
            docs: &docs,
            origins: &origins,
            inputs: &inputs,
        };
        self.running
            .par_iter_mut()
            .filter(|s| matches!(s.reads(), Reads::Inputs))
            .for_each(|s| s.observe(batch));
        Ok(stats)
    }

    /// Adds what `other` observed (other documents of the same corpus). Profiles of other
    /// settings or stages do not merge.
    pub fn merge(&mut self, other: &Profile) -> Result<()> {
        let file = pass::state_file(&other.running, &other.coverage, &other.config)?;
        pass::merge(
            &mut self.running,
            &mut self.coverage,
            &self.config,
            file,
            "the other profile",
        )?;
        self.rows += other.rows;
        Ok(())
    }

    /// The config and the states, to be read back by [`Profile::from_bytes`] anywhere the
    /// config's files are.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        pass::encode(&Carried {
            config: self.source.clone(),
            stages: self.stages.iter().map(|s| s.to_string()).collect(),
            rows: self.rows,
            states: pass::state_file(&self.running, &self.coverage, &self.config)?,
        })
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Profile> {
        let carried: Carried = pass::decode(bytes, "profile bytes")?;
        let mut profile = Profile::new(carried.config, Some(&carried.stages))?;
        let file = pass::checked(carried.states, "profile bytes")?;
        pass::merge(
            &mut profile.running,
            &mut profile.coverage,
            &profile.config,
            file,
            "profile bytes",
        )?;
        profile.rows = carried.rows;
        Ok(profile)
    }

    /// Finishes the stages into a report folder under `out_root` (with its history line), as
    /// `driftprint report` does; the stages' own corpora (`[collapse] inputs`, a `[policy]
    /// train` other than the inputs) are read now.
    pub fn report(&self, out_root: &Path, progress: &dyn Fn(&str)) -> Result<Written> {
        let states = pass::state_file(&self.running, &self.coverage, &self.config)?;
        run::run(
            &self.config,
            self.source.path.as_deref(),
            &self.stages,
            Documents::States(vec![(states, "profile".into())]),
            out_root,
            progress,
        )
    }
}
