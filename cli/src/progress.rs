//! Progress of the long commands on stderr: each step with its number, what it does and
//! how long it took, so a CI log shows where time goes and where a run stopped.
//! Standard output keeps only the result.

use std::time::{Duration, Instant};

/// The steps of one command run.
pub struct Steps {
    total: usize,
    done: usize,
    started: Instant,
    /// (step, seconds), in order: the summary's timing table.
    pub timings: Vec<(String, f64)>,
}

/// One step in progress.
pub struct Step {
    name: String,
    started: Instant,
}

impl Steps {
    pub fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            started: Instant::now(),
            timings: Vec::new(),
        }
    }

    pub fn start(&mut self, name: &str, what: &str) -> Step {
        self.done += 1;
        eprintln!(
            "==> [{}/{}] {name}: {what}",
            self.done,
            self.total.max(self.done)
        );
        Step {
            name: name.to_owned(),
            started: Instant::now(),
        }
    }

    /// Ends a step with its outcome ("ok", "skipped: ...", "FAILED: ...").
    pub fn finish(&mut self, step: Step, outcome: &str) -> Duration {
        let took = step.started.elapsed();
        eprintln!("<== {}: {outcome} ({:.1} s)", step.name, took.as_secs_f64());
        self.timings.push((step.name, took.as_secs_f64()));
        took
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// "backup 2.1 s, apply 12.0 s, ..." for the summary.
    pub fn timing_line(&self) -> String {
        self.timings
            .iter()
            .map(|(n, s)| format!("{n} {s:.1} s"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A detail line under the current step.
pub fn detail(text: &str) {
    eprintln!("    {text}");
}

/// A line on its own (not part of a step).
pub fn note(text: &str) {
    eprintln!("opsdeck: {text}");
}
