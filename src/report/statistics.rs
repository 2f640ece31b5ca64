//! `--statistics`: how many diagnostics each rule raised, most frequent first.
//!
//! `  12  PL201  duplicate-action  [*]`: the count, the code, the name, and `[*]` when
//! `--fix` fixes every one of them or `[-]` when it fixes some (as in ruff).

use crate::diagnostic::Applicability;
use crate::runner::FileReport;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistic<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub count: usize,
    /// How many of them `--fix` fixes (a safe fix).
    pub fixable: usize,
}

/// The rows, by count (highest first), then code and name.
pub fn statistics(reports: &[FileReport]) -> Vec<Statistic<'_>> {
    let mut by_rule: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let entry = by_rule
            .entry((d.rule.code.as_str(), d.rule.name.as_str()))
            .or_default();
        entry.0 += 1;
        if d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe)
        {
            entry.1 += 1;
        }
    }
    let mut rows: Vec<Statistic> = by_rule
        .into_iter()
        .map(|((code, name), (count, fixable))| Statistic {
            code,
            name,
            count,
            fixable,
        })
        .collect();
    // Stable: equal counts keep the code order of the map.
    rows.sort_by_key(|row| std::cmp::Reverse(row.count));
    rows
}

pub fn render(reports: &[FileReport]) -> String {
    let rows = statistics(reports);
    let count_width = rows
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(0);
    let code_width = rows.iter().map(|r| r.code.len()).max().unwrap_or(0);
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for row in rows {
        let marker = if row.fixable == row.count {
            "[*]"
        } else if row.fixable > 0 {
            "[-]"
        } else {
            ""
        };
        let line = format!(
            "{:>count_width$}  {:<code_width$}  {:<name_width$}  {marker}",
            row.count, row.code, row.name
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}
