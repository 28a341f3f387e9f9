//! Statistics shared by the divergence, fingerprint and collapse code: seeded RNGs, p-value
//! adjustment, distances, ranks.

pub mod kmeans;
pub mod pca;
pub mod rng;
