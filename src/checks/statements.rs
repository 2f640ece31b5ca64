//! Statements that change nothing, found with the access engine (`access::explore`):
//! an Allow whose every grant a Deny of the same policy takes back (PL503
//! `shadowed-statement`), and an Allow whose every grant other Allows already give
//! (PL504 `redundant-statement`). Conditions count: a Deny takes back, and an Allow gives,
//! only where it applies whenever the statement does (its clauses are among the
//! statement's).
//!
//! PL205 `duplicate-statement` keeps the exact repeats (with its safe fix);
//! `redundant-statement` reports the rest, and leaves PL205's repeats out of what covers
//! (they are to be removed). Redundant statements are looked at from the last to the
//! first, each against the statements not yet reported, so the earlier of two statements
//! that cover each other is kept, and removing every reported one together changes
//! nothing the policy grants.
//!
//! Most statements are settled by one cheap test first: a request of some unit of an Allow
//! (an action entry and a resource entry with `*` read as nothing and `?` as one letter; of
//! a `Not` element, a string none of its patterns matches) that no other statement matches shows the Allow is neither shadowed nor redundant; the
//! others are asked about, and not at all a policy with none. Most of those questions are
//! answered by reading the patterns plainly (`plain.rs`: one other statement covering each
//! unit, or none matching one); the engine's analysis is built for what is left.

use super::{CheckContext, opening};
use crate::access::automaton::{LINT, SetId, TooComplex};
use crate::access::explore::{AtomSet, Explorer, Implications, Member, Space};
use crate::access::index::ActionIndex;
use crate::access::policy::AccessPolicy;
use crate::access::warm;
use crate::diagnostic::{Finding, Fix};
use crate::fix::remove_array_element;
use crate::matching::{holds_dollar_brace, trim, wildcard_match};
use crate::model::{Policy, Statement, Values};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

mod acceptance;
mod member_runs;
mod plain;
mod templates;

use crate::matching::run_index::{self, RunIndex};
use acceptance::{Acceptance, StatementSet};
use plain::PlainStatements;

/// Past this many statements the rules are skipped: each statement's region is explored
/// against the others, and a policy this large is beyond any vendor's size limit.
const MAX_STATEMENTS: usize = 10_000;

/// PL503.
pub fn shadowed_statement(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(model) = ctx.policy else { return };
    let candidates = &ctx.statement_candidates().by_denies;
    if candidates.is_empty() {
        return;
    }
    let mut questions = Questions::of(model);
    for s in 0..questions.statements.len() {
        let statement = questions.statements[s];
        if !statement.is_allow() || !candidates.contains(&statement.index) {
            continue;
        }
        let Ok(Coverage::Full(by)) = questions.coverage(s, &[], true) else {
            continue;
        };
        let mut finding = Finding::new(
            opening(statement.node),
            "every access this Allow grants is denied by a Deny of the same policy",
        )
        .help("remove this statement, or narrow the Deny if this access is meant to be granted");
        for d in by {
            finding = finding.label(opening(questions.statements[d].node), "denied here");
        }
        out.push(finding);
    }
}

/// PL504.
pub fn redundant_statement(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(model) = ctx.policy else { return };
    let allows = model.statements.iter().filter(|s| s.is_allow()).count();
    if allows < 2 {
        return;
    }
    let candidates = &ctx.statement_candidates().by_any;
    if candidates.is_empty() {
        return;
    }
    let repeats = ctx.repeated_statements();
    let mut questions = Questions::of(model);
    // Model statement index -> engine statement index.
    let engine_index = |model_index: usize| {
        let index = model.statements[model_index].index;
        questions.statements.iter().position(|s| s.index == index)
    };
    let mut removed: Vec<usize> = repeats
        .iter()
        .filter_map(|&(r, _)| engine_index(r))
        .collect();
    let items = model
        .statement_member
        .and_then(|member| member.value.as_array());
    let count = questions.statements.len();
    for s in (0..count).rev() {
        let statement = questions.statements[s];
        if !statement.is_allow() || !candidates.contains(&statement.index) || removed.contains(&s) {
            continue;
        }
        // A statement all denied is PL503's.
        if matches!(questions.coverage(s, &[], true), Ok(Coverage::Full(_))) {
            continue;
        }
        let Ok(Coverage::Full(by)) = questions.coverage(s, &removed, false) else {
            continue;
        };
        removed.push(s);
        let fix = items
            .and_then(|items| remove_array_element(items, statement.index))
            .map(|edit| Fix::unsafe_("remove the redundant statement", vec![edit]));
        let mut finding = Finding::new(
            opening(statement.node),
            "every access this Allow grants is already granted by other statements of the policy",
        )
        .help("remove this statement (the policy grants the same without it), or narrow the statements that cover it if they grant more than intended")
        .fix(fix);
        for t in by {
            let label = if questions.statements[t].is_allow() {
                "also granted here"
            } else {
                "denied here"
            };
            finding = finding.label(opening(questions.statements[t].node), label);
        }
        out.push(finding);
    }
}

