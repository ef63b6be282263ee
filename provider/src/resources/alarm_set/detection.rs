//! The plan-time detection bound (property P4: an alarm fires within 5 minutes of the
//! fault): the worst-case seconds from the start of a fault to CloudWatch putting the
//! alarm in ALARM, if the fault persists. Each term comes from one CloudWatch (or
//! service) documentation page; `docs/resources/alarm_set.md` cites them:
//!
//! ```text
//! detection = period                        the partly breaching first period
//!           + period × datapoints_to_alarm  the breaching datapoints the alarm needs
//!           + publication delay             until the last of them is visible to alarms
//!           + evaluation interval           until CloudWatch next evaluates the alarm
//! ```
//!
//! - A fault that starts just after a period begins shares that period with healthy
//!   traffic: a ratio over the period is diluted and may stay below the threshold, so
//!   the first fully breaching period can start up to one period after the fault
//!   ("Periods", CloudWatch concepts).
//! - The alarm fires when `datapoints_to_alarm` of the last `evaluation_periods`
//!   datapoints breach ("Alarm evaluation").
//! - A datapoint becomes visible to alarms some time after its period ends: the
//!   namespace's publication delay, our conservative figure per namespace (Lambda, API
//!   Gateway and Step Functions send their metrics every minute; CloudFront's take longer).
//! - CloudWatch evaluates an alarm once a minute, or every 10 seconds when its period
//!   is 10 or 30 seconds ("Using Amazon CloudWatch alarms").
//!
//! The unit tests below hold a model of CloudWatch's evaluation (datapoints per period,
//! the sliding window, M of N, `treat_missing_data`, publication delay, the evaluation
//! schedule) and check, for faults starting at every second of a period and evaluations
//! at every phase, that no alarm fires later than this bound and that some reach it.

/// Seconds between the end of a period and its datapoint being visible to alarms, per
/// namespace. Conservative figures (documented in docs/resources/alarm_set.md); they are
/// our assumptions, not AWS guarantees.
pub const PUBLICATION_DELAYS: &[(&str, u32)] = &[
    ("AWS/ApiGateway", 60),
    ("AWS/CloudFront", 120),
    ("AWS/Lambda", 60),
    ("AWS/RDS", 60),
    ("AWS/States", 60),
];

/// Any other `AWS/*` namespace.
pub const DEFAULT_AWS_DELAY: u32 = 60;
/// Custom namespaces, e.g. metrics that CloudWatch Logs metric filters publish.
pub const CUSTOM_NAMESPACE_DELAY: u32 = 60;

pub fn publication_delay(namespace: &str) -> u32 {
    PUBLICATION_DELAYS
        .iter()
        .find(|(ns, _)| *ns == namespace)
        .map(|(_, d)| *d)
        .unwrap_or(if namespace.starts_with("AWS/") {
            DEFAULT_AWS_DELAY
        } else {
            CUSTOM_NAMESPACE_DELAY
        })
}

/// Seconds between two evaluations of an alarm: every 10 s for the high-resolution
/// periods (10 and 30 s), once a minute otherwise.
pub fn evaluation_interval(period: i64) -> i64 {
    if period < 60 {
        10
    } else {
        60
    }
}

/// The terms of the bound, to explain a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    pub period: i64,
    pub datapoints_to_alarm: i64,
    pub publication_delay: i64,
    pub evaluation_interval: i64,
}

impl Detection {
    pub fn new(period: i64, datapoints_to_alarm: i64, namespaces: &[&str]) -> Self {
        let delay = namespaces
            .iter()
            .map(|ns| publication_delay(ns))
            .max()
            .unwrap_or(CUSTOM_NAMESPACE_DELAY);
        Self {
            period,
            datapoints_to_alarm,
            publication_delay: i64::from(delay),
            evaluation_interval: evaluation_interval(period),
        }
    }

