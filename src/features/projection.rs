//! Seeded sparse random projection (a sparse Johnson–Lindenstrauss transform).
//!
//! Each input coordinate adds to `NONZEROS` output coordinates with random signs, scaled by
//! 1/sqrt(NONZEROS) (Kane & Nelson 2014). Four nonzeros per column are plenty for TF-IDF rows,
//! whose mass is spread over thousands of n-grams (Weinberger et al. 2009 show even one works
//! for such well-spread vectors), and cost half of eight on the hottest loop of `features`. The matrix is never stored: entries are recomputed by
//! hashing (coordinate, k, seed), so a 2^18 × 256 projection costs no memory and is identical on
//! every machine and thread count.

use super::ngrams::mix;

const NONZEROS: u64 = 4;

/// Rows are drawn from 15 bits: outputs wider than this would leave rows unreachable.
pub const MAX_OUTPUT_DIM: usize = 1 << 15;

#[derive(Debug, Clone)]
pub struct SparseProjection {
    input_dim: usize,
    output_dim: usize,
    seed: u64,
}

impl SparseProjection {
    pub fn new(input_dim: usize, output_dim: usize, seed: u64) -> Self {
        SparseProjection {
            input_dim,
            output_dim,
            seed: mix(seed ^ 0x9e37_79b9_7f4a_7c15),
        }
    }

    pub fn output_dim(&self) -> usize {
        self.output_dim
    }

    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Projects one sparse row (indices < input_dim, any order) to a dense vector.
    pub fn project(&self, indices: &[u32], values: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; self.output_dim];
        if self.output_dim == 0 {
            return out;
        }
        let scale = 1.0 / (NONZEROS as f32).sqrt();
        let dim = self.output_dim as u64;
        for (&i, &v) in indices.iter().zip(values) {
            // One 64-bit hash gives four 16-bit draws: 15 bits pick the row, 1 bit the sign.
            let h = mix(self.seed ^ (i as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
            let v = v * scale;
            for k in 0..NONZEROS {
                let draw = (h >> (16 * k)) & 0xffff;
                let row = (((draw >> 1) * dim) >> 15) as usize;
                // Branch-free sign flip: a random sign would mispredict half the time.
                out[row] += f32::from_bits(v.to_bits() ^ (((draw & 1) as u32) << 31));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preserves_norms_on_average() {
        let p = SparseProjection::new(1 << 18, 256, 7);
        let mut ratios = Vec::new();
        for r in 0..50u32 {
            let indices: Vec<u32> = (0..200)
                .map(|i| (i * 1289 + r * 7919) % (1 << 18))
                .collect();
            let mut sorted = indices.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let values = vec![1.0f32; sorted.len()];
            let out = p.project(&sorted, &values);
            let norm_in = sorted.len() as f32;
            let norm_out: f32 = out.iter().map(|x| x * x).sum();
            ratios.push(norm_out / norm_in);
        }
        let mean = ratios.iter().sum::<f32>() / ratios.len() as f32;
        assert!((mean - 1.0).abs() < 0.05, "mean squared-norm ratio {mean}");
    }

    #[test]
    fn seed_changes_the_projection_and_is_repeatable() {
        let a = SparseProjection::new(1000, 16, 1).project(&[3, 99], &[1.0, 0.5]);
        let b = SparseProjection::new(1000, 16, 1).project(&[3, 99], &[1.0, 0.5]);
        let c = SparseProjection::new(1000, 16, 2).project(&[3, 99], &[1.0, 0.5]);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
