//! Rendering: aligned tables for people, JSON for scripts.

use opsdeck_provider::deploy_history::{DeployRecord, HistoryView, Stream};
use serde::Serialize;

/// Pretty JSON with a final newline. Our values are plain data; should serde ever
/// refuse one, the error text is printed rather than nothing.
pub fn to_json<T: Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(text) => text + "\n",
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
pub fn columns(rows: &[Vec<String>]) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

pub fn list_table(table: &str, stream: &Stream, view: &HistoryView) -> String {
    if view.deploys.is_empty() {
        let what = if view.current.is_none() {
            "no deploys are recorded"
        } else {
            "no deploys match"
        };
        return format!("{what} for {stream} in table {table}\n");
    }
    let mut rows = vec![[
        "DEPLOY ID",
        "VERSION",
        "RESULT",
        "DEPLOYED AT",
        "DEPLOYER",
        "PREVIOUS",
        "RELEASE",
    ]
    .map(String::from)
    .to_vec()];
    for r in &view.deploys {
        rows.push(vec![
            r.deploy_id.clone(),
            r.version.clone(),
            r.result.to_string(),
            r.deployed_at.clone(),
            r.deployer.clone(),
            or_dash(r.previous_version.as_deref()),
            or_dash(r.release_url.as_deref()),
        ]);
    }
    let version = |r: &Option<DeployRecord>| or_dash(r.as_ref().map(|r| r.version.as_str()));
    format!(
        "{}\nlatest succeeded: {}\nrollback target:  {}\n",
        columns(&rows),
        version(&view.latest_succeeded),
        version(&view.previous_succeeded)
    )
}

pub fn record_block(r: &DeployRecord) -> String {
    let result = if r.result == r.original_result {
        r.result.to_string()
    } else {
        format!("{} (recorded as {})", r.result, r.original_result)
    };
    let mut rows: Vec<Vec<String>> = vec![
        vec!["deploy id".into(), r.deploy_id.clone()],
        vec!["service".into(), r.service.clone()],
        vec!["environment".into(), r.environment.clone()],
        vec!["version".into(), r.version.clone()],
        vec!["result".into(), result],
        vec!["deployed at".into(), r.deployed_at.clone()],
        vec!["deployer".into(), r.deployer.clone()],
        vec!["release".into(), or_dash(r.release_url.as_deref())],
        vec!["commit".into(), or_dash(r.commit.as_deref())],
        vec![
            "previous".into(),
            match (&r.previous_version, &r.previous_deploy_id) {
                (Some(v), Some(id)) => format!("{v} ({id})"),
                (Some(v), None) => v.clone(),
                _ => "-".into(),
            },
        ],
    ];
    for (k, v) in &r.metadata {
        rows.push(vec![format!("metadata.{k}"), v.clone()]);
    }
    let mut out = columns(&rows);
    if !r.events.is_empty() {
        out.push_str("\nmarks (oldest first):\n");
        let mut events = vec![["MARKED AT", "RESULT", "BY", "REASON"]
            .map(String::from)
            .to_vec()];
        for e in &r.events {
            events.push(vec![
                e.marked_at.clone(),
                e.result.to_string(),
                e.marked_by.clone(),
                e.reason.clone(),
            ]);
        }
        out.push_str(&columns(&events));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_do_not_pad_the_last() {
        let rows = vec![
            vec!["A".to_owned(), "BB".to_owned()],
            vec!["CCC".to_owned(), "D".to_owned()],
        ];
        assert_eq!(columns(&rows), "A    BB\nCCC  D\n");
    }
}
