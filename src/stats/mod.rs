//! Statistics shared by the divergence, fingerprint and collapse code: seeded RNGs, p-value
//! adjustment, distances, ranks.

pub mod knn;
pub mod logistic;
pub mod normal;
pub mod rng;
pub mod roc;