#[cfg(test)]
thread_local! {
    /// Set by the tests to answer without the indexes and pre-tests that only save time.
    static SHORTCUTS_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// How many questions `plain` answered: the tests see that it takes part.
    static PLAIN_ANSWERS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// How many units `plain` found covered through a `Not` element.
    static PLAIN_NOT_COVERS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether the tests asked for answers without the shortcuts (never outside them).
fn shortcuts_off() -> bool {
    #[cfg(test)]
    return SHORTCUTS_OFF.get();
    #[cfg(not(test))]
    false
}

/// The Allows (by `Statement::index`) that other statements may cover: those each unit
/// of which (action entry × resource entry) has a sample request that some other
/// statement accepts matches (`by_any`, PL504's), or that some Deny does (`by_denies`,
/// PL503's). Any other Allow grants a request nothing else touches (no Deny touches), so
/// it is not redundant (not shadowed), and the engine is spared it (and, when no Allow is
/// left, the policy). One pass answers both rules: which statements accept a sample is
/// the same question for both, the Denys among them PL503's answer.
#[derive(Default)]
pub struct Candidates {
    pub(super) by_any: BTreeSet<usize>,
    pub(super) by_denies: BTreeSet<usize>,
}

pub(super) fn candidates(policy: &Policy) -> Candidates {
    let mut found = Candidates::default();
    if policy.statements.len() > MAX_STATEMENTS || policy.statements.len() < 2 {
        return found;
    }
    let others: Vec<&Statement> = policy.statements.iter().collect();
    let mut denies = vec![0u64; others.len().div_ceil(64)];
    for (i, other) in others.iter().enumerate() {
        if other.effect_text() == Some("Deny") {
            denies[i / 64] |= 1 << (i % 64);
        }
    }
    let denies = denies.iter().any(|&word| word != 0).then_some(denies);
    let mut acceptance = Acceptance::new(&others, policy.dialect);
    for (own, statement) in others.iter().enumerate() {
        if !statement.is_allow() {
            continue;
        }
        let samples = sample_requests(statement).filter(|_| !shortcuts_off());
        let (by_any, by_denies) = match samples {
            Some((actions, resources)) => samples_covered(
                &actions,
                &resources,
                own,
                denies.as_deref(),
                &mut acceptance,
            ),
            None => (true, true),
        };
        if by_any {
            found.by_any.insert(statement.index);
        }
        if by_denies && denies.is_some() {
            found.by_denies.insert(statement.index);
        }
    }
    found
}

/// Sample strings: an entry itself when it holds no wildcard.
type Samples<'p> = Vec<Cow<'p, str>>;

/// A sample of each action entry and of each resource entry of a statement, if they are
/// easy to name (no policy variable or template value): each pattern with `*` read as
/// nothing and `?` as one letter, or for a `Not` element (one unit) a string none of its
/// patterns matches. The statement's sample requests are their pairs.
fn sample_requests<'p>(statement: &Statement<'p>) -> Option<(Samples<'p>, Samples<'p>)> {
    let instances = |values: &Values<'p>| -> Option<Samples<'p>> {
        if values.texts().any(holds_dollar_brace) {
            return None;
        }
        Some(values.texts().map(|text| sample_of(trim(text))).collect())
    };
    let actions = match (&statement.action, &statement.not_action) {
        (Some(values), _) => instances(values)?,
        (None, Some(values)) => vec![Cow::Borrowed(outside_sample(values, true)?)],
        (None, None) => return None,
    };
    let resources = match (&statement.resource, &statement.not_resource) {
        (Some(values), None) => instances(values)?,
        (None, None) => vec![sample_of("*")],
        (None, Some(values)) => vec![Cow::Borrowed(outside_sample(values, false)?)],
        (Some(_), Some(_)) => return None,
    };
    Some((actions, resources))
}

