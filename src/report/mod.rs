//! What the user reads: figures now; the report model and its HTML/JSON/Markdown writers build
//! on them.

pub mod plots;