    /// The worst-case detection time in seconds.
    pub fn seconds(&self) -> i64 {
        self.period * (self.datapoints_to_alarm + 1)
            + self.publication_delay
            + self.evaluation_interval
    }

    /// The largest `datapoints_to_alarm` that fits `max` seconds with this period.
    pub fn fitting_datapoints(&self, max: i64) -> i64 {
        (max - self.publication_delay - self.evaluation_interval) / self.period - 1
    }

    /// The sum, term by term, for messages.
    pub fn explain(&self) -> String {
        format!(
            "{p} s partly breaching first period + {p} s × datapoints_to_alarm {m} + {d} s publication delay of its metrics + {e} s between CloudWatch's evaluations",
            p = self.period,
            m = self.datapoints_to_alarm,
            d = self.publication_delay,
            e = self.evaluation_interval
        )
    }
}

/// Worst-case seconds from a fault to the alarm firing.
pub fn detection_seconds(period: i64, datapoints_to_alarm: i64, namespaces: &[&str]) -> i64 {
    Detection::new(period, datapoints_to_alarm, namespaces).seconds()
}

#[cfg(test)]
mod model {
    //! A model of how CloudWatch evaluates a metric alarm, at a one-second resolution.
    //!
    //! - Traffic is one request a second. Before the fault a `healthy` share of requests
    //!   fail, after it a `faulty` share. The datapoint of period k ([kP, (k+1)P)) is the
    //!   share of failed requests in percent (a ratio alarm), or the number of failed
    //!   requests (a count alarm), absent when there is nothing to count.
    //! - A datapoint becomes visible `delay` seconds after its period ends; an evaluation
    //!   at time t sees the datapoints that were visible before t, and treats every period
    //!   due by then (its end + delay < t) whose datapoint is absent as missing.
    //! - Evaluations happen every `evaluation_interval(P)` seconds, at any phase.
    //! - The window is the `evaluation_periods` most recent due periods (for `ignore`,
    //!   the most recent present datapoints, looking back as far as needed); missing
    //!   datapoints count as `treat_missing_data` says; the alarm fires when at least
    //!   `datapoints_to_alarm` of them breach (greater than the threshold).

    use super::*;

    #[derive(Clone, Copy, Debug)]
    pub enum Kind {
        /// failed / all × 100 over the period.
        Ratio,
        /// Failed requests in the period (absent when none).
        Count,
    }

    #[derive(Clone, Copy, Debug)]
    pub struct Alarm {
        pub period: i64,
        pub evaluation_periods: i64,
        pub datapoints_to_alarm: i64,
        pub treat_missing_data: &'static str,
        pub threshold: f64,
        pub delay: i64,
        pub kind: Kind,
    }

    #[derive(Clone, Copy, Debug)]
    pub struct Traffic {
        /// Percent of requests failing before the fault.
        pub healthy: f64,
        /// Percent failing during the fault.
        pub faulty: f64,
        /// Periods before this one carry no traffic at all (missing datapoints).
        pub quiet_until_period: i64,
    }

    /// Failed and total requests in period k for a fault starting at second `fault`.
    fn period_counts(a: &Alarm, t: &Traffic, k: i64, fault: i64) -> (f64, f64) {
        let (mut failed, mut total) = (0.0, 0.0);
        for second in k * a.period..(k + 1) * a.period {
            if k < t.quiet_until_period && second < fault {
                continue;
            }
            total += 1.0;
            failed += if second >= fault { t.faulty } else { t.healthy } / 100.0;
        }
        (failed, total)
    }

    /// The datapoint of period k; `None` when absent.
    fn datapoint(a: &Alarm, t: &Traffic, k: i64, fault: i64) -> Option<f64> {
        let (failed, total) = period_counts(a, t, k, fault);
        match a.kind {
            Kind::Ratio if total > 0.0 => Some(100.0 * failed / total),
            Kind::Count if failed > 1e-9 => Some(failed),
            _ => None,
        }
    }

