//! Independent test suites run concurrently: a bounded pool of workers, each job's output
//! kept together and printed when the job ends, longest jobs first (from the durations of
//! the previous run), a time limit per job, and a summary table at the end.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::steps::{count_tests, Counts};

/// What a finished job reports.
#[derive(Debug, Default)]
pub struct Outcome {
    pub ok: bool,
    /// Everything the job printed, in one piece.
    pub output: String,
    pub counts: Counts,
    /// A short fact for the summary table, e.g. "binary 11.2 MB".
    pub note: Option<String>,
    /// Failed at the first attempt and passed at the second ([`retried_once`]).
    pub flaky: bool,
}

impl Outcome {
    pub fn failed(output: impl Into<String>) -> Self {
        Self {
            ok: false,
            output: output.into(),
            ..Self::default()
        }
    }
}

/// Runs `attempt`, and once more if it fails. For the integration tests that drive the
/// emulator through Terraform and the AWS provider: on a loaded 2-core machine two full
/// runs in eight (two suites per core) lost an AWS answer on the way back (the SDK retried
/// a create that had taken effect and got "already exists"), which no change under test
/// causes. A test that fails twice fails; one that passes the second time passes and is
/// reported as flaky, with both attempts' output kept, so the loss stays visible and
/// countable.
pub fn retried_once(mut attempt: impl FnMut() -> Outcome) -> Outcome {
    let first = attempt();
    if first.ok {
        return first;
    }
    let mut second = attempt();
    second.output = format!(
        "--- first attempt: failed ---\n{}\n--- second attempt: {} ---\n{}",
        first.output,
        if second.ok { "passed" } else { "failed" },
        second.output
    );
    if second.ok {
        second.flaky = true;
        second.note = Some(match second.note.take() {
            Some(note) => format!("flaky: passed at the 2nd attempt; {note}"),
            None => "flaky: passed at the 2nd attempt".into(),
        });
    }
    second
}

type Work = Box<dyn FnOnce() -> Outcome + Send>;

/// One suite: a name (unique; it keys the stored durations), what to do when it fails, and
/// the work.
pub struct Job {
    pub name: String,
    pub hint: String,
    /// Started before every job ordered by time (see [`Job::start_first`]).
    first: bool,
    work: Work,
}

impl Job {
    pub fn new(
        name: impl Into<String>,
        hint: impl Into<String>,
        work: impl FnOnce() -> Outcome + Send + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            hint: hint.into(),
            first: false,
            work: Box::new(work),
        }
    }

    /// Starts this job before the ones ordered by their previous times: a build that takes
    /// a second on a warm target dir and twenty minutes on a cold one must not be left to
    /// the end of a cold run because the last (warm) run timed it at a second.
    pub fn start_first(mut self) -> Self {
        self.first = true;
        self
    }

    /// A job that runs one command and counts the test results it prints.
    pub fn command(
        name: impl Into<String>,
        hint: impl Into<String>,
        mut cmd: Command,
        limit: Duration,
    ) -> Self {
        Self::new(name, hint, move || run_captured(&mut cmd, limit))
    }
}

/// One finished job, as the summary table shows it.
#[derive(Debug)]
pub struct Finished {
    pub name: String,
    pub hint: String,
    pub elapsed: Duration,
    pub outcome: Outcome,
}

/// Runs `cmd` with stdout and stderr captured into one text (stderr after stdout), in its
/// own process group so that a job over its time limit is stopped with everything it
/// started (terraform, providers, an emulator).
pub fn run_captured(cmd: &mut Command, limit: Duration) -> Outcome {
    use std::os::unix::process::CommandExt;
    let program = format!("{:?}", cmd.get_program());
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Outcome::failed(format!("cannot start {program}: {e}")),
    };
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    })
    .collect();

    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > limit => {
                timed_out = true;
                kill_group(child.id());
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(_) => break None,
        }
    };
    let mut output: String = readers
        .into_iter()
        .map(|r| r.join().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("");
    if timed_out {
        output.push_str(&format!(
            "\n{program} was stopped after {}s, its time limit\n",
            limit.as_secs()
        ));
    }
    let counts = count_tests(&output);
    Outcome {
        ok: !timed_out && status.is_some_and(|s| s.success()),
        output,
        counts,
        ..Outcome::default()
    }
}

