//! Management operations shared by the admin API and the CLI, so a client
//! or user is created, changed and shown the same way through either door.
//! Each returns the JSON the admin API answers with, or an occurrence.

pub mod clients;
pub mod keys;
pub mod users;
