//! Seeded reservoir sampling: a uniform sample of at most `cap` documents from a stream of any
//! length, in bounded memory, the same for the same input order and seed.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Doc;
use crate::stats::rng::seeded;

pub struct Reservoir {
    cap: usize,
    seen: u64,
    items: Vec<(u64, Doc)>,
    rng: ChaCha8Rng,
}

impl Reservoir {
    pub fn new(cap: usize, seed: u64, stream: u64) -> Reservoir {
        Reservoir {
            cap,
            seen: 0,
            items: Vec::new(),
            rng: seeded(seed, stream),
        }
    }

    /// Algorithm R: the t-th document replaces a random slot with probability cap / t.
    pub fn offer(&mut self, doc: Doc) {
        let t = self.seen;
        self.seen += 1;
        if self.items.len() < self.cap {
            self.items.push((t, doc));
        } else {
            let j = self.rng.random_range(0..=t);
            if (j as usize) < self.cap {
                self.items[j as usize] = (t, doc);
            }
        }
    }

    /// Documents offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The sample in input order.
    pub fn into_docs(mut self) -> Vec<Doc> {
        self.items.sort_by_key(|(t, _)| *t);
        self.items.into_iter().map(|(_, d)| d).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn doc(i: usize) -> Doc {
        Doc {
            id: i.to_string(),
            text: "x".into(),
            lineage: Lineage::new(Source::Real),
        }
    }

    #[test]
    fn keeps_everything_under_the_cap_and_samples_uniformly_above_it() {
        let mut r = Reservoir::new(10, 1, 0);
        (0..5).for_each(|i| r.offer(doc(i)));
        assert_eq!(r.into_docs().len(), 5);
        // Each of 100 items should land in a 10-item sample ~10% of the time.
        let mut hits = vec![0u32; 100];
        for seed in 0..2000 {
            let mut r = Reservoir::new(10, seed, 0);
            (0..100).for_each(|i| r.offer(doc(i)));
            let docs = r.into_docs();
            assert!(docs
                .windows(2)
                .all(|w| w[0].id.parse::<u32>().unwrap() < w[1].id.parse::<u32>().unwrap()));
            for d in docs {
                hits[d.id.parse::<usize>().unwrap()] += 1;
            }
        }
        assert!(hits.iter().all(|&h| (140..=260).contains(&h)), "{hits:?}");
    }
}
