//! Managing keys beyond one call: [`rotate`] a key without ever losing one, and respond to a
//! [`breach`] by revoking everything the APIs allow and saying what is left to do by hand.

pub mod breach;
pub mod rotate;
pub mod store;
