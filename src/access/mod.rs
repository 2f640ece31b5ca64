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
//! - [`index`]: which statements can possibly meet a region, by action prefix.
//! - [`diff`]: the access one set of policies grants that another does not.
//! - [`guardrails`]: the config's `[[forbid]]` and `[[require]]`.
//! - [`command`], [`output`], [`git`]: the `can` and `diff` commands, `check --base`.
//!
//! Policy documents are found through one function, [`documents`] (and
//! [`documents_in_text`] for a text already read), on the discovery and the hosts the
//! linter uses.

pub mod automaton;
pub mod command;
pub mod condition;
pub mod diff;
pub mod eval;
pub mod explore;
pub mod git;
pub mod guardrails;
pub mod index;
pub mod output;
pub mod pattern;
pub mod policy;
pub mod warm;

use crate::config::{ConfigError, Resolver};
use crate::discover::{Found, discover};
use crate::hosts::{self, HostKind, HostSwitches};
use crate::model::{Dialect, Policy, TemplateValues, is_statement_key};
use crate::parse::{self, Arena};
use policy::AccessPolicy;
use std::path::PathBuf;

/// One policy document, with where it comes from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as reported (as given, or as found under a given folder).
    pub path: String,
    /// Its place among the policy documents of its file, from 1: a template may hold
    /// several, and `diff` compares the documents of two versions of a file by it.
    pub number: usize,
    /// The text of the whole file: the document's spans are the host's.
    pub text: String,
    pub policy: AccessPolicy,
}

impl Document {
    fn numbered(self, number: usize) -> Self {
        Document { number, ..self }
    }

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

/// The policy documents in the text of one file, read through the host layer as the
/// linter reads them (a policy file, or the policies inside a JSON or YAML template; a
/// file may hold several). Their spans are the host's, so that lines and diagnostics
/// point into the file. A text that holds no policy is an error if it looks like one
/// (a JSON text that does not parse but mentions `"Statement"`, a broken YAML file that
/// mentions `Statement`) or was asked for by name (`explicit`), and otherwise holds none.
pub fn documents_in_text(
    path: &str,
    text: &str,
    dialect: Option<Dialect>,
    hosts: &HostSwitches,
    explicit: bool,
) -> Result<Vec<Document>, Unreadable> {
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let kind = match hosts.host_for(file_name, text) {
        Some(kind) => kind,
        None if explicit => HostKind::Json,
        None => return Ok(Vec::new()),
    };
    let unreadable = |offset: usize, message: &str| {
        let position = crate::source::LineIndex::new(text).position(text, offset);
        Unreadable {
            path: path.to_string(),
            message: format!("{}:{}: {message}", position.line, position.column),
        }
    };
    let mentions_statement = text.to_ascii_lowercase().contains("statement");
    let mut whole_error = None;
    if let Some(whole) = hosts::whole_document(kind, text) {
        match read_document(path, text, &whole, dialect) {
            Ok(Some(document)) => return Ok(vec![document.numbered(1)]),
            Ok(None) => {}
            Err(error) => whole_error = Some((whole.map.map_span(error.span).start, error.message)),
        }
    }
    let extracted = match hosts::extract_documents(kind, text) {
        Ok(extracted) => extracted,
        Err(error) if explicit || mentions_statement => {
            return Err(unreadable(error.span.start, &error.message));
        }
        Err(_) => return Ok(Vec::new()),
    };
    let mut documents = Vec::new();
    for extracted in &extracted {
        // A string that only looked encoded (no `Statement` once decoded) is not one.
        if let Ok(Some(document)) = read_document(path, text, extracted, dialect) {
            documents.push(document.numbered(documents.len() + 1));
        }
    }
    if documents.is_empty() {
        if let Some((offset, message)) = whole_error.filter(|_| explicit || mentions_statement) {
            return Err(unreadable(offset, &message));
        }
        if explicit {
            return Err(Unreadable {
                path: path.to_string(),
                message: "not a policy (no top-level `Statement`, and none inside)".to_string(),
            });
        }
    }
    Ok(documents)
}

/// One host document as the engine reads it, with its spans moved into the host text;
/// `None` when its text is not a policy (no top-level `Statement`).
fn read_document(
    path: &str,
    host_text: &str,
    document: &hosts::Document,
    dialect: Option<Dialect>,
) -> Result<Option<Document>, parse::SyntaxError> {
    let arena = Arena::new();
    let tree = parse::parse(&document.text, &arena)?;
    let is_policy = tree
        .root
        .as_object()
        .is_some_and(|members| members.iter().any(|m| is_statement_key(m.key)));
    let hints = document.hints;
    let templates = TemplateValues::find(
        &document.text,
        &tree.root,
        &document.masked,
        hints.interpolated,
        &arena,
    );
    let Some(mut model) =
        Policy::from_host(&tree.root, &arena, hints, templates).filter(|_| is_policy)
    else {
        return Ok(None);
    };
    // The config's dialect beats detection; a host that knows its dialect beats both.
    if let (Some(dialect), None) = (dialect, hints.dialect) {
        model.dialect = dialect;
    }
    let mut policy = AccessPolicy::from_model(&model);
    policy.map_spans(|span| document.map.map_span(span));
    Ok(Some(Document {
        path: path.to_string(),
        number: 0,
        text: host_text.to_string(),
        policy,
    }))
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
            &settings.hosts,
            candidate.explicit,
        ) {
            Ok(found) => documents.extend(found),
            Err(unreadable) => return Ok(Err(unreadable)),
        }
    }
    Ok(Ok(documents))
}
