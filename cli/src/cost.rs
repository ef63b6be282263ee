//! `opsdeck cost [--days 30] [--group-by service|tag:KEY] [--json]`: the daily cost from Cost
//! Explorer (`GetCostAndUsage`, DAILY) with a small terminal chart, month to date against the
//! budget, and the month's forecast (`GetCostForecast`), in two Cost Explorer requests (USD 0.01
//! each). Seed R7.2-a (daily cost visible) and R7.2-d (cost analysed by tags).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_costexplorer::error::ProvideErrorMetadata;

use crate::aws::root_cause;
use aws_sdk_costexplorer::types::{
    DateInterval, Granularity, GroupDefinition, GroupDefinitionType, Metric,
};
use clap::Args;
use serde::Serialize;

use crate::output::columns;
use crate::{CliError, ErrorCode, Printed};

/// The metric both calls read: what the invoice shows before credits and discounts.
const METRIC: &str = "UnblendedCost";
const BAR_WIDTH: usize = 40;

#[derive(Args, Debug)]
pub struct CostArgs {
    /// Days to show, ending today (UTC); today's cost is partial and marked as estimated.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: u32,
    /// Split the cost by `service` or by a cost allocation tag, e.g. `tag:Environment`.
    #[arg(long, value_parser = parse_group_by)]
    pub group_by: Option<GroupBy>,
    /// Monthly budget in USD for the month-to-date line (default: the price table's, USD 100).
    #[arg(long)]
    pub budget: Option<f64>,
    /// Print JSON instead of the table and chart.
    #[arg(long)]
    pub json: bool,
    /// Named AWS profile (default: AWS_PROFILE or the default chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// Region of the Cost Explorer endpoint (it has one, in us-east-1 for the aws partition).
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    Service,
    Tag(String),
}

impl GroupBy {
    fn label(&self) -> String {
        match self {
            GroupBy::Service => "service".into(),
            GroupBy::Tag(k) => format!("tag:{k}"),
        }
    }
}

fn parse_group_by(s: &str) -> Result<GroupBy, String> {
    match s.split_once(':') {
        None if s == "service" => Ok(GroupBy::Service),
        Some(("tag", key)) if !key.is_empty() && key.len() <= 128 => Ok(GroupBy::Tag(key.into())),
        _ => Err(format!(
            "{s:?} is neither `service` nor `tag:KEY` (e.g. tag:Environment)"
        )),
    }
}

// ------------------------------------------------------------------------------ dates (UTC)

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A UTC calendar day as days since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub i64);

impl Day {
    pub fn today() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Day((secs / 86_400) as i64)
    }
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.get(..10)?.split('-');
        let y = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let d = parts.next()?.parse().ok()?;
        Some(Day(days_from_civil(y, m, d)))
    }
    pub fn month_start(self) -> Self {
        let (y, m, _) = civil_from_days(self.0);
        Day(days_from_civil(y, m, 1))
    }
    pub fn next_month_start(self) -> Self {
        let (y, m, _) = civil_from_days(self.0);
        if m == 12 {
            Day(days_from_civil(y + 1, 1, 1))
        } else {
            Day(days_from_civil(y, m + 1, 1))
        }
    }
    pub fn plus(self, days: i64) -> Self {
        Day(self.0 + days)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

// ------------------------------------------------------------------------------ the result

#[derive(Debug, Clone, Serialize)]
pub struct DayCost {
    pub date: String,
    pub usd: f64,
    pub estimated: bool,
    /// By group key (service name, or tag value; "" is untagged), when grouped.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Forecast {
    /// The month's expected total: actual cost before today plus the forecast from today.
    pub month_usd: f64,
    pub lower_usd: f64,
    pub upper_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostReport {
    pub metric: &'static str,
    pub currency: String,
    pub start: String,
    pub end_inclusive: String,
    pub group_by: Option<String>,
    pub days: Vec<DayCost>,
    /// Sum over the shown days, by group.
    pub groups_total: BTreeMap<String, f64>,
    pub total_usd: f64,
    pub month_start: String,
    pub month_to_date_usd: f64,
    pub budget_usd: f64,
    pub forecast: Option<Forecast>,
    /// Why there is no forecast, when there is none.
    pub forecast_note: Option<String>,
}

// ------------------------------------------------------------------------------ AWS

fn ce_error<E>(operation: &str, err: &aws_sdk_costexplorer::error::SdkError<E>) -> CliError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default();
    let message = err.message().unwrap_or_default();
    if code == "AccessDeniedException"
        && message
            .to_lowercase()
            .contains("not enabled for cost explorer")
    {
        return CliError::new(
            ErrorCode::CostExplorerNotEnabled,
            format!("Cost Explorer is not enabled in this account: {operation} answered {code} ({message})"),
        )
        .hint("enable it once as the management account: Billing and Cost Management console > Cost Explorer > Launch Cost Explorer; data appears within 24 hours (R7.2-a)");
    }
    if code == "AccessDeniedException" {
        return CliError::new(
            ErrorCode::CostExplorerDenied,
            format!("Cost Explorer refused {operation}: {message}"),
        )
        .hint("the caller needs ce:GetCostAndUsage and ce:GetCostForecast (the role of the pipeline's cost job, or a FinOps read-only role)");
    }
    CliError::new(
        ErrorCode::CostExplorerFailed,
        format!("Cost Explorer {operation} failed: {}", root_cause(err)),
    )
    .hint("check the network and credentials (AWS_PROFILE, --profile); Cost Explorer's endpoint is in us-east-1; `OPSDECK_LOG=debug` shows the request")
}

async fn client(args: &CostArgs) -> aws_sdk_costexplorer::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(args.region.clone()))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .operation_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    aws_sdk_costexplorer::Client::new(&loader.load().await)
}

