//! Limited-memory BFGS with an Armijo backtracking line search, for smooth convex objectives
//! (the logistic regressions of C2ST and the fingerprint detector).

/// Stopping rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsParams {
    pub max_iterations: usize,
    /// Stop when every gradient component is below this.
    pub gradient_tolerance: f64,
    /// Stop when an iteration lowers the objective by less than this, relative.
    pub relative_decrease: f64,
    /// Curvature pairs kept.
    pub memory: usize,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        LbfgsParams {
            max_iterations: 200,
            gradient_tolerance: 1e-6,
            relative_decrease: 1e-12,
            memory: 10,
        }
    }
}

/// An objective: its value and gradient at a point.
pub type Objective<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>) + 'a;

/// The minimiser found and how many iterations it took.
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
}

fn vdot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `objective` (value and gradient at a point) from `start`.
pub fn minimize(objective: &Objective, start: Vec<f64>, params: &LbfgsParams) -> Minimum {
    let mut x = start;
    let (mut value, mut grad) = objective(&x);
    let (mut s_hist, mut y_hist): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
    let mut iterations = 0;
    while iterations < params.max_iterations {
        if grad.iter().fold(0.0f64, |m, g| m.max(g.abs())) < params.gradient_tolerance {
            break;
        }
        iterations += 1;
        // Two-loop recursion: direction = -H·grad.
        let mut q = grad.clone();
        let mut alphas = Vec::with_capacity(s_hist.len());
        for (s, yv) in s_hist.iter().zip(&y_hist).rev() {
            let a = vdot(s, &q) / vdot(yv, s);
            q.iter_mut().zip(yv).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        if let (Some(s), Some(yv)) = (s_hist.last(), y_hist.last()) {
            let gamma = vdot(s, yv) / vdot(yv, yv);
            q.iter_mut().for_each(|v| *v *= gamma);
        } else {
            let norm = vdot(&grad, &grad).sqrt().max(1e-12);
            q.iter_mut().for_each(|v| *v /= norm);
        }
        for ((s, yv), a) in s_hist.iter().zip(&y_hist).zip(alphas.into_iter().rev()) {
            let beta = vdot(yv, &q) / vdot(yv, s);
            q.iter_mut()
                .zip(s)
                .for_each(|(qi, si)| *qi += (a - beta) * si);
        }
        let direction: Vec<f64> = q.iter().map(|v| -v).collect();
        let slope = vdot(&grad, &direction);
        if slope >= 0.0 {
            // Not a descent direction (curvature lost): restart from steepest descent.
            if s_hist.is_empty() {
                break;
            }
            s_hist.clear();
            y_hist.clear();
            continue;
        }
        // Backtracking line search (Armijo).
        let mut step = 1.0;
        let (new_x, new_value, new_grad) = loop {
            let candidate: Vec<f64> = x
                .iter()
                .zip(&direction)
                .map(|(t, d)| t + step * d)
                .collect();
            let (v, g) = objective(&candidate);
            if v <= value + 1e-4 * step * slope || step < 1e-12 {
                break (candidate, v, g);
            }
            step *= 0.5;
        };
        let s: Vec<f64> = new_x.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = new_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let converged =
            (value - new_value).abs() <= params.relative_decrease * value.abs().max(1.0);
        if vdot(&s, &yv) > 1e-12 {
            s_hist.push(s);
            y_hist.push(yv);
            if s_hist.len() > params.memory {
                s_hist.remove(0);
                y_hist.remove(0);
            }
        }
        (x, value, grad) = (new_x, new_value, new_grad);
        if converged {
            break;
        }
    }
    Minimum {
        x,
        value,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_rosenbrock_valley() {
        let f = |p: &[f64]| {
            let (a, b) = (p[0], p[1]);
            let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            (v, g)
        };
        let m = minimize(
            &f,
            vec![-1.2, 1.0],
            &LbfgsParams {
                max_iterations: 500,
                gradient_tolerance: 1e-8,
                ..LbfgsParams::default()
            },
        );
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{:?}",
            m.x
        );
    }
}
