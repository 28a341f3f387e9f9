//! Exact MMD² permutation test at the target size: 2,000 documents per side, d = 256 and 384,
//! 500 permutations (median-heuristic bandwidth, witnesses included). The peer figure is
//! alibi-detect's MMDDrift on the same shapes: benches/peers/mmd_alibi.sh.
//! Also the RFF variant (D = 512) on the d = 384 case.

use criterion::{criterion_group, criterion_main, Criterion};
use driftprint::divergence::mmd::Mmd;
use driftprint::divergence::mmd_rff::MmdRff;
use driftprint::divergence::{Divergence, Sample};
use driftprint::stats::rng::seeded;
use ndarray::Array2;
use rand::Rng;
use rand_distr::StandardNormal;

const N: usize = 2_000;

/// Seeded standard-normal rows, shifted by `shift` in every column.
fn normal(rows: usize, cols: usize, shift: f32, stream: u64) -> Array2<f32> {
    let mut rng = seeded(42, stream);
    Array2::from_shape_simple_fn((rows, cols), || {
        rng.sample::<f32, _>(StandardNormal) + shift
    })
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("mmd");
    group.sample_size(10);
    for d in [256, 384] {
        let x = normal(N, d, 0.0, 0);
        let y = normal(N, d, 0.05, 1);
        let names: Vec<String> = (0..d).map(|j| format!("f{j}")).collect();
        let ix: Vec<String> = (0..N).map(|i| format!("r{i}")).collect();
        let iy: Vec<String> = (0..N).map(|i| format!("c{i}")).collect();
        let (a, b) = (
            Sample::new(x.view(), &ix, &names),
            Sample::new(y.view(), &iy, &names),
        );
        let mmd = Mmd::default();
        group.bench_function(format!("exact_{N}x{d}_500perm"), |bench| {
            bench.iter(|| mmd.compare(&a, &b, 7).unwrap())
        });
        if d == 384 {
            let rff = MmdRff::default();
            group.bench_function(format!("rff512_{N}x{d}_500perm"), |bench| {
                bench.iter(|| rff.compare(&a, &b, 7).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
