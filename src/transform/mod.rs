//! Transforms, named by what they do: [`classify`] normalises function codes against the
//! catalogue; [`identify`] decides which unit and year a document belongs to.

pub mod classify;
pub mod derive;
pub mod grain;
pub mod identify;
pub mod reconcile;
pub mod text;