    /// The datapoints of periods 0..periods for a fault starting at second `fault`.
    pub fn datapoints(a: &Alarm, t: &Traffic, fault: i64, periods: i64) -> Vec<Option<f64>> {
        (0..periods).map(|k| datapoint(a, t, k, fault)).collect()
    }

    /// Seconds from the fault's start to the first evaluation that puts the alarm in
    /// ALARM; `None` if it does not fire while there are datapoints.
    pub fn detection(a: &Alarm, points: &[Option<f64>], fault: i64, phase: i64) -> Option<i64> {
        let interval = evaluation_interval(a.period);
        let breaching = |v: f64| v > a.threshold;
        let n = a.evaluation_periods as usize;
        let mut time = phase;
        loop {
            // Periods due by now: their end + delay is before this evaluation.
            let due = (time - a.delay - 1).div_euclid(a.period); // periods 0..due are due
            if due > points.len() as i64 {
                return None;
            }
            if due > 0 {
                let recent = points[..due as usize].iter().rev();
                let count = match a.treat_missing_data {
                    "ignore" => recent.flatten().take(n).filter(|v| breaching(**v)).count(),
                    mode => recent
                        .take(n)
                        .filter(|p| match p {
                            Some(v) => breaching(*v),
                            None => mode == "breaching",
                        })
                        .count(),
                } as i64;
                if count >= a.datapoints_to_alarm && time >= fault {
                    return Some(time - fault);
                }
            }
            time += interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::model::{datapoints, detection, Alarm, Kind, Traffic};
    use super::*;
    use crate::resources::alarm_set::expand::{self, PRESETS};
    use crate::resources::alarm_set::model::AlarmSpec;
    use crate::resources::alarm_set::plan::fill_alarm;
    use tf_provider::value::Value;

    /// The fault starts `offset` seconds into period 10, so the window has history.
    const FAULT_PERIOD: i64 = 10;

    /// Runs the model for a fault at every second of a period and every evaluation
    /// phase; returns the longest detection, after checking each against the bound.
    fn worst(alarm: &Alarm, traffic: &Traffic, bound: i64) -> i64 {
        let mut worst = 0;
        for offset in 0..alarm.period {
            let fault = FAULT_PERIOD * alarm.period + offset;
            let points = datapoints(
                alarm,
                traffic,
                fault,
                FAULT_PERIOD + 4 * bound / alarm.period + 2,
            );
            for phase in 0..evaluation_interval(alarm.period) {
                let fired = detection(alarm, &points, fault, phase).unwrap_or_else(|| {
                    panic!("{alarm:?} {traffic:?}: never fired (offset {offset}, phase {phase})")
                });
                assert!(
                    fired <= bound,
                    "{alarm:?} {traffic:?}: fired after {fired} s > bound {bound} s (offset {offset}, phase {phase})"
                );
                worst = worst.max(fired);
            }
        }
        worst
    }

    fn alarm(period: i64, n: i64, m: i64, missing: &'static str, kind: Kind) -> Alarm {
        Alarm {
            period,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            treat_missing_data: missing,
            threshold: 5.0,
            delay: 60,
            kind,
        }
    }

    #[test]
    fn no_fault_is_detected_later_than_the_bound_and_some_reach_it() {
        for period in [10, 30, 60, 120] {
            for (n, m) in [(1, 1), (2, 2), (3, 2), (3, 3), (5, 3)] {
                for missing in ["notBreaching", "breaching", "ignore", "missing"] {
                    let a = alarm(period, n, m, missing, Kind::Ratio);
                    let bound = Detection {
                        period,
                        datapoints_to_alarm: m,
                        publication_delay: a.delay,
                        evaluation_interval: evaluation_interval(period),
                    }
                    .seconds();
                    // A clear fault: every request fails.
                    let clear = Traffic {
                        healthy: 0.0,
                        faulty: 100.0,
                        quiet_until_period: 0,
                    };
                    worst(&a, &clear, bound);
                    // A fault barely over the threshold: a period it shares with healthy
                    // traffic (from its second second on) stays at or under the threshold.
                    let p = period as f64;
                    let faint = Traffic {
                        healthy: 0.0,
                        faulty: 5.0 * p / (p - 1.0) - 1e-9,
                        quiet_until_period: 0,
                    };
                    let reached = worst(&a, &faint, bound);
                    // The bound is a supremum over faults starting anywhere in a period;
                    // at the model's one-second resolution the latest start is 1 s in.
                    assert_eq!(
                        reached,
                        bound - 1,
                        "{a:?}: the bound {bound} s is not tight"
                    );
                    // No traffic before the fault: missing datapoints in the window.
                    let quiet = Traffic {
                        healthy: 0.0,
                        faulty: 100.0,
                        quiet_until_period: FAULT_PERIOD,
                    };
                    worst(&a, &quiet, bound);
                    // A count alarm (errors logged), absent until the fault.
                    let count = Alarm {
                        threshold: 0.0,
                        kind: Kind::Count,
                        ..a
                    };
                    worst(&count, &clear, bound);
                }
            }
        }
    }

    #[test]
    fn the_old_formula_was_exceeded() {
        // period × datapoints_to_alarm + delay: 240 s for 60 s × 3 + 60 s, while a fault
        // can take 359 s. The model must show it, or it proves nothing.
        let a = alarm(60, 3, 3, "notBreaching", Kind::Ratio);
        let faint = Traffic {
            healthy: 0.0,
            faulty: 5.0 * 60.0 / 59.0 - 1e-9,
            quiet_until_period: 0,
        };
        let old = 60 * 3 + 60;
        let fault = FAULT_PERIOD * 60 + 1;
        let points = datapoints(&a, &faint, fault, FAULT_PERIOD + 20);
        let late = (0..60)
            .filter_map(|phase| detection(&a, &points, fault, phase))
            .max()
            .unwrap();
        assert!(late > old, "{late} s");
        assert_eq!(late, detection_seconds(60, 3, &["AWS/Lambda"]) - 1);
    }

    #[test]
    fn every_preset_fits_five_minutes_with_its_defaults() {
        for p in PRESETS {
            let spec = AlarmSpec {
                preset: Value::Value(p.name.to_owned()),
                dimension: Value::Value("Namespace/Metric".to_owned()),
                ..Default::default()
            };
            let filled = fill_alarm(&spec);
            let period = filled
                .period
                .as_ref_option()
                .and_then(|n| n.as_i64())
                .unwrap();
            let m = filled
                .datapoints_to_alarm
                .as_ref_option()
                .and_then(|n| n.as_i64())
                .unwrap();
            let namespaces: Vec<&str> = p.namespace().into_iter().collect();
            let seconds = detection_seconds(period, m, &namespaces);
            assert!(
                seconds <= expand::DEFAULT_MAX_DETECTION_SECONDS,
                "preset {}: {} = {seconds} s > {} s; re-tune its defaults",
                p.name,
                Detection::new(period, m, &namespaces).explain(),
                expand::DEFAULT_MAX_DETECTION_SECONDS
            );
        }
    }

    #[test]
    fn terms_and_fixes() {
        let d = Detection::new(60, 3, &["AWS/Lambda", "AWS/CloudFront"]);
        assert_eq!(d.publication_delay, 120);
        assert_eq!(d.seconds(), 60 * 4 + 120 + 60);
        assert_eq!(
            Detection::new(60, 2, &["AWS/Lambda"]).fitting_datapoints(300),
            2
        );
        assert_eq!(Detection::new(10, 1, &["Custom"]).seconds(), 20 + 60 + 10);
        assert!(d.explain().contains("partly breaching first period"));
    }
}
