//! Management operations shared by the admin API and the CLI, so a client
//! or user is created, changed and shown the same way through either door.
//! Each returns the JSON the admin API answers with, or an occurrence.
//! `registration` serves dynamic registration (RFC 7591, 7592) with the
//! same client records and metadata rules.

pub mod clients;
pub mod errors;
pub mod keys;
pub mod passkeys;
pub mod registration;
pub mod resources;
pub mod users;
