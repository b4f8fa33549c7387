//! cffi-wheel: build tagged, hashed Python wheels from CFFI API-mode recipes.
//!
//! Modules follow the data flow: recipe → interpreter → toolchain → plan → codegen →
//! compile → wheel, chained by [`pipeline`]; [`cli`] sits on top. [`tags`] is shared pure data.

pub mod cleanup;
pub mod cli;
pub mod codegen;
pub mod compile;
pub mod doctor;
pub mod env_vars;
pub mod interpreter;
pub mod jobs;
pub mod lock;
pub mod migrate;
pub mod pipeline;
pub mod plan;
pub mod process;
pub mod python_helper;
pub mod recipe;
pub mod repair;
pub mod sdist;
pub mod setuptools;
pub mod tags;
pub mod toolchain;
pub mod verify;
pub mod wheel;
