//! How PL503 and PL504 read a value a template fills in (a Terraform `${...}`, a
//! CloudFormation `Ref`, an `Fn::Join` known in part): the policy does not show it, so
//! a finding must hold whatever it is. The engine's own reading (`Entry::widened`, each
//! such value `*`) says what a statement may grant; a statement covering others must
//! be read for what it grants for sure, and the statement asked about for all it may
//! grant:
//! - in an element, a template value is one value, unknown (`Entry::sealed`): only a `*`
//!   or the same template text covers it, and it covers nothing but the same text;
//! - in a `Not` element of a covering statement it is `*` (it may leave nothing out, so
//!   the statement grants nothing for sure: `Element::surely`); in one of the statement
//!   asked about it is left out (the statement may grant all the others leave).
//!
//! Sealed, a statement's template values need no condition of their own: a statement
//! covers through its plain entries whatever its templates hold.

use crate::access::policy::{AccessPolicy, Element};

/// The policy as its statements are asked about (see the module comment): no entry is a
/// template value any more.
pub(super) fn asked(mut policy: AccessPolicy) -> AccessPolicy {
    for statement in &mut policy.statements {
        for element in [&mut statement.actions, &mut statement.resources] {
            if !element.entries.iter().any(|entry| entry.template) {
                continue;
            }
            *element = match element.negated {
                true => Element {
                    negated: true,
                    entries: element
                        .entries
                        .iter()
                        .filter(|entry| !entry.template)
                        .cloned()
                        .collect(),
                },
                false => element.sealed(),
            };
        }
    }
    policy
}
