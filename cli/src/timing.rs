//! Flag values for durations (`500ms`, `2s`, `5m`, `1h`, a bare number is seconds) and
//! rates (`1%`, `0.5%`, or a fraction such as `0.01`).

use std::time::Duration;

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: use e.g. 500ms, 2s, 5m or 1h"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "{text:?} has an unknown unit {other:?}: use ms, s, m or h"
            ))
        }
    };
    if !seconds.is_finite() || !(0.0..=7.0 * 86400.0).contains(&seconds) {
        return Err(format!("{text:?} is out of range (0 to 7 days)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A rate as a fraction from 0 to 1.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = if let Some(p) = t.strip_suffix('%') {
        p.trim().parse::<f64>().map(|v| v / 100.0)
    } else {
        t.parse::<f64>()
    }
    .map_err(|_| format!("{text:?} is not a rate: use e.g. 1% or 0.01"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{text:?} is not between 0% and 100%"));
    }
    Ok(value)
}

/// Milliseconds with one decimal, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates_parse() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("2 weeks")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_duration("fast").is_err());
        assert!((parse_rate("1%").unwrap() - 0.01).abs() < 1e-12);
        assert!((parse_rate("0.05").unwrap() - 0.05).abs() < 1e-12);
        assert!(parse_rate("150%").is_err());
    }
}
