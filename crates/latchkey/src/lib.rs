//! Latchkey, the server: configuration, the HTTP layer, management commands
//! and process concerns. Protocol decisions and the error catalogue live in
//! `latchkey-core`; SQL lives in `latchkey-store`.

pub mod admin_denied;
pub mod app;
pub mod audit;
pub mod backchannel;
pub mod builtin;
pub mod cli;
pub mod config;
pub mod failpoints;
pub mod grant_uses;
pub mod http;
pub mod mail;
pub mod maintenance;
pub mod manage;
pub mod manual;
pub mod server;
pub mod slots;
pub mod telemetry;
pub mod try_sign_in;
