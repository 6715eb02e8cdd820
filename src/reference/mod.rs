//! What juesuan knows before it reads a document: the classification catalogue, the units
//! and official divisions, the embedded defaults, and the text normalisation every name
//! comparison goes through.

pub mod bundled;
pub mod catalog;
pub mod divisions;
pub mod tables;
pub mod text;
pub mod units;
