//! The integration tests: the real binary, real compilers, real interpreters and pip.
//!
//! One test binary (`cargo nextest run --test integration`) sharing [`context`]. Interpreters
//! and checking tools that are missing fail the tests under `CI=true` and skip them
//! elsewhere; `ci/test` installs what is needed.

// The whole crate is test code; clippy.toml's allow-*-in-tests only reaches `#[test]` fns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod build;
mod cli;
mod context;
mod corpus;
mod doctor;
mod ecosystem;
mod errors;
mod external;
mod faults;
mod numba;
mod paths;
mod recipe_keys;
mod scripts;
mod setuptools;
mod subprocess;
