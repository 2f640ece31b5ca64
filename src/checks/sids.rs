//! Statement IDs: what characters a `Sid` may hold. Repeated Sids are `duplicate-sid`'s.

use super::CheckContext;
use crate::diagnostic::Finding;

/// PL111: an AWS identity policy's `Sid` with characters other than ASCII letters and
/// digits, which IAM refuses when the policy is saved (resource policies, such as S3 bucket
/// policies, take more, so they are not judged).
pub fn invalid_sid(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for sid in policy.statements.iter().filter_map(|s| s.sid) {
        if policy.templates.holds_template_expression(&sid.value) {
            continue;
        }
        let Some(text) = sid.value.as_str() else {
            continue;
        };
        let Some(bad) = text.chars().find(|c| !c.is_ascii_alphanumeric()) else {
            continue;
        };
        let suggestion: String = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or(String::new(), |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        let shown = match bad {
            ' ' => "a space".to_string(),
            c => format!("`{c}`"),
        };
        let mut finding = Finding::new(
            sid.value.span,
            format!(
                "`Sid` `{text}` holds {shown}, but IAM takes only ASCII letters and digits in an identity policy's Sid"
            ),
        );
        finding = if suggestion.is_empty() {
            finding.help("write a Sid of letters and digits, such as `ReadReports`")
        } else {
            finding.help(format!("write it as `{suggestion}`"))
        };
        out.push(finding);
    }
}
