//! The access engine: what policies grant, decided exactly.
//!
//! - [`pattern`]: the pattern languages of actions and resources (wildcards, case, policy
//!   variables, each dialect's rules).
//! - [`automaton`]: exact questions about sets of patterns (inclusion, overlap, witnesses),
//!   on automata over a symbolic alphabet.
//! - [`condition`]: condition clauses, canonical and evaluated three-valued.
//! - [`policy`]: a policy as the engine reads it.
//! - [`eval`]: `can`, one request against policies.
//! - [`explore`]: the classes of requests a set of statements tells apart.
//! - [`diff`]: the access one set of policies grants that another does not.
//! - [`guardrails`]: the config's `[[forbid]]` and `[[require]]`.
//! - [`command`], [`output`], [`git`]: the `can` and `diff` commands, `check --base`.
//!
//! Policy documents are found through one function, [`documents`] (and
//! [`documents_in_text`] for a text already read), on the discovery the linter uses.

pub mod automaton;
pub mod command;
pub mod condition;
pub mod diff;
pub mod eval;
pub mod explore;
pub mod git;
pub mod guardrails;
pub mod output;
pub mod pattern;
pub mod policy;

use crate::config::{ConfigError, Resolver};
use crate::discover::{Found, discover};
use crate::model::{Dialect, Policy, is_statement_key};
use crate::parse::{self, Arena};
use policy::AccessPolicy;
use std::path::PathBuf;

/// One policy document, with where it comes from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as reported (as given, or as found under a given folder).
    pub path: String,
    /// The text the document's spans refer to.
    pub text: String,
    pub policy: AccessPolicy,
}

impl Document {
    /// The 1-based line of a byte offset of the text.
    pub fn line(&self, offset: usize) -> usize {
        line_of(&self.text, offset)
    }
}

pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count() + 1
}

/// A file that holds no readable policy though it should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The policy documents in the text of one file. Today a file is one JSON policy; a text
/// that is not JSON is an error if it looks like a policy (it mentions `"Statement"`) or
/// was asked for by name (`explicit`), and otherwise holds no documents.
pub fn documents_in_text(
    path: &str,
    text: &str,
    dialect: Option<Dialect>,
    explicit: bool,
) -> Result<Vec<Document>, Unreadable> {
    let arena = Arena::new();
    let tree = match parse::parse(text, &arena) {
        Ok(tree) => tree,
        Err(error) => {
            let mentions_statement = text.to_ascii_lowercase().contains("\"statement\"");
            if !(explicit || mentions_statement) {
                return Ok(Vec::new());
            }
            let position = crate::source::LineIndex::new(text).position(text, error.span.start);
            return Err(Unreadable {
                path: path.to_string(),
                message: format!("{}:{}: {}", position.line, position.column, error.message),
            });
        }
    };
    let is_policy = tree
        .root
        .as_object()
        .is_some_and(|members| members.iter().any(|m| is_statement_key(m.key)));
    let Some(mut model) = Policy::from_root(&tree.root, &arena).filter(|_| is_policy) else {
        return if explicit {
            Err(Unreadable {
                path: path.to_string(),
                message: "not a policy (no top-level `Statement`)".to_string(),
            })
        } else {
            Ok(Vec::new())
        };
    };
    if let Some(dialect) = dialect {
        model.dialect = dialect;
    }
    Ok(vec![Document {
        path: path.to_string(),
        text: text.to_string(),
        policy: AccessPolicy::from_model(&model),
    }])
}

/// Every policy document under `paths`, found as `policylint check` finds files (named
/// files always, folders walked with each file's config deciding what a walk takes), in
/// path order.
pub fn documents(
    paths: &[PathBuf],
    resolver: &mut Resolver,
) -> Result<Result<Vec<Document>, Unreadable>, ConfigError> {
    let mut documents = Vec::new();
    for found in discover(paths) {
        let candidate = match found {
            Found::File(candidate) => candidate,
            Found::Unwalkable(error) => {
                return Ok(Err(Unreadable {
                    path: error.display,
                    message: error.message,
                }));
            }
        };
        let settings = resolver.for_absolute(&candidate.absolute)?;
        if !(candidate.explicit || settings.takes_in_walk(&candidate.absolute)) {
            continue;
        }
        let text = match std::fs::read(&candidate.path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    return Ok(Err(Unreadable {
                        path: candidate.display,
                        message: "not valid UTF-8".to_string(),
                    }));
                }
            },
            Err(error) => {
                return Ok(Err(Unreadable {
                    path: candidate.display,
                    message: format!("cannot read: {error}"),
                }));
            }
        };
        match documents_in_text(
            &candidate.display,
            &text,
            settings.rules.dialect,
            candidate.explicit,
        ) {
            Ok(found) => documents.extend(found),
            Err(unreadable) => return Ok(Err(unreadable)),
        }
    }
    Ok(Ok(documents))
}
