//! Branch-free f32 `exp` and `erf` that the compiler vectorises: the softmax and GELU of the
//! sentence encoder call them millions of times per batch, where a scalar libm call per element
//! cost 9% (exp) and 11% (erf) of the encoder's time. [`vectorized!`] compiles such loops with the
//! widest vector instructions the CPU has: the build targets baseline x86-64 (SSE2), so without
//! it they run four lanes wide on machines with sixteen.

/// e^x for x ≤ 0 (Cephes' polynomial after range reduction; relative error < 2e-7); 0 below
/// -87, where f32 underflows (masked attention scores). Branch-free, so the loop vectorises.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let clamped = x.max(-87.0);
    // Round to nearest by adding 1.5·2^23: `round()` is a libm call without SSE4.1, and the sum's
    // low mantissa bits then hold the integer itself — read back from the bits, because a
    // float-to-int `as` cast saturates, which compilers turn into one scalar convert per lane.
    let shifted = clamped * std::f32::consts::LOG2_E + 12_582_912.0;
    let n = shifted - 12_582_912.0;
    let k = (shifted.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = clamped - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    let scale = f32::from_bits((k.wrapping_add(127) as u32) << 23);
    if x < -87.0 {
        0.0
    } else {
        y * scale
    }
}

/// erf as a rational function on [-4, 4] (the single-precision approximation used by Eigen and
/// XLA); |error| < 5e-7 in f32 arithmetic, and branch-free so the loop vectorises.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.9546e-3;
    p = p * x2 - 1.609_603_3e-2;
    p *= x;
    let mut q = -1.456_607_2e-5f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    p / q
}

/// Defines a function whose body is compiled three times — for AVX-512, for AVX2+FMA and for
/// the build's baseline — and runs the widest the CPU has (detected once, then cached by std).
/// The body should call only `#[inline(always)]` helpers, so they are compiled inside each
/// variant. The arithmetic is the same IEEE operations in every variant (Rust never fuses a
/// multiply and an add on its own), so results do not depend on the machine.
macro_rules! vectorized {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                unsafe fn avx512($($arg: $ty),*) {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) {
                    body($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F, checked just above.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use vectorized;

/// Σ values, summed in 16 lanes so the loop vectorises (a plain `sum()` is a serial chain).
#[inline(always)]
pub fn lane_sum(values: &[f32]) -> f32 {
    let mut lanes = [0f32; 16];
    let mut parts = values.chunks_exact(16);
    for part in parts.by_ref() {
        lanes.iter_mut().zip(part).for_each(|(l, v)| *l += v);
    }
    lanes
        .iter_mut()
        .zip(parts.remainder())
        .for_each(|(l, v)| *l += v);
    lanes.iter().sum()
}

/// max(values), in 16 lanes (f32::max is not associative for NaN, so a fold stays serial).
#[inline(always)]
pub fn lane_max(values: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 16];
    let mut parts = values.chunks_exact(16);
    for part in parts.by_ref() {
        lanes
            .iter_mut()
            .zip(part)
            .for_each(|(l, v)| *l = if *v > *l { *v } else { *l });
    }
    for (l, v) in lanes.iter_mut().zip(parts.remainder()) {
        *l = if *v > *l { *v } else { *l };
    }
    lanes.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_libm() {
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let (got, want) = (exp(x) as f64, libm::exp(x as f64));
            assert!(
                (got - want).abs() <= 3e-7 * want,
                "exp({x}) = {got}, libm {want}"
            );
        }
        assert_eq!(exp(-1e9), 0.0);
    }

    #[test]
    fn rational_erf_matches_libm() {
        let worst = (-6000..=6000)
            .map(|i| i as f32 / 1000.0)
            .map(|x| (erf(x) as f64 - libm::erf(x as f64)).abs())
            .fold(0.0, f64::max);
        assert!(worst < 5e-7, "max |erf error| {worst}");
    }

    #[test]
    fn lane_sum_and_max_match_plain_ones() {
        for n in [0usize, 1, 15, 16, 17, 100, 384] {
            let values: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
                .collect();
            let plain: f32 = values.iter().sum();
            assert!((lane_sum(&values) - plain).abs() <= 1e-4 * (1.0 + plain.abs()));
            let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(lane_max(&values), max);
        }
    }
}
