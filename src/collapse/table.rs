//! The metrics-table input of `collapse`: per-generation metrics already measured elsewhere
//! (published experiments, another pipeline), one CSV row per generation, optionally several
//! experiments ("tracks") in one file told apart by a column.

use std::collections::BTreeMap;
use std::path::Path;

use crate::corpus::side_file::{read_side_file, SideFile};
use crate::error::{Error, InputError, Location, Result};

/// One experiment's series: metric name → values in generation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub name: String,
    pub generations: Vec<u32>,
    pub series: Vec<(String, Vec<f64>)>,
}

/// A data row: its generation, its line in the file and its fields.
type Row<'a> = (u32, usize, &'a Vec<String>);

/// Reads `path`: a header row with a `generation` column (integers) and metric columns (every
/// value a number); rows are grouped by `group_by` when given. `metrics` limits the columns
/// used (each must exist and be numeric); by default every all-numeric column is a metric.
pub fn read(path: &Path, group_by: Option<&str>, metrics: Option<&[String]>) -> Result<Vec<Track>> {
    let bad = |location: Location, field: &str, m: String| {
        Error::Input(InputError::new(path, location, m).with_field(field))
    };
    let bytes = read_side_file(path, SideFile::MetricsTable)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Input(InputError::file(path, format!("bad header: {e}"))))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let generation_col = column("generation").ok_or_else(|| {
        Error::Input(InputError::file(
            path,
            format!("no 'generation' column (columns: {})", header.join(", ")),
        ))
    })?;
    let group_col = match group_by {
        Some(g) => Some(column(g).ok_or_else(|| {
            Error::Usage(format!(
                "--by {g}: no such column in {} (columns: {})",
                path.display(),
                header.join(", ")
            ))
        })?),
        None => None,
    };
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record =
            record.map_err(|e| bad(Location::Line(line as u64), "(row)", e.to_string()))?;
        rows.push((line, record.iter().map(|v| v.trim().to_string()).collect()));
    }
    if rows.is_empty() {
        return Err(Error::Input(InputError::file(path, "no rows")));
    }
    let numeric = |c: usize| {
        rows.iter()
            .all(|(_, r)| r.get(c).is_some_and(|v| v.parse::<f64>().is_ok()))
    };
    let metric_cols: Vec<usize> = match metrics {
        Some(names) => names
            .iter()
            .map(|n| {
                let c = column(n).ok_or_else(|| {
                    Error::Usage(format!(
                        "--metrics: no column '{n}' in {} (columns: {})",
                        path.display(),
                        header.join(", ")
                    ))
                })?;
                if let Some((line, _)) = rows
                    .iter()
                    .find(|(_, r)| r.get(c).is_none_or(|v| v.parse::<f64>().is_err()))
                {
                    return Err(bad(Location::Line(*line as u64), n, "not a number".into()));
                }
                Ok(c)
            })
            .collect::<Result<_>>()?,
        None => (0..header.len())
            .filter(|&c| c != generation_col && Some(c) != group_col && numeric(c))
            .collect(),
    };
    if metric_cols.is_empty() {
        return Err(Error::Input(InputError::file(
            path,
            "no numeric metric columns besides 'generation'",
        )));
    }
    let mut by_group: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for (line, r) in &rows {
        let generation: u32 = r
            .get(generation_col)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                bad(
                    Location::Line(*line as u64),
                    "generation",
                    "must be a non-negative integer".into(),
                )
            })?;
        let group = group_col
            .and_then(|c| r.get(c).cloned())
            .unwrap_or_else(|| "all".into());
        by_group
            .entry(group)
            .or_default()
            .push((generation, *line, r));
    }
    by_group
        .into_iter()
        .map(|(name, mut rows)| {
            rows.sort_by_key(|r| r.0);
            if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(bad(
                    Location::Line(w[1].1 as u64),
                    "generation",
                    format!(
                        "generation {} appears twice{} (first at line {}); give --by the column that tells experiments apart",
                        w[1].0,
                        if group_col.is_some() { format!(" in group '{name}'") } else { String::new() },
                        w[0].1
                    ),
                ));
            }
            let series = metric_cols
                .iter()
                .map(|&c| {
                    (
                        header[c].clone(),
                        rows.iter()
                            .map(|r| r.2[c].parse::<f64>().unwrap_or(f64::NAN))
                            .collect::<Vec<f64>>(),
                    )
                })
                // A column constant within the track (a setting such as the mixing ratio, or a
                // metric never measured) has no trend to test, unless asked for by name.
                .filter(|(_, v)| metrics.is_some() || v.iter().any(|x| *x != v[0]))
                .collect();
            Ok(Track {
                name,
                generations: rows.iter().map(|r| r.0).collect(),
                series,
            })
        })
        .collect()
}
