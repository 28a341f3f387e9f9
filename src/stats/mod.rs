//! Statistics shared by the divergence, fingerprint and collapse code: seeded RNGs, p-value
//! adjustment, distances, ranks.

pub mod adjust;
pub mod ks;
pub mod psi;
pub mod rng;
pub mod wasserstein;
