//! Two-sample Kolmogorov–Smirnov test (two-sided), matching `scipy.stats.ks_2samp` (scipy
//! 1.17): the statistic, where it is attained, and the p-value by the `exact`, `asymp` and
//! `auto` methods.
//!
//! - `exact` counts lattice paths (Hodges 1958; the `1 − p` recursion of Viehmann 2021 for
//!   unequal sizes, an alternating binomial series for equal sizes). If the count fails or
//!   lcm(n1, n2) is too large it falls back to `asymp`, as scipy does.
//! - `asymp` is *not* the Kolmogorov limit: scipy evaluates the exact one-sample Kolmogorov
//!   distribution `kstwo.sf(D, round(n1·n2/(n1+n2)))`, and so do we ([`kolmogorov_n_sf`],
//!   Simard & L'Ecuyer 2011). The limit law `kstwobign` is [`kolmogorov_sf`].
//! - `auto` is `exact` when max(n1, n2) ≤ 10,000, else `asymp`.

use crate::error::{Error, Result};

/// How the p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KsMethod {
    /// `Exact` for samples of at most 10,000 values each, `Asymp` above (scipy's default).
    #[default]
    Auto,
    /// Exact null distribution of the two-sample statistic (falls back to `Asymp` if infeasible).
    Exact,
    /// One-sample Kolmogorov distribution with n = round(n1·n2/(n1+n2)).
    Asymp,
}

/// Samples up to this size get the exact p-value under [`KsMethod::Auto`].
pub const MAX_AUTO_EXACT_N: usize = 10_000;

/// The outcome of one two-sample KS test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    /// sup |F1 − F2| of the two empirical CDFs.
    pub statistic: f64,
    pub p_value: f64,
    /// The value (from either sample) where the statistic is attained.
    pub location: f64,
    /// +1 when F1 − F2 is largest there (the first sample lies to the left), −1 otherwise.
    pub sign: i8,
    /// The method that produced the p-value (`Exact` or `Asymp`, never `Auto`).
    pub method: KsMethod,
}

/// Two-sided two-sample KS test of `x` against `y` (any order; NaN is an error).
pub fn ks_2samp(x: &[f64], y: &[f64], method: KsMethod) -> Result<KsResult> {
    if x.is_empty() || y.is_empty() {
        return Err(Error::Data(
            "the KS test needs at least one value in each sample".into(),
        ));
    }
    if x.iter().chain(y).any(|v| v.is_nan()) {
        return Err(Error::Data("the KS test got a NaN value".into()));
    }
    let mut xs = x.to_vec();
    let mut ys = y.to_vec();
    xs.sort_by(f64::total_cmp);
    ys.sort_by(f64::total_cmp);
    Ok(ks_2samp_sorted(&xs, &ys, method))
}