fn amount(text: Option<&str>) -> f64 {
    text.and_then(|t| t.parse::<f64>().ok()).unwrap_or(0.0)
}

/// Tag group keys come back as `Environment$prod` ("" after the `$` when untagged).
fn group_label(key: &str, group_by: &GroupBy) -> String {
    match group_by {
        GroupBy::Tag(tag) => match key.strip_prefix(&format!("{tag}$")) {
            Some("") => "(untagged)".into(),
            Some(v) => v.into(),
            None => key.into(),
        },
        GroupBy::Service => key.into(),
    }
}

pub async fn fetch(
    ce: &aws_sdk_costexplorer::Client,
    args: &CostArgs,
    today: Day,
    budget_usd: f64,
) -> Result<CostReport, CliError> {
    let start = today.plus(-(i64::from(args.days) - 1));
    let month_start = today.month_start();
    let query_start = start.min(month_start);
    let end = today.plus(1);

    let mut days: Vec<DayCost> = Vec::new();
    let mut currency = "USD".to_owned();
    let mut token: Option<String> = None;
    loop {
        let mut request = ce
            .get_cost_and_usage()
            .time_period(
                DateInterval::builder()
                    .start(query_start.to_string())
                    .end(end.to_string())
                    .build()
                    .map_err(|e| {
                        CliError::new(
                            ErrorCode::CostExplorerFailed,
                            format!("Cost Explorer request not built: {e}"),
                        )
                    })?,
            )
            .granularity(Granularity::Daily)
            .metrics(METRIC)
            .set_next_page_token(token.clone());
        if let Some(g) = &args.group_by {
            let (kind, key) = match g {
                GroupBy::Service => (GroupDefinitionType::Dimension, "SERVICE".to_owned()),
                GroupBy::Tag(k) => (GroupDefinitionType::Tag, k.clone()),
            };
            request = request.group_by(GroupDefinition::builder().r#type(kind).key(key).build());
        }
        let page = request
            .send()
            .await
            .map_err(|e| ce_error("GetCostAndUsage", &e))?;
        for result in page.results_by_time() {
            let date = result
                .time_period()
                .map(|p| p.start().to_owned())
                .unwrap_or_default();
            let mut groups = BTreeMap::new();
            for g in result.groups() {
                let key = g.keys().first().map(String::as_str).unwrap_or_default();
                let value = g.metrics().and_then(|m| m.get(METRIC));
                if let Some(unit) = value.and_then(|v| v.unit()) {
                    currency = unit.to_owned();
                }
                *groups
                    .entry(
                        args.group_by
                            .as_ref()
                            .map_or(key.to_owned(), |gb| group_label(key, gb)),
                    )
                    .or_insert(0.0) += amount(value.and_then(|v| v.amount()));
            }
            let total_value = result.total().and_then(|t| t.get(METRIC));
            if let Some(unit) = total_value.and_then(|v| v.unit()) {
                currency = unit.to_owned();
            }
            let usd = if groups.is_empty() {
                amount(total_value.and_then(|v| v.amount()))
            } else {
                groups.values().sum()
            };
            days.push(DayCost {
                date,
                usd,
                estimated: result.estimated(),
                groups,
            });
        }
        token = page.next_page_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }

    let month_to_date_usd: f64 = days
        .iter()
        .filter(|d| Day::parse(&d.date).is_some_and(|day| day >= month_start))
        .map(|d| d.usd)
        .sum();
    let before_today: f64 = days
        .iter()
        .filter(|d| Day::parse(&d.date).is_some_and(|day| day >= month_start && day < today))
        .map(|d| d.usd)
        .sum();

    let (forecast, forecast_note) = match ce
        .get_cost_forecast()
        .time_period(
            DateInterval::builder()
                .start(today.to_string())
                .end(today.next_month_start().to_string())
                .build()
                .map_err(|e| {
                        CliError::new(
                            ErrorCode::CostExplorerFailed,
                            format!("Cost Explorer request not built: {e}"),
                        )
                    })?,
        )
        .metric(Metric::UnblendedCost)
        .granularity(Granularity::Monthly)
        .prediction_interval_level(80)
        .send()
        .await
    {
        Ok(f) => {
            let mean = amount(f.total().and_then(|t| t.amount()));
            let (lower, upper) = f.forecast_results_by_time().iter().fold((0.0, 0.0), |(l, u), r| {
                (
                    l + amount(r.prediction_interval_lower_bound()),
                    u + amount(r.prediction_interval_upper_bound()),
                )
            });
            (
                Some(Forecast {
                    month_usd: before_today + mean,
                    lower_usd: before_today + lower,
                    upper_usd: before_today + upper,
                }),
                None,
            )
        }
        Err(e) if e.code() == Some("DataUnavailableException") => (
            None,
            Some("Cost Explorer has too little history to forecast this month yet (it needs some weeks of cost data)".to_owned()),
        ),
        Err(e) => return Err(ce_error("GetCostForecast", &e)),
    };

    let shown: Vec<DayCost> = days
        .into_iter()
        .filter(|d| Day::parse(&d.date).is_some_and(|day| day >= start))
        .collect();
    let mut groups_total: BTreeMap<String, f64> = BTreeMap::new();
    for d in &shown {
        for (k, v) in &d.groups {
            *groups_total.entry(k.clone()).or_insert(0.0) += v;
        }
    }
    Ok(CostReport {
        metric: METRIC,
        currency,
        start: start.to_string(),
        end_inclusive: today.to_string(),
        group_by: args.group_by.as_ref().map(GroupBy::label),
        total_usd: shown.iter().map(|d| d.usd).sum(),
        days: shown,
        groups_total,
        month_start: month_start.to_string(),
        month_to_date_usd,
        budget_usd,
        forecast,
        forecast_note,
    })
}

// ------------------------------------------------------------------------------ rendering

/// A horizontal bar of `value` against `max`, in eighths of a character.
pub fn bar(value: f64, max: f64, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    if max <= 0.0 || value <= 0.0 {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * (width * 8) as f64).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    out.push_str(PARTS[eighths % 8]);
    out
}

fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        "-".into()
    } else {
        format!("{:.1} %", part / whole * 100.0)
    }
}

