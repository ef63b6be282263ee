//! `opsdeck report --plan plan.json [--format md|html|json]`: for every requirement ID of
//! `../shared/requirements.md`, pass / fail / not decidable from a plan, with the evidence
//! (resource address and attribute), and the monthly cost estimate against the budget (P9).
//! The CI workflow posts the Markdown form as the PR comment; the release keeps the JSON form.

mod checks;
pub mod requirements;

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::plan::Plan;
use crate::pricing::{Basis, Estimate, PriceTable};
use crate::{CliError, Printed};

pub use checks::P4_LIMIT_SECONDS;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The plan as JSON: `terraform show -json plan.tfplan > plan.json` in envs/prod.
    #[arg(long)]
    pub plan: PathBuf,
    /// Output format: Markdown (the PR comment), HTML (a page to keep) or JSON (machines).
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    NotDecidable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotDecidable => "not decidable from a plan",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub address: String,
    pub attribute: String,
    pub value: String,
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_decidable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub plan: String,
    pub terraform_version: Option<String>,
    pub resources: usize,
    pub counts: Counts,
    pub findings: Vec<Finding>,
    pub estimate: Estimate,
}

impl Report {
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}

/// Evaluates a plan: one finding per requirement ID, in requirements.md's order.
pub fn evaluate(plan: &Plan, table: &PriceTable, plan_name: &str) -> Result<Report, CliError> {
    let estimate = crate::pricing::estimate(plan, table)
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let mut by_id = checks::evaluate(plan, &estimate);
    let findings: Vec<Finding> = requirements::REQUIREMENTS
        .iter()
        .map(|(id, title)| {
            let mut f = by_id.remove(id).unwrap_or_else(|| Finding {
                id: "",
                title: "",
                status: Status::NotDecidable,
                summary: checks::default_reason(id).into(),
                evidence: Vec::new(),
            });
            f.id = id;
            f.title = title;
            f
        })
        .collect();
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    Ok(Report {
        plan: plan_name.into(),
        terraform_version: plan.terraform_version.clone(),
        resources: plan
            .resources
            .iter()
            .filter(|r| r.mode == "managed")
            .count(),
        counts: Counts {
            pass: count(Status::Pass),
            fail: count(Status::Fail),
            not_decidable: count(Status::NotDecidable),
        },
        findings,
        estimate,
    })
}

pub fn run(args: ReportArgs) -> Result<Printed, CliError> {
    let plan = Plan::load(&args.plan).map_err(|e| {
        CliError::new(e.code(), e.to_string()).hint(
            "in envs/prod: terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json",
        )
    })?;
    let table = PriceTable::load().map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let report = evaluate(&plan, &table, &args.plan.display().to_string())?;
    let stdout = match args.format {
        ReportFormat::Json => crate::output::to_json(&report),
        ReportFormat::Md => markdown(&report),
        ReportFormat::Html => html(&report),
    };
    Ok(Printed { stdout })
}