/// [`ks_2samp`] on samples already sorted ascending, non-empty and free of NaN.
pub fn ks_2samp_sorted(xs: &[f64], ys: &[f64], method: KsMethod) -> KsResult {
    let (n1, n2) = (xs.len(), ys.len());
    let (fn1, fn2) = (n1 as f64, n2 as f64);
    // Scan the pooled values in scipy's order (sorted x, then sorted y) and keep the first
    // extreme, so the location matches scipy's argmin/argmax on ties.
    let (mut max_diff, mut max_at) = (f64::NEG_INFINITY, 0.0);
    let (mut min_diff, mut min_at) = (f64::INFINITY, 0.0);
    for &v in xs.iter().chain(ys) {
        let c1 = xs.partition_point(|&a| a <= v) as f64 / fn1;
        let c2 = ys.partition_point(|&a| a <= v) as f64 / fn2;
        let diff = c1 - c2;
        if diff > max_diff {
            (max_diff, max_at) = (diff, v);
        }
        if diff < min_diff {
            (min_diff, min_at) = (diff, v);
        }
    }
    let min_s = (-min_diff).clamp(0.0, 1.0);
    let (mut d, location, sign) = if min_s > max_diff {
        (min_s, min_at, -1)
    } else {
        (max_diff, max_at, 1)
    };

    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let mut exact = match method {
        KsMethod::Auto => n1.max(n2) <= MAX_AUTO_EXACT_N,
        // scipy gives up on exact when lcm(n1, n2) would overflow a 32-bit integer.
        KsMethod::Exact => (n1g as f64) < f64::from(i32::MAX) / n2g as f64,
        KsMethod::Asymp => false,
    };
    let mut p = f64::NAN;
    if exact {
        match exact_p(n1, n2, g, d) {
            Some((d_exact, p_exact)) => (d, p) = (d_exact, p_exact),
            None => exact = false,
        }
    }
    if !exact {
        let (m, n) = (fn1.max(fn2), fn1.min(fn2));
        let en = m * n / (m + n);
        p = kolmogorov_n_sf(en.round_ties_even() as u64, d);
    }
    KsResult {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
        location,
        sign,
        method: if exact {
            KsMethod::Exact
        } else {
            KsMethod::Asymp
        },
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Exact two-sided p-value: `(D rounded to a multiple of 1/lcm, p)`, or None when the count
/// is not a probability (scipy then falls back to the asymptotic method).
fn exact_p(n1: usize, n2: usize, g: usize, d: f64) -> Option<(f64, f64)> {
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as i64;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return Some((d, 1.0));
    }
    let p = if n1 == n2 {
        prob_outside_square(n1 as i64, h)
    } else {
        prob_outside_band(n1 as i64, n2 as i64, g as i64, h)
    };
    (0.0..=1.0).contains(&p).then_some((d, p))
}

/// P(D_{n,n} ≥ h/n) = 2·Σ_k (−1)^(k−1) C(2n, n−kh)/C(2n, n), evaluated Horner-style to avoid
/// the cancellation of the alternating sum.
fn prob_outside_square(n: i64, h: i64) -> f64 {
    let mut p = 0.0;
    let mut k = n / h;
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// Share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm(m,n),
/// i.e. the exact two-sided p-value, computed directly as 1 − share inside (Viehmann's
/// recursion keeps it accurate when the p-value is tiny).
fn prob_outside_band(m: i64, n: i64, g: i64, h: i64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = (m / g, n / g);
    let floor_div = |a: i64, b: i64| a.div_euclid(b);
    let ceil_div = |a: i64, b: i64| -(-a).div_euclid(b);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    // One sliding column of the path-count table; scipy sizes it min(2·maxj + 2, n + 1), we
    // give it n + 2 so no index can fall off the end (entries beyond are never read).
    let mut a = vec![1.0f64; (n + 2) as usize];
    a[..maxj as usize].iter_mut().for_each(|v| *v = 0.0);
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        let fi = i as f64;
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * fi + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let start = (maxj - minj) as usize;
            let end = (start + (lastlen - curlen) as usize).min(a.len());
            a[start..end].iter_mut().for_each(|v| *v = 1.0);
        }
    }
    a[(maxj - minj - 1) as usize]
}

/// Survival function of the Kolmogorov limit distribution (`scipy.stats.kstwobign.sf`):
/// P(K > x) = 2 Σ_{k≥1} (−1)^(k−1) exp(−2k²x²) for x > 0.82, and
/// 1 − (√(2π)/x) Σ_{k≥1} exp(−(2k−1)²π²/(8x²)) below, where that series converges fast.
pub fn kolmogorov_sf(x: f64) -> f64 {
    use std::f64::consts::PI;
    if x.is_nan() {
        return f64::NAN;
    }
    // exp() of anything below -708-38 underflows: P(K <= x) is 0 there.
    if x <= PI / (8.0f64 * 746.0).sqrt() {
        return 1.0;
    }
    let sf = if x <= 0.82 {
        let w = (2.0 * PI).sqrt() / x;
        let logu8 = -PI * PI / (x * x);
        let u = (logu8 / 8.0).exp();
        let cdf = if u == 0.0 {
            (logu8 / 8.0 + w.ln()).exp()
        } else {
            // 1 + u^8 + u^24 + u^48, i.e. k = 1..4 of u^((2k-1)^2 - 1).
            let u8 = logu8.exp();
            let u8cub = u8.powi(3);
            let mut p = 1.0 + u8cub;
            p = 1.0 + u8 * u8 * p;
            p = 1.0 + u8 * p;
            w * u * p
        };
        1.0 - cdf
    } else {
        // 2(v − v^4 + v^9 − v^16) = 2v(1 − v^3(1 − v^5(1 − v^7))), v = exp(−2x²).
        let v = (-2.0 * x * x).exp();
        let v3 = v.powi(3);
        let mut p = 1.0 - v3 * v3 * v;
        p = 1.0 - v3 * v * v * p;
        p = 1.0 - v3 * p;
        2.0 * v * p
    };
    sf.clamp(0.0, 1.0)
}

