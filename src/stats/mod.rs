//! Statistics shared by the divergence, fingerprint and collapse code: seeded RNGs, p-value
//! adjustment, distances, ranks.

pub mod kernel;
pub mod rng;