fn usd(v: f64) -> String {
    format!("{v:.2}")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn evidence_line(e: &Evidence) -> String {
    format!(
        "{} `{}` `{}`: {}",
        if e.ok { "ok" } else { "**breaks it**" },
        e.address,
        e.attribute,
        e.value
    )
}

/// Markdown: summary, failures first with their evidence, then every ID, then the cost model.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    out.push_str("## opsdeck requirements report\n\n");
    out.push_str(&format!(
        "Plan `{}` ({} resources{}). **{} pass, {} fail, {} not decidable from a plan** of {} requirement IDs.\n\n",
        r.plan,
        r.resources,
        r.terraform_version
            .as_deref()
            .map(|v| format!(", Terraform {v}"))
            .unwrap_or_default(),
        r.counts.pass,
        r.counts.fail,
        r.counts.not_decidable,
        r.findings.len()
    ));
    let e = &r.estimate;
    out.push_str(&format!(
        "Monthly cost estimate: **USD {}** (USD {} fixed, the rest usage assumptions) against a budget of USD {} (P9 {}).\n\n",
        usd(e.total_usd),
        usd(e.fixed_usd),
        usd(e.budget_usd),
        r.finding("P9").map_or("?", |f| f.status.label())
    ));
    let failing: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    if !failing.is_empty() {
        out.push_str("### Failing\n\n");
        for f in failing {
            out.push_str(&format!("- **{}** {}: {}\n", f.id, f.title, f.summary));
            for ev in f.evidence.iter().filter(|e| !e.ok) {
                out.push_str(&format!("  - {}\n", evidence_line(ev)));
            }
        }
        out.push('\n');
    }
    out.push_str(
        "### Every requirement\n\n| ID | Requirement | Status | Why |\n| --- | --- | --- | --- |\n",
    );
    for f in &r.findings {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            f.id,
            cell(f.title),
            f.status.label(),
            cell(&f.summary)
        ));
    }
    out.push_str("\n<details><summary>Evidence</summary>\n\n");
    for f in r.findings.iter().filter(|f| !f.evidence.is_empty()) {
        out.push_str(&format!("**{}** ({})\n\n", f.id, f.status.label()));
        for ev in &f.evidence {
            out.push_str(&format!("- {}\n", evidence_line(ev)));
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out.push_str(&format!(
        "### Monthly cost estimate ({}, prices of `{}` checked {})\n\n| Line | Quantity | Unit price (USD) | Free | USD a month | Basis |\n| --- | ---: | ---: | ---: | ---: | --- |\n",
        e.region, e.table, e.table_checked
    ));
    let mut lines: Vec<_> = e.lines.iter().collect();
    lines.sort_by(|a, b| b.monthly_usd.total_cmp(&a.monthly_usd));
    for l in lines {
        out.push_str(&format!(
            "| {} | {} {} | {} | {} | {} | {}{} |\n",
            cell(&l.item),
            trim_number(l.quantity),
            cell(&unit_of(&l.unit)),
            l.unit_usd,
            trim_number(l.free),
            usd(l.monthly_usd),
            match l.basis {
                Basis::Fixed => "fixed",
                Basis::Usage => "usage (estimate)",
            },
            if l.estimate && l.basis == Basis::Fixed {
                ", price estimate"
            } else {
                ""
            }
        ));
    }
    out.push_str(&format!(
        "| **Total** | | | | **{}** | budget {} ({}) |\n",
        usd(e.total_usd),
        usd(e.budget_usd),
        cell(&e.budget_source)
    ));
    if !e.unpriced_types.is_empty() {
        out.push_str(&format!(
            "\nNot priced by the model: {}.\n",
            e.unpriced_types.join(", ")
        ));
    }
    out
}

/// "30 100,000 data events" reads badly: units that are counts get a multiplication sign.
fn unit_of(unit: &str) -> String {
    if unit.starts_with(|c: char| c.is_ascii_digit()) {
        format!("x {unit}")
    } else {
        unit.to_owned()
    }
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained page to store with a release.
pub fn html(r: &Report) -> String {
    let mut out = String::from("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>opsdeck requirements report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}.pass{background:#e6f4ea}.fail{background:#fce8e6}.not_decidable{background:#f1f3f4}</style></head><body>\n");
    out.push_str(&format!(
        "<h1>opsdeck requirements report</h1>\n<p>Plan <code>{}</code>, {} resources: <strong>{} pass, {} fail, {} not decidable from a plan</strong>.</p>\n",
        escape(&r.plan),
        r.resources,
        r.counts.pass,
        r.counts.fail,
        r.counts.not_decidable
    ));
    let e = &r.estimate;
    out.push_str(&format!(
        "<p>Monthly cost estimate: <strong>USD {}</strong> (USD {} fixed) against a budget of USD {} ({}).</p>\n",
        usd(e.total_usd),
        usd(e.fixed_usd),
        usd(e.budget_usd),
        escape(&e.budget_source)
    ));
    out.push_str("<table><tr><th>ID</th><th>Requirement</th><th>Status</th><th>Why</th><th>Evidence</th></tr>\n");
    for f in &r.findings {
        let status = match f.status {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotDecidable => "not_decidable",
        };
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|ev| {
                format!(
                    "{}<code>{}</code> <code>{}</code>: {}",
                    if ev.ok {
                        ""
                    } else {
                        "<strong>breaks it</strong> "
                    },
                    escape(&ev.address),
                    escape(&ev.attribute),
                    escape(&ev.value)
                )
            })
            .collect();
        out.push_str(&format!(
            "<tr id=\"{}\" class=\"{status}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(f.id),
            escape(f.id),
            escape(f.title),
            f.status.label(),
            escape(&f.summary),
            evidence.join("<br>")
        ));
    }
    out.push_str("</table>\n<h2>Monthly cost estimate</h2>\n<table><tr><th>Line</th><th>Quantity</th><th>USD a month</th></tr>\n");
    for l in &e.lines {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{} {}</td><td>{}</td></tr>\n",
            escape(&l.item),
            trim_number(l.quantity),
            escape(&l.unit),
            usd(l.monthly_usd)
        ));
    }
    out.push_str(&format!(
        "<tr><th>Total</th><td></td><th>{}</th></tr></table>\n</body></html>\n",
        usd(e.total_usd)
    ));
    out
}
