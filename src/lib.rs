//! cffi-wheel: build tagged, hashed Python wheels from CFFI API-mode recipes.
//!
//! Modules follow the data flow: recipe → interpreter → toolchain → plan → codegen →
//! compile → wheel → (repair, verify), chained by [`pipeline`]; [`cli`] sits on top.

pub mod recipe;
