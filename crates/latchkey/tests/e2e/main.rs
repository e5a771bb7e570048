//! End-to-end tests: one binary (each extra test binary costs a link), a
//! module per feature. Every test starts real `latchkey` processes.

// Tests may unwrap and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

mod account;
mod account_passkeys;
mod admin;
mod audit;
mod authorize;
mod backchannel;
mod basics;
mod browser;
mod claims;
mod cli;
mod cluster;
mod connections;
mod console;
mod console_a11y;
mod console_clients;
mod console_errors;
mod console_journey;
mod console_keys;
mod console_users;
mod cookies;
mod cors;
mod crash;
mod device;
mod docs;
mod dpop;
mod fapi2;
#[cfg(feature = "failpoints")]
mod faults;
mod interop;
mod interop_dpop;
mod jarm;
mod languages;
mod limits;
mod login;
mod logs;
mod mail;
mod mfa;
mod native;
mod oidc_client;
mod openapi;
mod outage;
mod packaging;
mod pages;
mod pairwise;
mod par;
mod passkeys;
mod refused;
mod register;
mod request_objects;
mod resources;
mod secret_rotation;
mod sessionbound;
mod spa;
mod step_up;
mod throttle;
mod token;
mod token_exchange;
mod upstream;
