//! Project automation behind `cargo xtask`: provider packaging, the main job and the
//! test command. Shell stays out of it except for the emulator launcher.

pub mod actionlint;
pub mod bench;
pub mod bench_alarms;
pub mod docs_check;
pub mod elf;
pub mod jobs;
pub mod lambda;
pub mod mirror;
pub mod steps;