/// A string none of the patterns of a `Not` element matches, as the engine reads them:
/// one `wildcard_match` does not match (it reads an AWS segment `*` as any run, so it
/// matches all the engine does, and more). `None` when each string tried is matched, or
/// the element holds text read otherwise (a policy variable or template value, which may
/// match anything; text not in ASCII, folded otherwise in any case).
fn outside_sample(values: &Values, ignore_case: bool) -> Option<&'static str> {
    const TRIED: [&str; 2] = ["policylint-outside:sample", "x"];
    if values.has_template_value
        || values
            .texts()
            .any(|text| text.contains('$') || !text.is_ascii())
    {
        return None;
    }
    TRIED.into_iter().find(|sample| {
        !values
            .texts()
            .any(|pattern| wildcard_match(trim(pattern), sample, ignore_case))
    })
}

/// A string `pattern` matches: itself with `*` read as nothing and `?` as one letter.
fn sample_of(pattern: &str) -> Cow<'_, str> {
    // Most entries hold no wildcard, and are their own sample.
    let Some(first) = memchr::memchr2(b'*', b'?', pattern.as_bytes()) else {
        return Cow::Borrowed(pattern);
    };
    let mut sample = String::with_capacity(pattern.len());
    let (mut rest, mut wildcard) = (pattern, first);
    loop {
        sample.push_str(&rest[..wildcard]);
        if rest.as_bytes()[wildcard] == b'?' {
            sample.push('x');
        }
        rest = &rest[wildcard + 1..];
        match memchr::memchr2(b'*', b'?', rest.as_bytes()) {
            Some(next) => wildcard = next,
            None => break,
        }
    }
    sample.push_str(rest);
    Cow::Owned(sample)
}

