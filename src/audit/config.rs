//! The audit's config file (being written).
