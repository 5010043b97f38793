//! Breach response (being written).
