//! The detector built into driftprint, used by `fingerprint score`, the report and `policy
//! check` when no model is configured (each says so). It is the default detector trained on
//! the redistributable part of the project's dev corpus (fast-detect-gpt, MIT; OUTFOX,
//! Apache-2.0; Learning to Rewrite, CC BY 3.0, less the pairs the demo and its eval set use)
//! by `scripts/train_default_detector.sh`, which reproduces the file byte for byte. Its model
//! card, with its training data, licences, held-out figures and weak spots, is
//! docs/default-detector.md.

/// How reports and messages name it.
pub const NAME: &str = "built-in detector";

/// The model file (`assets/detector/`), compiled into the binary so an installed driftprint
/// needs no other file.
pub const BYTES: &[u8] = include_bytes!("../../assets/detector/driftprint-default.fpmodel");
