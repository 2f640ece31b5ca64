//! What each action entry of a policy names in its dialect's catalogue: its service and,
//! for a plain name, its action. Looked up once per document, when a check first asks,
//! and shared by the checks that read it (PL103, PL104, PL105, PL302): each of them used
//! to probe the catalogue's tables for the same entries, which are large enough that
//! every probe is a cache miss.

use super::actions::action_entries;
use crate::catalogue::{Action, ActionRange, Catalogue, Matching, Service};
use crate::matching::{split_once_byte, trim};
use crate::memo::{self, Memory};
use crate::model::{Dialect, Policy};
use std::cell::RefCell;

thread_local! {
    /// Entries resolved in earlier documents: the same actions recur in file after file,
    /// and a remembered answer stays in cache where the catalogue's tables do not.
    static RESOLVED: RefCell<Memory<Resolved>> = RefCell::default();
}

/// One action entry as the catalogue knows it. The entry is read trimmed, split at its
/// first colon: the service is the code before it (any case), the action the name after
/// it when that holds no wildcard. Checks keep their own tests of what they judge (a plain
/// code, a pattern) and take only the lookups from here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    pub service: Option<Service>,
    pub action: Option<Action>,
    /// For a name that is a literal start and stars (`Get*`): the service's actions it
    /// matches, a run of its sorted actions.
    run: Option<ActionRange>,
}

impl Resolved {
    pub fn of(catalogue: Catalogue, text: &str) -> Self {
        let Some((code, name)) = split_once_byte(trim(text), b':') else {
            return Resolved::default();
        };
        let Some(service) = catalogue.service(code) else {
            return Resolved::default();
        };
        // What `Service::matching` answers without the matcher is kept; any other pattern
        // is matched again when a check asks.
        let (action, run) = match service.matching(name) {
            Matching::One(action) => (action, None),
            Matching::Range(run) => (None, Some(run)),
            Matching::Other(_) => (None, None),
        };
        Resolved {
            service: Some(service),
            action,
            run,
        }
    }

    /// [`Resolved::of`], remembered per thread.
    fn remembered(catalogue: Catalogue, text: &str) -> Self {
        let asker = u64::from(catalogue.dialect() == Dialect::Aws);
        memo::recall(&RESOLVED, asker, text, || Resolved::of(catalogue, text))
    }

    /// The service's actions `name` (the entry's name, after its first colon) matches:
    /// `service.matching(name)` of the resolved service, without searching again when it
    /// is a run.
    pub fn matching(&self, service: Service, name: &str) -> Matching {
        match self.run {
            Some(run) => Matching::Range(run),
            None => service.matching(name),
        }
    }
}

/// Every action entry of a policy resolved, statement by statement (the `Action` entries,
/// then the `NotAction` ones, as `actions::action_entries` lists them).
pub struct ResolvedActions {
    /// Where each statement's entries start in `entries`, and a last end.
    starts: Vec<usize>,
    entries: Vec<Resolved>,
}

impl ResolvedActions {
    pub fn of(policy: &Policy) -> Self {
        let catalogue = crate::catalogue::for_dialect(policy.dialect);
        let mut starts = Vec::with_capacity(policy.statements.len() + 1);
        let mut entries = Vec::new();
        for statement in policy.statements {
            starts.push(entries.len());
            entries
                .extend(action_entries(statement).map(|e| Resolved::remembered(catalogue, e.text)));
        }
        starts.push(entries.len());
        ResolvedActions { starts, entries }
    }

    /// The entries of the statement at `position` in `Policy::statements`, in the order of
    /// `action_entries` (so its `Action` entries come first).
    pub fn statement(&self, position: usize) -> &[Resolved] {
        &self.entries[self.starts[position]..self.starts[position + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    /// The shared answers are the ones each check asked the catalogue for itself.
    #[test]
    fn resolved_entries_are_the_catalogue_lookups() {
        for catalogue in catalogue::all() {
            let mut texts = vec![
                String::new(),
                "*".into(),
                ":".into(),
                "s3".into(),
                " oss:GetObject ".into(),
                "OSS:getobject".into(),
                "nosuch:GetObject".into(),
                "s3:Get*".into(),
                "s3:Get?bject".into(),
                "ec2:Describe*".into(),
                "EC2:describe**".into(),
                "iam:List*Tags".into(),
                "s3:*".into(),
                "s3:GetObject:x".into(),
                "ecs:Describe Instances".into(),
            ];
            for service in catalogue.services().step_by(7) {
                for action in service.actions().step_by(41) {
                    texts.push(action.qualified_name());
                    texts.push(action.qualified_name().to_ascii_uppercase());
                    texts.push(format!("{}:{}x", service.code(), action.name()));
                }
            }
            for text in &texts {
                let resolved = Resolved::of(catalogue, text);
                let trimmed = trim(text);
                let expected_service = trimmed
                    .split_once(':')
                    .and_then(|(code, _)| catalogue.service(&code.to_ascii_lowercase()));
                assert_eq!(resolved.service, expected_service, "{text:?}");
                let expected_action = match trimmed.split_once(':') {
                    Some((_, name)) if !name.contains(['*', '?']) => catalogue.action(trimmed),
                    _ => None,
                };
                assert_eq!(resolved.action, expected_action, "{text:?}");
                assert_eq!(Resolved::remembered(catalogue, text), resolved, "{text:?}");
                if let (Some(service), Some((_, name))) =
                    (resolved.service, trimmed.split_once(':'))
                {
                    let matched: Vec<Action> = resolved.matching(service, name).collect();
                    let expected: Vec<Action> = catalogue.matching(trimmed).collect();
                    assert_eq!(matched, expected, "{text:?}");
                }
            }
        }
    }
}
