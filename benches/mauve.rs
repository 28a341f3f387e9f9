//! MAUVE end to end (L2 norm, PCA, k-means, histograms, curve) at 2,000 rows per side.
//!
//! Seeded normal data at d = 256 and d = 384, the candidate either from the same distribution
//! or shifted by 0.15 per coordinate. With `MAUVE_NPY=DIR` it also runs on the scenario files
//! `benches/peers/mauve_peer.sh --out DIR` wrote, printing driftprint's MAUVE (seed 0, and the
//! mean and range over seeds 0-4) to read side by side with mauve-text's values for the same
//! matrices (`--seeds 25,1,2,3,4` gives its spread).

use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use driftprint::divergence::mauve::Mauve;
use driftprint::stats::rng::seeded;
use ndarray::Array2;
use rand::Rng;
use rand_distr::StandardNormal;

const N: usize = 2000;

fn normal(d: usize, shift: f32, stream: u64) -> Array2<f32> {
    let mut rng = seeded(2024, stream);
    Array2::from_shape_simple_fn((N, d), || shift + rng.sample::<f32, _>(StandardNormal))
}

/// A little-endian f4/f8 C-order 2-D .npy file (what `np.save` writes for such arrays).
fn read_npy(path: &Path) -> Result<Array2<f32>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(format!("{}: not a .npy file", path.display()));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + len]).map_err(|e| e.to_string())?;
    if header.contains("'fortran_order': True") {
        return Err(format!(
            "{}: Fortran order is not supported",
            path.display()
        ));
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or("no shape")?;
    let dims: Vec<usize> = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| format!("bad shape {shape}")))
        .collect::<Result<_, _>>()?;
    let [rows, cols] = dims[..] else {
        return Err(format!("{}: expected a 2-D array", path.display()));
    };
    let data = &bytes[start + len..];
    let values: Vec<f32> = if header.contains("'<f4'") {
        data.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else if header.contains("'<f8'") {
        data.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f32)
            .collect()
    } else {
        return Err(format!(
            "{}: only <f4 and <f8 are supported",
            path.display()
        ));
    };
    Array2::from_shape_vec((rows, cols), values).map_err(|e| e.to_string())
}

fn bench(c: &mut Criterion) {
    let mauve = Mauve::default();
    let mut group = c.benchmark_group("mauve_2000_per_side");
    group.sample_size(10);
    for d in [256, 384] {
        let p = normal(d, 0.0, 0);
        for (name, shift) in [("same", 0.0), ("shifted", 0.15)] {
            let q = normal(d, shift, 1);
            let t = Instant::now();
            let run = mauve.score(p.view(), q.view(), 0).expect("valid data");
            eprintln!(
                "d{d}/{name}: MAUVE {:.4} (MAUVE* {:.4}, {} PCA dims), one run {:.3} s",
                run.scores.mauve,
                run.scores.mauve_star,
                run.pca_dims,
                t.elapsed().as_secs_f64()
            );
            group.bench_function(format!("d{d}/{name}"), |b| {
                b.iter(|| mauve.score(p.view(), q.view(), 0).expect("valid data"))
            });
        }
    }
    if let Some(dir) = std::env::var_os("MAUVE_NPY") {
        let dir = Path::new(&dir);
        for name in ["same", "mild_shift", "moderate_shift", "strong_shift"] {
            let load = |side| read_npy(&dir.join(format!("{name}_{side}.npy")));
            let (p, q) = match (load("p"), load("q")) {
                (Ok(p), Ok(q)) => (p, q),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("skipping {name}: {e}");
                    continue;
                }
            };
            let t = Instant::now();
            let run = mauve.score(p.view(), q.view(), 0).expect("valid data");
            let seconds = t.elapsed().as_secs_f64();
            // MAUVE moves with the clustering seed (mauve-text's too): show the spread.
            let by_seed: Vec<f64> = (0..5)
                .map(|seed| mauve.score(p.view(), q.view(), seed).expect("valid data"))
                .map(|r| r.scores.mauve)
                .collect();
            let mean = by_seed.iter().sum::<f64>() / by_seed.len() as f64;
            let (lo, hi) = by_seed
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            eprintln!(
                "npy/{name}: driftprint MAUVE {:.4} (MAUVE* {:.4}, {} clusters, {} PCA dims), \
                 seeds 0-4 mean {mean:.4} range [{lo:.4}, {hi:.4}], one run {seconds:.3} s",
                run.scores.mauve,
                run.scores.mauve_star,
                run.p_counts.len(),
                run.pca_dims,
            );
            group.bench_function(format!("npy/{name}"), |b| {
                b.iter(|| mauve.score(p.view(), q.view(), 0).expect("valid data"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
