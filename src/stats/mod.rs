//! Statistics shared by the divergence, fingerprint and collapse code: seeded RNGs, p-value
//! adjustment, distances, ranks.

pub mod adjust;
pub mod counted_sample;
pub mod delong;
pub mod distinct;
pub mod ftrl;
pub mod heavy_hitters;
pub mod jonckheere;
pub mod kernel;
pub mod kmeans;
pub mod knn;
pub mod ks;
pub mod lbfgs;
pub mod logistic;
pub mod normal;
pub mod pca;
pub mod psi;
pub mod rng;
pub mod roc;
pub mod sparse_logistic;
pub mod trend;
pub mod unit_sum;
pub mod wasserstein;
pub mod wilson;