/// `cmd` at a lower CPU priority (`nice -n 10`), same program, arguments, environment and
/// directory. For the suites that only compute (`terraform test` with mocked providers,
/// checkov, pytest): when the cores are busy, the suites that wait on the
/// emulator between short bursts of Terraform get the CPU first, so the longest of them
/// (envs/prod) is not stretched by the batch work around it.
pub fn niced(cmd: &Command) -> Command {
    let mut niced = Command::new("nice");
    niced
        .args(["-n", "10"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        niced.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => niced.env(key, value),
            None => niced.env_remove(key),
        };
    }
    niced
}

fn kill_group(pid: u32) {
    let group = format!("-{pid}");
    let signal = |sig: &str| {
        Command::new("kill")
            .args([sig, "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    // TERM first so that emulators and terraform can clean up; KILL what is left after 5 s.
    signal("-TERM");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if !signal("-0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    signal("-KILL");
}

/// Durations of the previous run, to start the longest jobs first.
#[derive(Debug, Default)]
pub struct Timings {
    path: Option<PathBuf>,
    seconds: BTreeMap<String, f64>,
}

impl Timings {
    pub fn load(path: &Path) -> Self {
        let seconds = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Self {
            path: Some(path.to_path_buf()),
            seconds,
        }
    }

    /// Adds the durations in `seed` (JSON, name -> seconds) for the jobs this machine has
    /// not timed yet: a fresh clone on a new machine still starts the longest suites first.
    /// A seed that does not parse adds nothing (the committed one is checked by a unit test of
    /// the test command).
    pub fn with_seed(mut self, seed: &str) -> Self {
        let seed: BTreeMap<String, f64> = serde_json::from_str(seed).unwrap_or_default();
        for (name, seconds) in seed {
            self.seconds.entry(name).or_insert(seconds);
        }
        self
    }

    /// A job never seen before counts as long: better started early than last.
    pub fn expected(&self, name: &str) -> f64 {
        self.seconds.get(name).copied().unwrap_or(120.0)
    }

    pub fn save(&mut self, finished: &[Finished]) {
        for f in finished {
            let seconds = f.elapsed.as_secs_f64().max(0.1);
            // A suite that failed early says nothing about how long it runs when it passes:
            // remembering the short time would start the longest suite last next time.
            let seconds = match self.seconds.get(&f.name) {
                Some(&before) if !f.outcome.ok => before.max(seconds),
                _ => seconds,
            };
            self.seconds.insert(f.name.clone(), seconds);
        }
        if let Some(path) = &self.path {
            if let Ok(text) = serde_json::to_string_pretty(&self.seconds) {
                let _ = std::fs::write(path, text);
            }
        }
    }
}

/// Runs `jobs` on `workers` threads, longest expected first, printing each job's output in
/// one piece when it ends. Returns the finished jobs in the order they were given.
pub fn run_all(jobs: Vec<Job>, workers: usize, timings: &Timings) -> Vec<Finished> {
    let total = jobs.len();
    let mut indexed: Vec<(usize, Job)> = jobs.into_iter().enumerate().collect();
    indexed.sort_by(|(_, a), (_, b)| {
        b.first.cmp(&a.first).then(
            timings
                .expected(&b.name)
                .total_cmp(&timings.expected(&a.name)),
        )
    });
    let queue = Arc::new(Mutex::new(indexed.into_iter().collect::<VecDeque<_>>()));
    let done: Arc<Mutex<Vec<(usize, Finished)>>> = Arc::new(Mutex::new(Vec::new()));
    let print = Arc::new(Mutex::new(()));

    let handles: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let queue = Arc::clone(&queue);
            let done = Arc::clone(&done);
            let print = Arc::clone(&print);
            std::thread::spawn(move || loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some((index, job)) = next else { break };
                let started = Instant::now();
                let Job {
                    name, hint, work, ..
                } = job;
                let outcome = work();
                let finished = Finished {
                    name,
                    hint,
                    elapsed: started.elapsed(),
                    outcome,
                };
                if let Ok(mut done) = done.lock() {
                    let _guard = print.lock();
                    report(&finished, done.len() + 1, total);
                    done.push((index, finished));
                }
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    let mut done = Arc::try_unwrap(done)
        .map(|m| m.into_inner().unwrap_or_default())
        .unwrap_or_default();
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, f)| f).collect()
}

fn report(f: &Finished, n: usize, total: usize) {
    let verdict = if f.outcome.ok { "ok" } else { "FAILED" };
    eprintln!(
        "\n==> [{n}/{total}] {} ({verdict}, {:.1}s)",
        f.name,
        f.elapsed.as_secs_f64()
    );
    let text = f.outcome.output.trim_end();
    if !text.is_empty() {
        eprintln!("{text}");
    }
    if !f.outcome.ok {
        eprintln!("<== {} FAILED: {}", f.name, f.hint);
    }
}

/// The summary: one row per step with its time and test counts, then the totals.
pub fn table(rows: &[Finished]) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<width$}  {:>8}  {:>6}  {:>6}  {:>7}  note\n",
        "step", "time", "passed", "failed", "skipped"
    );
    for r in rows {
        let c = r.outcome.counts;
        let failed = c.failed + u64::from(!r.outcome.ok && c.failed == 0);
        out += &format!(
            "{:<width$}  {:>7.1}s  {:>6}  {:>6}  {:>7}  {}{}\n",
            r.name,
            r.elapsed.as_secs_f64(),
            c.passed,
            failed,
            c.skipped,
            if r.outcome.ok { "" } else { "FAILED " },
            r.outcome.note.as_deref().unwrap_or_default(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_both_streams_and_counts_results() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo 'test result: ok. 3 passed; 0 failed; 1 ignored'; echo oops >&2",
        ]);
        let out = run_captured(&mut cmd, Duration::from_secs(10));
        assert!(out.ok);
        assert!(out.output.contains("oops"));
        assert_eq!(
            out.counts,
            Counts {
                passed: 3,
                failed: 0,
                skipped: 1
            }
        );
    }

    #[test]
    fn a_job_over_its_limit_is_stopped_with_its_children_and_fails() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child-survived");
        let mut cmd = Command::new("sh");
        // The child outlives its parent's kill unless the whole group is stopped.
        cmd.args([
            "-c",
            &format!("(sleep 5; touch {}) & sleep 30", marker.display()),
        ]);
        let started = Instant::now();
        let out = run_captured(&mut cmd, Duration::from_millis(500));
        assert!(!out.ok);
        assert!(out.output.contains("time limit"), "{}", out.output);
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_secs(6));
        assert!(!marker.exists(), "a child of the stopped job kept running");
    }

    #[test]
    fn a_niced_command_keeps_its_program_arguments_environment_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo \"$OPSDECK_NICE_CHECK $(pwd) $(nice)\""])
            .env("OPSDECK_NICE_CHECK", "kept")
            .current_dir(dir.path());
        let out = run_captured(&mut niced(&cmd), Duration::from_secs(10));
        assert!(out.ok, "{}", out.output);
        let words: Vec<&str> = out.output.split_whitespace().collect();
        let nice_before = String::from_utf8(Command::new("nice").output().unwrap().stdout).unwrap();
        let expected_nice = nice_before.trim().parse::<i32>().unwrap() + 10;
        assert_eq!(words[0], "kept");
        assert_eq!(
            std::fs::canonicalize(words[1]).unwrap(),
            std::fs::canonicalize(dir.path()).unwrap()
        );
        assert_eq!(words[2], expected_nice.min(19).to_string());
    }

    #[test]
    fn the_seed_fills_in_only_what_this_machine_has_not_timed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timings.json");
        let fresh = Timings::load(&path).with_seed(r#"{"envs": 450.0, "quick": 5.0}"#);
        assert_eq!(fresh.expected("envs"), 450.0);
        assert_eq!(fresh.expected("unknown"), 120.0);
        std::fs::write(&path, r#"{"envs": 300.0}"#).unwrap();
        let timed = Timings::load(&path).with_seed(r#"{"envs": 450.0, "quick": 5.0}"#);
        assert_eq!(timed.expected("envs"), 300.0);
        assert_eq!(timed.expected("quick"), 5.0);
    }

    #[test]
    fn a_failed_suite_keeps_its_longer_time_for_the_next_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timings.json");
        std::fs::write(&path, r#"{"envs": 450.0, "quick": 5.0}"#).unwrap();
        let mut timings = Timings::load(&path);
        let finished = |name: &str, seconds: u64, ok: bool| Finished {
            name: name.into(),
            hint: String::new(),
            elapsed: Duration::from_secs(seconds),
            outcome: Outcome {
                ok,
                ..Outcome::default()
            },
        };
        timings.save(&[finished("envs", 195, false), finished("quick", 3, true)]);
        let again = Timings::load(&path);
        assert_eq!(again.expected("envs"), 450.0);
        assert_eq!(again.expected("quick"), 3.0);
        timings.save(&[finished("envs", 400, true)]);
        assert_eq!(Timings::load(&path).expected("envs"), 400.0);
    }

    #[test]
    fn a_failed_attempt_is_retried_once_and_a_pass_at_the_second_is_flaky() {
        let outcome = |ok: bool, text: &str| Outcome {
            ok,
            output: text.into(),
            ..Outcome::default()
        };
        let mut calls = 0;
        let first_pass = retried_once(|| {
            calls += 1;
            outcome(true, "fine")
        });
        assert_eq!(calls, 1, "a pass is not run again");
        assert!(first_pass.ok && !first_pass.flaky && first_pass.note.is_none());

        let mut results = vec![outcome(true, "second"), outcome(false, "first")];
        let flaky = retried_once(|| results.pop().unwrap());
        assert!(flaky.ok && flaky.flaky);
        assert!(flaky.note.as_deref().unwrap().starts_with("flaky"));
        assert!(flaky.output.contains("first") && flaky.output.contains("second"));

        let mut calls = 0;
        let twice = retried_once(|| {
            calls += 1;
            outcome(false, "broken")
        });
        assert_eq!(calls, 2, "a failure is tried exactly once more");
        assert!(!twice.ok && !twice.flaky);
    }

    #[test]
    fn runs_longest_first_on_bounded_workers_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timings.json");
        std::fs::write(&path, r#"{"short": 1.0, "long": 50.0, "build": 0.5}"#).unwrap();
        let timings = Timings::load(&path);
        let started_order = Arc::new(Mutex::new(Vec::new()));
        let running = Arc::new(Mutex::new((0usize, 0usize))); // (now, max)
        let jobs: Vec<Job> = ["short", "long", "unknown", "build"]
            .into_iter()
            .map(|name| {
                let order = Arc::clone(&started_order);
                let running = Arc::clone(&running);
                Job::new(name, "hint", move || {
                    order.lock().unwrap().push(name);
                    {
                        let mut r = running.lock().unwrap();
                        r.0 += 1;
                        r.1 = r.1.max(r.0);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    running.lock().unwrap().0 -= 1;
                    Outcome {
                        ok: true,
                        ..Outcome::default()
                    }
                })
            })
            .map(|job| {
                if job.name == "build" {
                    job.start_first()
                } else {
                    job
                }
            })
            .collect();
        let finished = run_all(jobs, 1, &timings);
        // One worker: the job marked first, then strictly longest expected first (unknown
        // counts as 120 s).
        assert_eq!(
            *started_order.lock().unwrap(),
            ["build", "unknown", "long", "short"]
        );
        assert_eq!(running.lock().unwrap().1, 1, "more jobs ran than workers");
        let names: Vec<_> = finished.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["short", "long", "unknown", "build"],
            "results keep the given order"
        );
    }

    #[test]
    fn the_table_marks_a_failed_step_even_without_test_counts() {
        let rows = vec![Finished {
            name: "checkov modules".into(),
            hint: String::new(),
            elapsed: Duration::from_secs(3),
            outcome: Outcome::failed("boom"),
        }];
        let table = table(&rows);
        assert!(table.contains("checkov modules"));
        assert!(table.contains("FAILED"));
        let row = table.lines().nth(1).unwrap();
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols[3..6], ["0", "1", "0"], "{row}");
    }
}
