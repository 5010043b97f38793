//! Checking many keys at once (placeholder while the fleet API is written).
