//! Retry helpers for eventually consistent checks.

use std::fmt::Display;
use std::time::Duration;

use crate::error::{Error, Result};

/// Calls `f` up to `attempts` times, sleeping `between` after each failure.
pub fn retry<T, E, F>(description: &str, attempts: u32, between: Duration, mut f: F) -> Result<T>
where
    E: Display,
    F: FnMut() -> Result<T, E>,
{
    let attempts = attempts.max(1);
    let mut last = String::new();
    for attempt in 1..=attempts {
        match f() {
            Ok(value) => return Ok(value),
            Err(e) => {
                last = e.to_string();
                if attempt < attempts {
                    std::thread::sleep(between);
                }
            }
        }
    }
    Err(Error::RetriesExhausted {
        description: description.to_owned(),
        attempts,
        last,
    })
}

/// [`retry`] that panics with the last error.
pub fn retry_or_panic<T, E, F>(description: &str, attempts: u32, between: Duration, f: F) -> T
where
    E: Display,
    F: FnMut() -> Result<T, E>,
{
    retry(description, attempts, between, f).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn succeeds_after_transient_failures() {
        let mut calls = 0;
        let value = retry("flaky", 3, Duration::ZERO, || {
            calls += 1;
            if calls < 3 {
                Err("not yet")
            } else {
                Ok(calls)
            }
        })
        .unwrap();
        assert_eq!(value, 3);
    }

    #[test]
    fn reports_the_last_error_when_exhausted() {
        let err = retry::<(), _, _>("never", 2, Duration::ZERO, || Err("boom")).unwrap_err();
        assert!(
            err.to_string()
                .contains("gave up after 2 attempts; last error: boom"),
            "{err}"
        );
    }
}