pub fn render(r: &CostReport) -> String {
    let mut out = format!(
        "Daily cost {} .. {} ({}, {}; Cost Explorer)\n\n",
        r.start, r.end_inclusive, r.metric, r.currency
    );
    let max = r.days.iter().map(|d| d.usd).fold(0.0, f64::max);
    let mut rows = vec![vec!["DATE".to_owned(), r.currency.clone(), String::new()]];
    for d in &r.days {
        let mut chart = bar(d.usd, max, BAR_WIDTH);
        if d.estimated {
            chart.push_str(if chart.is_empty() {
                "(estimated)"
            } else {
                " (estimated)"
            });
        }
        rows.push(vec![d.date.clone(), format!("{:>9.2}", d.usd), chart]);
    }
    rows.push(vec![
        "total".into(),
        format!("{:>9.2}", r.total_usd),
        String::new(),
    ]);
    out.push_str(&columns(&rows));
    if let Some(g) = &r.group_by {
        out.push_str(&format!("\nBy {g}, {} .. {}:\n", r.start, r.end_inclusive));
        let mut groups: Vec<(&String, &f64)> = r.groups_total.iter().collect();
        groups.sort_by(|a, b| b.1.total_cmp(a.1));
        let mut rows = vec![vec![g.to_uppercase(), r.currency.clone(), "SHARE".into()]];
        for (k, v) in groups {
            rows.push(vec![
                k.clone(),
                format!("{v:>9.2}"),
                percent(*v, r.total_usd),
            ]);
        }
        out.push_str(&columns(&rows));
    }
    out.push_str(&format!(
        "\nMonth to date ({} .. {}): {} {:.2} of the {} {:.2} budget ({})  [{:<10}]\n",
        r.month_start,
        r.end_inclusive,
        r.currency,
        r.month_to_date_usd,
        r.currency,
        r.budget_usd,
        percent(r.month_to_date_usd, r.budget_usd),
        bar(r.month_to_date_usd, r.budget_usd, 10)
    ));
    match (&r.forecast, &r.forecast_note) {
        (Some(f), _) => out.push_str(&format!(
            "Forecast for the month: {} {:.2} (80 % interval {:.2} .. {:.2}), {} of the budget{}\n",
            r.currency,
            f.month_usd,
            f.lower_usd,
            f.upper_usd,
            percent(f.month_usd, r.budget_usd),
            if f.month_usd > r.budget_usd {
                ": OVER BUDGET (docs/cost.md lists the levers)"
            } else {
                ""
            }
        )),
        (None, Some(note)) => out.push_str(&format!("Forecast for the month: none: {note}\n")),
        (None, None) => {}
    }
    out
}