/// Survival function P(D_n ≥ x) of the two-sided one-sample Kolmogorov statistic for a
/// sample of size n (`scipy.stats.kstwo.sf(x, n)`), choosing among the Ruben–Gambino closed
/// forms, the Durbin matrix, the Pomeranz recursion, the Pelz–Good expansion and twice the
/// one-sided Smirnov tail as Simard & L'Ecuyer (2011) recommend.
pub fn kolmogorov_n_sf(n: u64, x: f64) -> f64 {
    if x.is_nan() || n == 0 {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    let from_cdf = |cdf: f64| (1.0 - cdf).clamp(0.0, 1.0);
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        // Ruben–Gambino: P(D_n <= x) = n!/n^n (2t − 1)^n for 1/(2n) <= x <= 1/n.
        let cdf = if n <= 140 {
            (1..=n)
                .map(|i| i as f64 * (1.0 / nf) * (2.0 * t - 1.0))
                .product()
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return from_cdf(cdf);
    }
    if t >= nf - 1.0 {
        return (2.0 * (1.0 - x).powf(nf)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        // D_n+ >= x and D_n- >= x cannot both happen: the tail is exactly twice one-sided.
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    let nxx = t * x;
    if n <= 140 {
        if nxx <= 0.754693 {
            return from_cdf(durbin_cdf(n, x));
        }
        if nxx <= 4.0 {
            return from_cdf(pomeranz_cdf(n, x));
        }
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    if nxx >= 370.0 {
        return 0.0;
    }
    if nxx >= 2.2 {
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        from_cdf(durbin_cdf(n, x))
    } else {
        from_cdf(pelz_good_cdf(nf, x))
    }
}

const SCALE: f64 = 340282366920938463463374607431768211456.0; // 2^128
const UNSCALE: f64 = 1.0 / SCALE;

/// x · 2^e without overflowing the intermediate power.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e as i32)
}

/// ln(n!/n^n) by Stirling's series with the n·ln(n) term removed up front.
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    // B_2j / (2j(2j − 1)) for j = 8 down to 1 (B = Bernoulli numbers).
    const STIRLING: [f64; 8] = [
        -3617.0 / 122_400.0,
        1.0 / 156.0,
        -691.0 / 360_360.0,
        1.0 / 1188.0,
        -1.0 / 1680.0,
        1.0 / 1260.0,
        -1.0 / 360.0,
        1.0 / 12.0,
    ];
    let rn = 1.0 / n;
    let poly = STIRLING.iter().fold(0.0, |acc, &c| acc * (rn / n) + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// P(D_n <= d) by Durbin's matrix method as Marsaglia, Tsang & Wang compute it: the (k,k)
/// entry of H^n·n!/n^n with H of size 2k − 1, k = ceil(n·d), scaled to avoid overflow.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powi(j as i32)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;

    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }

    let mut pw = vec![0.0; m * m];
    (0..m).for_each(|i| pw[i * m + i] = 1.0);
    let (mut nn, mut expnt, mut h_expnt) = (n, 0i64, 0i64);
    while nn > 0 {
        if nn % 2 == 1 {
            pw = matmul(&pw, &hm, m);
            expnt += h_expnt;
        }
        hm = matmul(&hm, &hm, m);
        h_expnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > SCALE {
            hm.iter_mut().for_each(|x| *x *= UNSCALE);
            h_expnt += 128;
        }
        nn /= 2;
    }
    let mut p = pw[(k - 1) * m + (k - 1)];
    let nf = n as f64;
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < UNSCALE {
            p *= SCALE;
            expnt -= 128;
        }
    }
    ldexp(p, expnt).clamp(0.0, 1.0)
}

fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut c = vec![0.0; m * m];
    for i in 0..m {
        for k in 0..m {
            let aik = a[i * m + k];
            if aik != 0.0 {
                for j in 0..m {
                    c[i * m + j] += aik * b[k * m + j];
                }
            }
        }
    }
    c
}

