//! The contamination estimate, calibrated on the repository's own text: real sides built from
//! the demo's human passages with 0%, 10% and 30% of its LLM rewrites planted, scored by the
//! built-in detector, its true-positive rates measured on other rewrites (the run's synthetic
//! documents) and its false-positive rates on other human passages (trusted real text), over
//! seeded repetitions. The 95% interval must cover the planted share in at least 90% of them;
//! the gate must pass the clean real sides (never block them) and block the ones with 30%
//! (in at least 90% of them).

use driftprint::corpus::{Corpus, Source};
use driftprint::features::FeatureSettings;
use driftprint::fingerprint::contamination::{
    flags, point_rates, stored_rates, ContaminationRules, Flagged, RateOrigin, ScopeEstimate,
    POINTS,
};
use driftprint::fingerprint::Detector;
use driftprint::stats::rng::seeded;
use driftprint::status::Status;
use rand::seq::SliceRandom;

use crate::common::{dev_schema, repo_root};

const REPETITIONS: u64 = 40;
/// Documents of each real side.
const REAL_SIDE: usize = 400;

/// Each document's flags at every operating point, humans and rewrites apart.
fn scored_pools(detector: &Detector) -> (Vec<[bool; POINTS]>, Vec<[bool; POINTS]>) {
    let inputs = [
        repo_root().join("data/demo.jsonl"),
        repo_root().join("data/policy/eval.jsonl"),
    ];
    let docs = Corpus::load(&inputs, &dev_schema()).unwrap().docs;
    let scores = detector.score(&docs).unwrap();
    let (mut humans, mut rewrites) = (Vec::new(), Vec::new());
    for (d, s) in docs.iter().zip(&scores) {
        match d.lineage.source {
            Source::Real => humans.push(flags(detector, s)),
            Source::Synthetic => rewrites.push(flags(detector, s)),
        }
    }
    (humans, rewrites)
}

fn tally(flags: &[[bool; POINTS]]) -> Flagged {
    let mut f = Flagged::default();
    flags.iter().for_each(|x| f.add(*x));
    f
}

#[test]
fn the_interval_covers_the_planted_share_and_the_gate_follows_it() {
    let detector = Detector::built_in(&FeatureSettings::default()).unwrap();
    let stored = stored_rates(&detector);
    let (humans, rewrites) = scored_pools(&detector);
    assert_eq!((humans.len(), rewrites.len()), (840, 600));
    let rules = ContaminationRules {
        max_share: 0.05,
        min_documents: 30,
        max_width: 0.2,
        level: 0.95,
    };
    for (stream, share) in [(0u64, 0.0), (1, 0.1), (2, 0.3)] {
        let planted = (share * REAL_SIDE as f64).round() as usize;
        let truth = planted as f64 / REAL_SIDE as f64;
        let (mut covered, mut passed, mut blocked) = (0, 0, 0);
        for rep in 0..REPETITIONS {
            let mut rng = seeded(rep, stream);
            let (mut h, mut r) = (humans.clone(), rewrites.clone());
            h.shuffle(&mut rng);
            r.shuffle(&mut rng);
            // Disjoint parts: trusted human text, the run's synthetic documents, the real side.
            let (trusted, real_pool) = h.split_at(200);
            let (synthetic, plant_pool) = r.split_at(150);
            let side: Vec<[bool; POINTS]> = plant_pool[..planted]
                .iter()
                .chain(&real_pool[..REAL_SIDE - planted])
                .copied()
                .collect();
            let rates = point_rates(
                &stored,
                Some(tally(synthetic)),
                Some((tally(trusted), RateOrigin::TrustedReal)),
            );
            let e = ScopeEstimate::judge("real side".into(), tally(&side), &rates, &rules);
            covered += usize::from(
                e.estimate
                    .is_some_and(|f| f.low <= truth + 1e-12 && truth <= f.high + 1e-12),
            );
            passed += usize::from(e.status == Status::Pass);
            blocked += usize::from(e.status == Status::Blocked);
        }
        let n = REPETITIONS as usize;
        eprintln!("{share}: covered {covered} of {n}, passed {passed}, blocked {blocked}");
        assert!(
            covered * 10 >= n * 9,
            "{share}: the interval covered {truth} in {covered} of {n}"
        );
        match stream {
            // Clean: never blocked; a warning only where the interval missed 0 (about 1 in 20).
            0 => assert!(
                blocked == 0 && passed * 10 >= n * 9,
                "clean: {passed} of {n} passed, {blocked} blocked"
            ),
            // 10%, twice the limit, on 300 documents: never passed while the interval sees it.
            1 => assert!(passed < n / 2, "10% planted: {passed} of {n} passed"),
            _ => assert!(
                blocked * 10 >= n * 9,
                "30% planted: {blocked} of {n} blocked"
            ),
        }
    }
}