/// Whether every pair of an action sample and a resource sample is accepted by one of
/// the other statements (all but `own`, an index into them), and whether by one of the
/// `denies` (a bit set over them). Which statements accept an action does not depend on
/// the resource (nor the reverse), so the samples are grouped by the set of statements
/// that accept them and only the distinct sets are paired: linear in the lists rather
/// than in their product (a statement of 50,000 actions and 50,000 resources made 2.5
/// billion pairs).
fn samples_covered<'p>(
    actions: &[Cow<'p, str>],
    resources: &[Cow<'p, str>],
    own: usize,
    denies: Option<&[u64]>,
    acceptance: &mut Acceptance<'_, 'p>,
) -> (bool, bool) {
    if actions.is_empty() || resources.is_empty() {
        return (true, true);
    }
    // A sample only `own` accepts is accepted by no Deny either (`own` is an Allow).
    let Some(action_sets) = accepting_sets(actions, own, |a| acceptance.of_action(a)) else {
        return (false, false);
    };
    let Some(resource_sets) = accepting_sets(resources, own, |r| acceptance.of_resource(r)) else {
        return (false, false);
    };
    let every_pair = |mask: &dyn Fn(usize) -> u64| {
        action_sets.iter().all(|a| {
            resource_sets.iter().all(|r| {
                a.words()
                    .iter()
                    .zip(r.words())
                    .enumerate()
                    .any(|(word, (a, r))| a & r & mask(word) != 0)
            })
        })
    };
    let by_any = every_pair(&|word| !own_bit(own, word));
    let by_denies = denies.is_some_and(|denies| every_pair(&|word| denies[word]));
    (by_any, by_denies)
}

/// The bit of `own` in word `word` of a bit set over the others, if it falls there.
fn own_bit(own: usize, word: usize) -> u64 {
    match own / 64 == word {
        true => 1 << (own % 64),
        false => 0,
    }
}

/// The distinct sets (bit sets over the others) of statements that accept each sample, or
/// `None` as soon as a sample is accepted by none but `own`. The sets keep `own`'s bit,
/// which the caller masks: taking it out here cost two allocations per sample (of a
/// policy past 64 statements).
fn accepting_sets<'p>(
    samples: &[Cow<'p, str>],
    own: usize,
    mut accepting: impl FnMut(&Cow<'p, str>) -> StatementSet,
) -> Option<foldhash::HashSet<StatementSet>> {
    let mut sets = foldhash::HashSet::default();
    for sample in samples {
        let set = accepting(sample);
        let accepted_by_another = set
            .words()
            .iter()
            .enumerate()
            .any(|(word, &bits)| bits & !own_bit(own, word) != 0);
        if !accepted_by_another {
            return None;
        }
        sets.insert(set);
    }
    Some(sets)
}

/// The questions PL503 and PL504 ask about one policy: answered where that is plain to
/// see (`plain`), by the engine otherwise, whose analysis is built on the first question
/// it gets.
struct Questions<'m, 'p> {
    model: &'m Policy<'p>,
    /// The statements the engine reads, in its order (the indices of the questions).
    statements: Vec<&'m Statement<'p>>,
    /// `None` for a long policy, left to the engine.
    plain: Option<PlainStatements<'p>>,
    analysis: Option<Analysis>,
}

impl<'m, 'p> Questions<'m, 'p> {
    fn of(model: &'m Policy<'p>) -> Self {
        let statements: Vec<&Statement> = model
            .statements
            .iter()
            .filter(|statement| AccessPolicy::reads(statement))
            .collect();
        Questions {
            model,
            plain: PlainStatements::of(model, &statements),
            statements,
            analysis: None,
        }
    }

    /// See `Analysis::coverage`.
    fn coverage(
        &mut self,
        s: usize,
        removed: &[usize],
        denies_only: bool,
    ) -> Result<Coverage, TooComplex> {
        // Looked up once per statement of the policy: a list would make a long policy
        // whose statements are all found redundant cubic.
        let mut is_removed = vec![false; self.statements.len()];
        for &r in removed {
            is_removed[r] = true;
        }
        if let Some(plain) = self.plain.as_ref().filter(|_| !shortcuts_off())
            && let Some(answer) = plain.coverage(s, &is_removed, denies_only)
        {
            #[cfg(test)]
            PLAIN_ANSWERS.set(PLAIN_ANSWERS.get() + 1);
            return Ok(answer);
        }
        let model = self.model;
        self.analysis
            .get_or_insert_with(|| Analysis::of(model))
            .coverage(s, &is_removed, denies_only)
    }
}

/// How much of a statement's grants others cover.
enum Coverage {
    /// All of it, by these statements (engine indices).
    Full(BTreeSet<usize>),
    Partial,
}

struct Analysis {
    policy: AccessPolicy,
    space: Space,
    explorer: Explorer,
    /// Which statements may meet a unit: only those take part in its questions.
    index: ActionIndex,
    atoms: Vec<AtomSet>,
    implications: Implications,
    /// In a long policy, which members may match a sample resource.
    resource_runs: Option<RunIndex>,
}

impl Drop for Analysis {
    fn drop(&mut self) {
        warm::give_back(std::mem::take(&mut self.space), self.explorer.take_memo());
    }
}

impl Analysis {
    fn of(model: &Policy) -> Self {
        let policy = AccessPolicy::from_model(model);
        let (mut space, memo) = warm::take(LINT);
        #[cfg(test)]
        {
            space.actions.use_set_indexes(!shortcuts_off());
            space.resources.use_set_indexes(!shortcuts_off());
        }
        let members: Vec<Member> = policy
            .statements
            .iter()
            .map(|statement| Member {
                actions: space.action_set(&statement.actions.surely()),
                resources: space.resource_set(&statement.resources.surely(), policy.dialect),
            })
            .collect();
        let policy = templates::asked(policy);
        let atoms = policy
            .statements
            .iter()
            .map(|s| space.atoms_of(s))
            .collect();
        let resource_sets: Vec<SetId> = members.iter().map(|m| m.resources).collect();
        Analysis {
            policy,
            implications: space.implications(),
            index: ActionIndex::new(&space.actions, &members),
            resource_runs: member_runs::member_runs(&space.resources, &resource_sets),
            space,
            explorer: Explorer::with_memo(members, memo),
            atoms,
        }
    }

    /// Whether every request statement `s` grants (in every world it applies in) is
    /// denied by a Deny, or (`denies_only` false) also granted by another Allow not
    /// removed (`is_removed[t]`). A statement that grants nothing is not covered. Unit by
    /// unit (action entry × resource entry): sample requests first, then one statement
    /// covering the unit pattern by pattern, then the unit's classes.
    fn coverage(
        &mut self,
        s: usize,
        is_removed: &[bool],
        denies_only: bool,
    ) -> Result<Coverage, TooComplex> {
        let statement = &self.policy.statements[s];
        let pool: Vec<u32> = (0..self.policy.statements.len())
            .filter(|&t| {
                t != s
                    && !is_removed[t]
                    && (!denies_only || !self.policy.statements[t].is_allow())
                    && self.implications.entails(&self.atoms[t], &self.atoms[s])
            })
            .map(|t| t as u32)
            .collect();
        // Nothing can cover it (a policy without a Deny, for the first question PL504 asks).
        if pool.is_empty() {
            return Ok(Coverage::Partial);
        }
        let action_units = self.space.action_units(&statement.actions);
        let resource_units = self
            .space
            .resource_units(&statement.resources, self.policy.dialect);
        if action_units.is_empty() || resource_units.is_empty() {
            return Ok(Coverage::Partial);
        }
        let mut by = BTreeSet::new();
        for action in &action_units {
            for resource in &resource_units {
                match self.unit_covered(&pool, action.set, resource.set)? {
                    Some(covering) => by.extend(covering),
                    None => return Ok(Coverage::Partial),
                }
            }
        }
        Ok(Coverage::Full(by))
    }

    /// The statements of `pool` covering every request of a unit, if they do.
    fn unit_covered(
        &mut self,
        pool: &[u32],
        actions: SetId,
        resources: SetId,
    ) -> Result<Option<Vec<usize>>, TooComplex> {
        // A statement whose actions cannot meet the unit's matches none of its requests
        // (and so covers none): its automata are never built.
        let near = self.index.candidates(&self.space.actions, actions);
        let pool: Vec<u32> = pool
            .iter()
            .copied()
            .filter(|t| near.binary_search(t).is_ok())
            .collect();
        if pool.is_empty() {
            return Ok(None);
        }
        let pool = pool.as_slice();
        let (space, explorer) = (&mut self.space, &mut self.explorer);
        let action_samples = space.actions.samples_or_outside(actions);
        let resource_samples = space.resources.samples_or_outside(resources);
        // In a long policy, the members that may match each resource sample at all.
        let may_match: Vec<Vec<u64>> = match &self.resource_runs {
            Some(runs) if !shortcuts_off() => {
                resource_samples.iter().map(|r| runs.owners(r)).collect()
            }
            _ => Vec::new(),
        };
        let may = |sample: usize, t: u32| {
            may_match
                .get(sample)
                .is_none_or(|set| run_index::holds(set, t))
        };
        for action in &action_samples {
            for (r, resource) in resource_samples.iter().enumerate() {
                let among = pool.iter().copied().filter(|&t| may(r, t));
                if !explorer.matches_any(space, action, resource, among) {
                    return Ok(None);
                }
            }
        }
        // A statement covering the unit matches its sample requests: one pattern match
        // rules most statements out before `covers` compares (and remembers) patterns, which
        // made a policy of thousands of statements all covered by its last one quadratic in
        // memory as well as time.
        let first_sample = action_samples.first().zip(resource_samples.first());
        if let Some(&single) = pool.iter().find(|&&t| {
            let ruled_out = !shortcuts_off()
                && first_sample.is_some_and(|(action, resource)| {
                    !may(0, t) || !explorer.matches(space, t, action, resource)
                });
            !ruled_out && explorer.covers(space, t, actions, resources)
        }) {
            return Ok(Some(vec![single as usize]));
        }
        let candidates = explorer.relevant(space, actions, resources, pool.iter().copied());
        match candidates.as_slice() {
            [] => return Ok(None),
            // What exploring would find, without the classes.
            &[only] if explorer.covers_with_not(space, only, actions, resources) => {
                return Ok(Some(vec![only as usize]));
            }
            _ => {}
        }
        let mut by = Vec::new();
        let mut visited = false;
        let finished = explorer.explore(space, actions, resources, &candidates, |point| {
            visited = true;
            match point.members.first() {
                Some(&t) => {
                    by.push(t as usize);
                    ControlFlow::Continue(())
                }
                None => ControlFlow::Break(()),
            }
        })?;
        Ok((finished && visited).then_some(by))
    }
}

#[cfg(test)]
mod tests;