/// Row bounds [j1, j2] of the non-zero band in row i of Pomeranz's recursion.
fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (half, odd_next) = ((i + 1) / 2, (i + 1) % 2);
        if odd_next == 0 {
            if half == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
            }
        } else {
            (half - 1 - ll - 1, half + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// P(D_n <= x) by Pomeranz's recursion: each row is the previous one convolved with one of
/// three truncated Poisson weight vectors; the answer is n! times the last entry.
fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let ni = n as i64;
    let nf = n as f64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let mut gpower = vec![1.0; npwrs];
    let mut twogpower = vec![1.0; npwrs];
    let mut onem2gpower = vec![1.0; npwrs];
    let (g_n, two_g_n, one_m2g_n) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_m2g_n / m as f64;
    }
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i64;
    let (mut j1, _) = pomeranz_j1j2(0, ni, ll, ceilf, roundf);
    for i in 1..(2 * ni + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|v| *v = 0.0);
        let (nj1, j2) = pomeranz_j1j2(i, ni, ll, ceilf, roundf);
        j1 = nj1;
        let pwrs = if i == 1 || i == 2 * ni + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            // Full convolution of V0[k1-V0s ..][..ln2] with pwrs[..ln2], keeping entries
            // conv_start .. conv_start + conv_len.
            let start = (k1 - v0s).max(0) as usize;
            let src = &v0[start.min(npwrs)..(start + ln2 as usize).min(npwrs)];
            let kern = &pwrs[..(ln2 as usize).min(npwrs)];
            let conv_start = (j1 - k1) as usize;
            let conv_len = (j2 - j1 + 1).max(0) as usize;
            for (out, slot) in v1.iter_mut().take(conv_len).enumerate() {
                let idx = conv_start + out;
                let lo = idx.saturating_sub(kern.len() - 1);
                let hi = idx.min(src.len().saturating_sub(1));
                let mut s = 0.0;
                for a in lo..=hi {
                    s += src[a] * kern[idx - a];
                }
                *slot = s;
            }
            let vmax = v1.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < vmax && vmax < UNSCALE {
                v1.iter_mut().for_each(|v| *v *= SCALE);
                expnt -= 128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let mut ans = v1[(ni - v1s) as usize];
    for m in 1..=n {
        if ans.abs() > SCALE {
            ans *= UNSCALE;
            expnt += 128;
        }
        ans *= m as f64;
    }
    ldexp(ans, expnt).clamp(0.0, 1.0)
}

/// Pelz–Good asymptotic expansion of P(D_n <= x) in powers of 1/√n, for large n.
fn pelz_good_cdf(n: f64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let z = n.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let pi2 = PI * PI;
    let (pi4, pi6) = (pi2 * pi2, pi2 * pi2 * pi2);
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    // Horner over the odd terms m = 2k − 1, weights q^(m²) = q · (q^8)^(k(k−1)/2)...
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf(8.0 * kk as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (acc, c) in k.iter_mut().zip(coeffs) {
            *acc = *acc * qpower + c;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let denom = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (acc, d) in k.iter_mut().zip(denom) {
        *acc = *acc * q * sqrt2pi / d;
    }
    // The terms over all integers k for K2 and K3.
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let ks = kk as f64;
        let qp = q.powf(ks * ks);
        let kspi = PI * ks;
        k2extra += ks * ks * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * ks * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    k.iter()
        .enumerate()
        .map(|(i, &v)| v / n.powf(i as f64 / 2.0))
        .sum::<f64>()
}

/// Survival function P(D_n+ > x) of the one-sided Smirnov statistic (`scipy.special.smirnov`)
/// by the Birnbaum–Tingey sum x·Σ_v C(n,v)(x + v/n)^(v−1)(1 − x − v/n)^(n−v), whose terms are
/// all positive, evaluated in logs.
pub fn smirnov_sf(n: u64, x: f64) -> f64 {
    if x.is_nan() || n == 0 || !(0.0..=1.0).contains(&x) {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    // floor(n·x) and its remainder, exactly (n·x may round onto an integer).
    let prod = nf * x;
    let err = nf.mul_add(x, -prod);
    let mut nxfl = prod.floor();
    let mut alpha = (prod - nxfl) + err;
    if alpha < 0.0 {
        nxfl -= 1.0;
        alpha += 1.0;
    }
    if alpha >= 1.0 {
        nxfl += 1.0;
        alpha -= 1.0;
    }
    let nxfl = nxfl as u64;
    if nxfl == 0 || (nxfl == 1 && alpha == 0.0) {
        // x <= 1/n: P(D+ <= x) = x(1 + x)^(n−1).
        return (1.0 - x * (1.0 + x).powf(nf - 1.0)).clamp(0.0, 1.0);
    }
    // ln(2^-1075): beyond it the tail underflows.
    if -2.0 * nf * x * x < -745.133_219_101_941_2 {
        return 0.0;
    }
    if nxfl >= n - 1 {
        return (1.0 - x).powf(nf);
    }
    if n > 1_000_000 {
        // Too many terms: the approximation exp(−(6nx + 1)²/(18n)) scipy uses too.
        let logp = -(6.0 * nf * x + 1.0).powi(2) / 18.0 / nf;
        return if logp < -std::f64::consts::LN_2 {
            logp.exp()
        } else {
            1.0 - (-logp.exp_m1())
        };
    }
    // Terms v = 0 ..= last with 1 − x − v/n > 0 strictly.
    let last = n - nxfl - 1;
    let mut logs = Vec::with_capacity(last as usize + 1);
    let mut log_binom = 0.0;
    for v in 0..=last {
        if v > 0 {
            log_binom += ((n - v + 1) as f64 / v as f64).ln();
        }
        let vf = v as f64;
        let s = x + vf / nf; // x + v/n
        let rest = if s < 0.5 {
            (-s).ln_1p()
        } else {
            ((n - v) as f64 / nf - x).ln()
        };
        logs.push(log_binom + (vf - 1.0) * s.ln() + (nf - vf) * rest);
    }
    let top = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logs.iter().map(|&l| (l - top).exp()).sum();
    (x * top.exp() * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rtol: f64) {
        assert!(
            (got - want).abs() <= rtol * want.abs() + 1e-300,
            "got {got:e}, want {want:e}"
        );
    }

    #[test]
    fn statistic_location_and_sign_on_a_tiny_example() {
        // F_x - F_y is largest (2/3) at 2: x = {1,2,3}, y = {4,5}.
        let r = ks_2samp(&[3.0, 1.0, 2.0], &[5.0, 4.0], KsMethod::Exact).unwrap();
        assert_eq!(r.statistic, 1.0);
        assert_eq!(r.location, 3.0);
        assert_eq!(r.sign, 1);
        // All C(5,2) = 10 orderings equally likely; only the 2 fully separated reach D = 1.
        close(r.p_value, 0.2, 1e-14);
        let r = ks_2samp(&[5.0, 4.0], &[3.0, 1.0, 2.0], KsMethod::Exact).unwrap();
        assert_eq!((r.statistic, r.sign, r.location), (1.0, -1, 3.0));
    }

    #[test]
    fn identical_samples_have_statistic_zero_and_p_one() {
        let x = [0.5, 1.5, 2.5, 2.5];
        for method in [KsMethod::Exact, KsMethod::Asymp, KsMethod::Auto] {
            let r = ks_2samp(&x, &x, method).unwrap();
            assert_eq!(r.statistic, 0.0);
            assert_eq!(r.p_value, 1.0);
        }
    }

    #[test]
    fn exact_and_asymp_agree_for_large_samples() {
        // Interleaved grids with a shift: n1 = 3000, n2 = 2000, D = 0.05.
        let x: Vec<f64> = (0..3000).map(|i| i as f64 / 3000.0).collect();
        let y: Vec<f64> = (0..2000).map(|i| i as f64 / 2000.0 + 0.05).collect();
        let e = ks_2samp(&x, &y, KsMethod::Exact).unwrap();
        let a = ks_2samp(&x, &y, KsMethod::Asymp).unwrap();
        assert_eq!(e.method, KsMethod::Exact);
        assert_eq!(a.method, KsMethod::Asymp);
        // scipy: D = 151/3000, exact p = 0.004462309023873023, asymp p = 0.004413889582678164.
        assert!((e.statistic - 151.0 / 3000.0).abs() < 1e-15);
        close(e.p_value, 0.004462309023873023, 1e-6);
        close(a.p_value, 0.004413889582678164, 1e-8);
        assert_eq!((e.location, e.sign), (0.141, 1));
        assert!(
            (e.p_value - a.p_value).abs() < 0.02 * e.p_value,
            "{e:?} {a:?}"
        );
    }

    #[test]
    fn auto_switches_to_asymp_above_ten_thousand() {
        let x: Vec<f64> = (0..10_001).map(f64::from).collect();
        let y: Vec<f64> = (0..50).map(|i| f64::from(i) * 200.0 + 0.5).collect();
        assert_eq!(
            ks_2samp(&x, &y, KsMethod::Auto).unwrap().method,
            KsMethod::Asymp
        );
        assert_eq!(
            ks_2samp(&x[..10_000], &y, KsMethod::Auto).unwrap().method,
            KsMethod::Exact
        );
    }

    #[test]
    fn kolmogorov_limit_matches_scipy() {
        // scipy.stats.kstwobign.sf at 0.3, 0.5, 0.82, 1.0, 1.5, 2.5.
        let cases = [
            (0.3, 0.9999906941986655),
            (0.5, 0.9639452436648751),
            (0.82, 0.5119717052984973),
            (1.0, 0.26999967167735456),
            (1.5, 0.022217962616525127),
            (2.5, 7.453306344157342e-06),
        ];
        for (x, want) in cases {
            close(kolmogorov_sf(x), want, 1e-12);
        }
        assert_eq!(kolmogorov_sf(0.01), 1.0);
    }

    #[test]
    fn kolmogorov_n_matches_scipy_on_every_branch() {
        // scipy.stats.kstwo.sf(x, n): (n, x, sf), one or two per branch.
        let cases = [
            (10, 0.08, 0.9999978058034054),        // Ruben-Gambino, x <= 1/n
            (10, 0.95, 1.9531250000000172e-13),    // Ruben-Gambino, x >= 1 - 1/n
            (20, 0.6, 2.0483011649719853e-07),     // x >= 0.5: twice Smirnov
            (86, 0.08, 0.6119655843964333),        // Durbin matrix
            (86, 0.15, 0.03736987116715414),       // Pomeranz
            (86, 0.3, 2.3222437412723717e-07),     // Smirnov, n <= 140
            (150, 0.04, 0.9622260690500474),       // Durbin, n > 140
            (5000, 0.004, 0.9999977369528622),     // Durbin, larger matrix
            (1000, 0.03, 0.3226902143914636),      // Pelz-Good
            (200_000, 0.002, 0.39995085369038097), // Pelz-Good, n > 100,000
            (1000, 0.06, 0.001428597887952891),    // Smirnov, n > 140
            (150, 0.3, 1.8096708700049624e-12),    // Smirnov, tiny tail
        ];
        for (n, x, want) in cases {
            close(kolmogorov_n_sf(n, x), want, 1e-7);
        }
    }

    #[test]
    fn empty_or_nan_is_a_data_error() {
        assert!(matches!(
            ks_2samp(&[], &[1.0], KsMethod::Auto),
            Err(Error::Data(_))
        ));
        assert!(matches!(
            ks_2samp(&[f64::NAN], &[1.0], KsMethod::Auto),
            Err(Error::Data(_))
        ));
    }
}
