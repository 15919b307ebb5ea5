//! The server over real HTTP: a fresh database per test (SQLite file, and PostgreSQL when it
//! answers), the app on a free port, a cookie-keeping client acting as a browser.

// Process and fault tests time real processes on the real clock (the in-process ones move the
// instance's `ManualClock` instead).
#![allow(clippy::disallowed_methods)]

mod helpers;

mod abuse;
mod accounts;
mod api_routes;
mod application_types;
mod audit;
mod cli;
mod connections;
mod credentials;
mod debug_output;
mod docs;
mod faults;
mod forgery;
mod fuzz;
mod gate;
mod guard;
mod headers;
mod keys_at_rest;
mod lifecycle;
mod limits;
mod lists;
mod logos;
mod oauth;
mod process;
mod rate_limits;
mod revocation;
mod sessions;
mod usage;