pub async fn run(args: CostArgs) -> Result<Printed, CliError> {
    let budget_usd = match args.budget {
        Some(b) if b > 0.0 => b,
        Some(_) => {
            return Err(CliError::usage(
                "--budget must be more than 0 (USD a month)",
            ))
        }
        None => crate::pricing::PriceTable::load()
            .map(|t| t.budget_usd)
            .unwrap_or(100.0),
    };
    let ce = client(&args).await;
    let report = fetch(&ce, &args, Day::today(), budget_usd).await?;
    let stdout = if args.json {
        crate::output::to_json(&report)
    } else {
        render(&report)
    };
    Ok(Printed { stdout })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_across_month_and_year_ends() {
        for s in [
            "1970-01-01",
            "2024-02-29",
            "2026-12-31",
            "2027-01-01",
            "2100-03-01",
        ] {
            assert_eq!(Day::parse(s).unwrap().to_string(), s);
        }
        let d = Day::parse("2026-12-17").unwrap();
        assert_eq!(d.month_start().to_string(), "2026-12-01");
        assert_eq!(d.next_month_start().to_string(), "2027-01-01");
        assert_eq!(d.plus(-17).to_string(), "2026-11-30");
    }

    #[test]
    fn group_by_accepts_service_and_tags_only() {
        assert_eq!(parse_group_by("service"), Ok(GroupBy::Service));
        assert_eq!(
            parse_group_by("tag:Environment"),
            Ok(GroupBy::Tag("Environment".into()))
        );
        assert!(parse_group_by("tag:").is_err());
        assert!(parse_group_by("region").is_err());
        assert_eq!(
            group_label("Environment$", &GroupBy::Tag("Environment".into())),
            "(untagged)"
        );
    }

    #[test]
    fn bars_scale_in_eighths() {
        assert_eq!(bar(10.0, 10.0, 4), "████");
        assert_eq!(bar(5.0, 10.0, 4), "██");
        assert_eq!(bar(1.0, 16.0, 2), "▏");
        assert_eq!(bar(0.0, 10.0, 4), "");
        assert_eq!(bar(20.0, 10.0, 4), "████");
    }
}
