//! The file loop: candidates shared among threads in batches of a few files, each file
//! read, given to its host and linted with the others of its batch that share its
//! settings, then settled.

use super::read::read_regular_file;
use super::{FileReport, FixRequest, Outcome, file_name, io_error, not_utf8, settle};
use crate::config::Settings;
use crate::discover::Candidate;
use crate::fix::write::Destination;
use crate::hosts::{self, HostFile, HostKind};
use rayon::prelude::*;
use std::sync::Arc;

/// The most files one parallel task lints together (rule by rule across them, see
/// `engine::lint_texts`): enough that each check's code stays warm from file to file.
const LINT_BATCH: usize = 16;

/// The most text a batch gathers before it is linted: the trees of a batch's files are
/// all in memory at once, and a file larger than this is linted on its own.
const LINT_BATCH_BYTES: usize = 256 * 1024;

/// How many files each parallel task lints together when `files` files are shared among
/// `threads` threads: `LINT_BATCH`, unless that would leave fewer than about four tasks
/// a thread to balance the load with (a run of a few files on many cores).
pub fn batch_size(files: usize, threads: usize) -> usize {
    (files / (threads.max(1) * 4)).clamp(1, LINT_BATCH)
}

pub fn lint_candidates(
    candidates: &[(Candidate, Arc<Settings>)],
    fix: Option<FixRequest>,
) -> Vec<Outcome> {
    candidates
        .par_chunks(batch_size(candidates.len(), rayon::current_num_threads()))
        .flat_map_iter(|batch| {
            let batch: Vec<(&Candidate, &Settings)> = batch
                .iter()
                .map(|(candidate, settings)| (candidate, &**settings))
                .collect();
            lint_batch(&batch, fix, |outcome| outcome)
        })
        .collect()
}

/// Reads, lints and settles a few files (see `batch_size`), and passes each outcome
/// through `then` as soon as it is known (a report holds its file's text: rendered at
/// once, the text is let go before the rest of the batch is read). The results come in
/// the order of `batch`. Files that share settings are linted together.
pub fn lint_batch<T>(
    batch: &[(&Candidate, &Settings)],
    fix: Option<FixRequest>,
    then: impl Fn(Outcome) -> T,
) -> Vec<T> {
    let mut outcomes: Vec<Option<T>> = batch.iter().map(|_| None).collect();
    let mut pending = Pending::default();
    for (index, &(candidate, settings)) in batch.iter().enumerate() {
        let bytes = match read_regular_file(&candidate.path, !candidate.explicit) {
            Ok(bytes) => bytes,
            Err(message) => {
                outcomes[index] = Some(then(Outcome::Linted(io_error(
                    candidate.display.clone(),
                    message,
                ))));
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let report = not_utf8(&settings.rules, candidate.display.clone(), error);
                outcomes[index] = Some(then(finish(settings, candidate, report, true, fix)));
                continue;
            }
        };
        let kind = match settings.hosts.host_for(file_name(&candidate.path), &text) {
            Some(kind) => kind,
            None if candidate.explicit => HostKind::Json,
            None => {
                outcomes[index] = Some(then(Outcome::NotAPolicy(candidate.display.clone())));
                continue;
            }
        };
        if !pending.takes(settings, text.len()) {
            pending.lint(batch, &mut outcomes, fix, &then);
        }
        pending.push(settings, index, text, kind);
    }
    pending.lint(batch, &mut outcomes, fix, &then);
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every file of a batch has an outcome"))
        .collect()
}

/// The texts of a batch waiting to be linted together: all with the same settings.
#[derive(Default)]
struct Pending<'s> {
    settings: Option<&'s Settings>,
    /// (index in the batch, text, the host that reads it)
    texts: Vec<(usize, String, HostKind)>,
}

impl<'s> Pending<'s> {
    /// Whether a text of `length` bytes linted with `settings` can join the batch.
    fn takes(&self, settings: &Settings, length: usize) -> bool {
        self.texts.is_empty()
            || (self.settings.is_some_and(|s| std::ptr::eq(s, settings))
                && self.bytes() + length <= LINT_BATCH_BYTES)
    }

    fn bytes(&self) -> usize {
        self.texts.iter().map(|(_, text, _)| text.len()).sum()
    }

    fn push(&mut self, settings: &'s Settings, index: usize, text: String, kind: HostKind) {
        self.settings = Some(settings);
        self.texts.push((index, text, kind));
    }

    /// Lints the texts waiting and settles their files; the batch is empty after.
    fn lint<T>(
        &mut self,
        batch: &[(&Candidate, &Settings)],
        outcomes: &mut [Option<T>],
        fix: Option<FixRequest>,
        then: impl Fn(Outcome) -> T,
    ) {
        let Some(settings) = self.settings.take() else {
            return;
        };
        let files: Vec<HostFile> = self
            .texts
            .iter()
            .map(|(index, text, kind)| HostFile {
                kind: *kind,
                text,
                explicit: batch[*index].0.explicit,
            })
            .collect();
        let results = hosts::lint_files(&settings.rules, &files);
        for ((index, text, kind), result) in self.texts.drain(..).zip(results) {
            let candidate = batch[index].0;
            let is_policy = result.is_policy;
            let report = FileReport::linted(candidate.display.clone(), text, kind, result);
            outcomes[index] = Some(then(finish(settings, candidate, report, is_policy, fix)));
        }
    }
}

/// Settles one linted file, unless a walk found it and it is not a policy.
fn finish(
    settings: &Settings,
    candidate: &Candidate,
    mut report: FileReport,
    is_policy: bool,
    fix: Option<FixRequest>,
) -> Outcome {
    if !(is_policy || candidate.explicit) {
        return Outcome::NotAPolicy(candidate.display.clone());
    }
    let destination = Destination {
        path: &candidate.path,
        walk_root: candidate.walk_root.as_deref(),
    };
    settle(
        settings,
        &mut report,
        &candidate.absolute,
        fix,
        Some(destination),
    );
    // Reports only need their text to place diagnostics: dropping it for clean files keeps
    // memory flat however many files a run lints.
    if report.diagnostics.is_empty() {
        report.text = None;
    }
    Outcome::Linted(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;

    #[test]
    fn a_batch_holds_texts_of_one_settings_and_a_bounded_size() {
        let first = Settings::defaults(&Overrides::default()).unwrap();
        let second = Settings::defaults(&Overrides::default()).unwrap();
        let mut pending = Pending::default();
        // However large, a text starts a batch.
        assert!(pending.takes(&first, 50 << 20));
        pending.push(&first, 0, "{}".repeat(1000), HostKind::Json);
        assert!(pending.takes(&first, 1000));
        // Other settings (another folder's config) wait for a batch of their own.
        assert!(!pending.takes(&second, 1000));
        // So does text that would take the batch past its size.
        assert!(!pending.takes(&first, LINT_BATCH_BYTES));
        pending.push(&first, 1, "{}".repeat(1000), HostKind::Json);
        assert_eq!(pending.bytes(), 4000);
    }
    #[test]
    fn batches_are_full_only_when_every_thread_has_several() {
        assert_eq!(batch_size(2048, 2), LINT_BATCH);
        assert_eq!(batch_size(100, 8), 3);
        assert_eq!(batch_size(5, 2), 1);
        assert_eq!(batch_size(0, 0), 1);
    }
}
