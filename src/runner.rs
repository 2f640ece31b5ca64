//! Reads and lints many files in parallel; results come back sorted by path whatever the
//! thread count.

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::discover::Candidate;
use crate::engine::JSON_SYNTAX;
use crate::fix::write::{Destination, NotWritten, write_atomically};
use crate::fix::{FixMode, fix_text_ignoring};
use crate::hosts::{self, DocumentInfo, HostFile, HostKind, HostSwitches};
use crate::rules::RuleSet;
use crate::source::Span;
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, LazyLock};

/// The linted text of one file and what was found in it.
#[derive(Debug, Default)]
pub struct FileReport {
    pub path: String,
    /// The text the spans refer to (lossily decoded if it was not UTF-8), if it was read.
    /// After fixing, the fixed text.
    pub text: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Problems fixed (or, with `--diff`, that would be).
    pub fixed: usize,
    /// With `--diff`: the unified diff of what fixing would change.
    pub diff: Option<String>,
    /// The lowest severity that fails the run for this file (its config's `fail-on`).
    pub fail_on: Option<Severity>,
    /// The host that read the file.
    pub host: HostKind,
    /// The policy documents found in it (one for a policy file), in `text`'s coordinates.
    pub documents: Vec<DocumentInfo>,
}

impl FileReport {
    /// The report of a text that was linted as `host`, with what was found in it.
    fn linted(path: String, text: String, host: HostKind, result: hosts::HostLint) -> Self {
        FileReport {
            path,
            text: Some(text),
            diagnostics: result.diagnostics,
            host,
            documents: result.documents,
            ..FileReport::default()
        }
    }
}

/// What to do with fixes, when asked to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixRequest {
    pub mode: FixMode,
    pub action: FixAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAction {
    /// `--fix`: replace the file.
    Write,
    /// `--diff`: show what would change, write nothing.
    Diff,
    /// Standard input: the caller prints the fixed text.
    Return,
}

/// What happened to one candidate.
pub enum Outcome {
    Linted(FileReport),
    /// Found in a walk, but not a policy: skipped silently.
    NotAPolicy(String),
}

/// Problems that are not about the policy (PL000 is not a rule: it cannot be selected
/// or ignored).
pub static IO_ERROR: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "io-error".into(),
        category: "io".into(),
    })
});

pub static INTERNAL_ERROR: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "internal-error".into(),
        category: "internal".into(),
    })
});

/// A fix that was not applied or not written although it was asked for: a note about the
/// run, not a problem in the policy (whose findings are still reported).
pub static FIX_NOT_APPLIED: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "fix-not-applied".into(),
        category: "fix".into(),
    })
});

pub fn io_error(path: String, message: String) -> FileReport {
    FileReport {
        path,
        diagnostics: vec![whole_file_error(&IO_ERROR, message)],
        ..FileReport::default()
    }
}

fn whole_file_error(rule: &Arc<RuleId>, message: String) -> Diagnostic {
    Diagnostic::from_finding(
        rule.clone(),
        Severity::Error,
        Finding::new(Span::default(), message),
    )
}

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

/// The name of a file, as hosts pick files by it.
fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
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

/// What every linted report goes through, from a file or standard input: the ignores of
/// its settings (`[[per-file-ignores]]`, `[[ignore]]`), the fixes asked for (written to
/// `write_to`, if any), and its `fail-on`. `absolute` is the path the settings' globs are
/// matched against, made absolute by `std::path::absolute`.
pub fn settle(
    settings: &Settings,
    report: &mut FileReport,
    absolute: &Path,
    fix: Option<FixRequest>,
    write_to: Option<Destination>,
) {
    settings.apply_ignores(
        absolute,
        report.text.as_deref(),
        &mut report.diagnostics,
        true,
    );
    if let Some(request) = fix {
        let drop_ignored = |text: &str, diagnostics: &mut Vec<Diagnostic>| {
            settings.apply_ignores(absolute, Some(text), diagnostics, false)
        };
        fix_report(&settings.rules, report, request, write_to, &drop_ignored);
    }
    report.fail_on = Some(settings.fail_on);
}

/// Applies the fixes `request` allows to a linted file: the report then describes the
/// fixed text. `destination` is where to write (`None` for standard input). On any
/// failure the file is left exactly as it was and the report says why.
pub fn fix_report(
    rules: &RuleSet,
    report: &mut FileReport,
    request: FixRequest,
    destination: Option<Destination>,
    drop_ignored: &crate::fix::DropIgnored,
) {
    let fixable = report.diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| request.mode.allows(f.applicability))
    });
    if !fixable {
        return;
    }
    let Some(original) = report.text.take() else {
        return;
    };
    let outcome = fix_text_ignoring(
        rules,
        report.host,
        &original,
        std::mem::take(&mut report.diagnostics),
        request.mode,
        drop_ignored,
    );
    report.diagnostics = outcome.diagnostics;
    if let Some(refused) = outcome.refused {
        let message = if refused.safe_fixes_applied {
            format!(
                "unsafe fixes not applied: {}; the safe fixes were",
                refused.reason
            )
        } else {
            format!("fixes not applied: {}; nothing was changed", refused.reason)
        };
        report.diagnostics.push(note(&FIX_NOT_APPLIED, message));
    }
    if outcome.text == original {
        report.text = Some(original);
        return;
    }
    match (request.action, destination) {
        (FixAction::Write, Some(destination)) => {
            if let Err(not_written) = write_atomically(destination, &outcome.text) {
                report.diagnostics = hosts::lint_file(rules, report.host, &original).diagnostics;
                drop_ignored(&original, &mut report.diagnostics);
                report.diagnostics.push(match not_written {
                    NotWritten::Declined(message) => note(&FIX_NOT_APPLIED, message),
                    NotWritten::Failed(message) => whole_file_error(&IO_ERROR, message),
                });
                report.text = Some(original);
                return;
            }
        }
        (FixAction::Diff, _) => {
            report.diff = Some(unified_diff(&report.path, &original, &outcome.text));
        }
        _ => {}
    }
    report.fixed = outcome.fixed;
    // The documents, as the fixed text holds them (the fix engine's last lint was of it).
    report.documents = match outcome.documents {
        Some(documents) => documents,
        None => hosts::lint_file(rules, report.host, &outcome.text).documents,
    };
    report.text = Some(outcome.text);
}

/// A note about the whole file, at its start: information, which fails no run.
fn note(rule: &Arc<RuleId>, message: String) -> Diagnostic {
    Diagnostic::from_finding(
        rule.clone(),
        Severity::Info,
        Finding::new(Span::default(), message),
    )
}

/// The `unused-ignore` findings of a run: for each config, the `[[ignore]]` entries that
/// silenced nothing although the run saw every file they cover (see
/// `IgnoreEntries::unused`; `walked`: the folders the run walked, absolute). Each is a
/// report on the config file, at the entry's header.
pub fn unused_ignore_reports(
    configs: &[Arc<Settings>],
    walked: &[std::path::PathBuf],
) -> Vec<FileReport> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut reports = Vec::new();
    for settings in configs {
        let (Some(source), Some(text)) = (&settings.source, &settings.source_text) else {
            continue;
        };
        let Some(rule) = settings.rules.find("unused-ignore") else {
            continue;
        };
        let diagnostics: Vec<Diagnostic> = settings
            .ignores
            .unused(walked, &settings.rules)
            .into_iter()
            .map(|(span, message)| {
                let finding = Finding::new(span, message)
                    .help("delete the entry, or correct its `paths`, `sid` or `pointer`");
                Diagnostic::from_finding(rule.id.clone(), rule.severity, finding)
            })
            .collect();
        if diagnostics.is_empty() {
            continue;
        }
        let absolute = std::path::absolute(source).unwrap_or_else(|_| source.clone());
        let display = absolute
            .strip_prefix(&cwd)
            .unwrap_or(&absolute)
            .display()
            .to_string();
        // A config file, not a host: no documents.
        reports.push(FileReport {
            path: display,
            text: Some(text.clone()),
            diagnostics,
            fail_on: Some(settings.fail_on),
            ..FileReport::default()
        });
    }
    reports
}

fn unified_diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}

/// Reads a regular file. A path named on the command line is looked at before it is
/// opened, since opening some devices acts on them (a tape rewinds, a watchdog starts). A
/// file a walk found is opened at once (asking first was a tenth of the kernel's time per
/// file), without waiting: it may have been replaced by a FIFO since, and opening a FIFO
/// waits for a writer. What was opened is checked on its descriptor (one `fstat`) before a
/// byte is read, so a FIFO or a device is reported rather than waited on or read forever.
fn read_regular_file(path: &std::path::Path, found_by_walk: bool) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read: {e}");
    if !found_by_walk {
        let metadata = std::fs::metadata(path).map_err(cannot)?;
        if metadata.is_dir() {
            return Err(IS_A_DIRECTORY.into());
        }
        if !metadata.is_file() {
            return Err(NOT_A_REGULAR_FILE.into());
        }
    }
    let file = open_regular_file(path)?;
    READ_BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        // Into the thread's buffer, already larger than most policies, rather than a
        // buffer sized by asking the file's length: that stat was a tenth of the kernel's
        // time per file. Through `Take`, `read_to_end` also skips the size probe `File`
        // makes of its own (another stat and a seek).
        let read = read_to_end_blocking(&file, buffer).map_err(cannot);
        if buffer.capacity() <= READ_BUFFER_KEPT_BYTES {
            return read.map(|_| buffer.to_vec());
        }
        // A file too large to keep the buffer for takes it, rather than a copy of it.
        let mut taken = std::mem::replace(buffer, Vec::with_capacity(READ_BUFFER_BYTES));
        taken.shrink_to_fit();
        read.map(|_| taken)
    })
}

const IS_A_DIRECTORY: &str = "cannot read: it is a directory";
const NOT_A_REGULAR_FILE: &str = "cannot read: not a regular file";

/// Opens `path` for reading without waiting (see `read_regular_file`), and checks that it
/// is a regular file.
#[cfg(unix)]
fn open_regular_file(path: &std::path::Path) -> Result<std::fs::File, String> {
    use rustix::fs::{FileType, OFlags};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        // No terminal the file might be becomes the process's controlling one.
        .custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    let stat = rustix::fs::fstat(&file).map_err(|e| format!("cannot read: {e}"))?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::RegularFile => Ok(file),
        FileType::Directory => Err(IS_A_DIRECTORY.into()),
        _ => Err(NOT_A_REGULAR_FILE.into()),
    }
}

#[cfg(not(unix))]
fn open_regular_file(path: &std::path::Path) -> Result<std::fs::File, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let metadata = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if metadata.is_dir() {
        return Err(IS_A_DIRECTORY.into());
    }
    if !metadata.is_file() {
        return Err(NOT_A_REGULAR_FILE.into());
    }
    Ok(file)
}

/// Reads the rest of `file` into `buffer`. Linux and macOS ignore `O_NONBLOCK` on regular
/// files, so the flag it was opened with is cleared (a system call per file) only if a
/// read says it would block, as a network or FUSE file system might.
fn read_to_end_blocking(file: &std::fs::File, buffer: &mut Vec<u8>) -> std::io::Result<usize> {
    match file.take(u64::MAX).read_to_end(buffer) {
        #[cfg(unix)]
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
            rustix::fs::fcntl_setfl(file, rustix::fs::OFlags::empty())?;
            file.take(u64::MAX).read_to_end(buffer)
        }
        read => read,
    }
}

/// The first size of a thread's read buffer: room for the largest policy Alibaba Cloud
/// accepts (6,144 characters) several times over.
const READ_BUFFER_BYTES: usize = 64 << 10;

/// A read buffer grown larger than this by one file is let go rather than kept.
const READ_BUFFER_KEPT_BYTES: usize = 1 << 20;

thread_local! {
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(READ_BUFFER_BYTES));
}

/// Lints raw bytes as the file `path` names (its name picks the host, every host on):
/// text that is not UTF-8 is a `json-syntax` error at the first bad byte.
pub fn lint_bytes(rules: &RuleSet, path: String, bytes: Vec<u8>) -> (FileReport, bool) {
    lint_bytes_with(rules, &HostSwitches::default(), path, bytes)
}

/// Like `lint_bytes`, with the hosts `hosts` switches on (a config's `[hosts]`).
pub fn lint_bytes_with(
    rules: &RuleSet,
    hosts: &HostSwitches,
    path: String,
    bytes: Vec<u8>,
) -> (FileReport, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let kind = hosts
                .host_for(file_name(Path::new(&path)), &text)
                .unwrap_or(HostKind::Json);
            let result = hosts::lint_file(rules, kind, &text);
            let is_policy = result.is_policy;
            (FileReport::linted(path, text, kind, result), is_policy)
        }
        Err(error) => (not_utf8(rules, path, error), true),
    }
}

/// The report of a file that is not UTF-8: a `json-syntax` error at the first bad byte.
fn not_utf8(rules: &RuleSet, path: String, error: std::string::FromUtf8Error) -> FileReport {
    let at = error.utf8_error().valid_up_to();
    let bytes = error.into_bytes();
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let message = if utf16 {
        "the file is UTF-16 text; policies are UTF-8 JSON".to_string()
    } else {
        format!("the file is not valid UTF-8 (invalid byte at offset {at})")
    };
    let severity = rules
        .find("json-syntax")
        .map_or(Severity::Error, |r| r.severity);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let end = (at + 1..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(at);
    let finding = Finding::new(Span::new(at, end), message)
        .help("save the file as UTF-8 (most editors offer this under \"encoding\")");
    FileReport {
        path,
        text: Some(text),
        diagnostics: vec![Diagnostic::from_finding(
            JSON_SYNTAX.clone(),
            severity,
            finding,
        )],
        ..FileReport::default()
    }
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
    fn files_larger_and_smaller_than_the_kept_read_buffer_read_whole() {
        let folder = tempfile::tempdir().unwrap();
        let write = |name: &str, length: usize| {
            let bytes: Vec<u8> = (0..length).map(|i| b'a' + (i % 26) as u8).collect();
            let path = folder.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        };
        // Empty, small, past the first buffer (which grows and is kept), past what is kept
        // (the buffer is handed over whole), then small again (from a fresh buffer).
        for length in [0, 300, READ_BUFFER_BYTES + 1, READ_BUFFER_KEPT_BYTES + 1, 5] {
            let (path, bytes) = write(&format!("{length}.json"), length);
            assert_eq!(
                read_regular_file(&path, true).unwrap(),
                bytes,
                "{length} bytes"
            );
        }
        READ_BUFFER.with_borrow(|buffer| assert!(buffer.capacity() <= READ_BUFFER_KEPT_BYTES));
    }

    /// A walk found a regular file, and a FIFO or a device took its place before it was
    /// opened: reported at once, never waited on or read without end.
    #[cfg(unix)]
    #[test]
    fn a_file_replaced_by_a_fifo_or_a_device_after_the_walk_is_not_read() {
        let folder = tempfile::tempdir().unwrap();
        let fifo = folder.path().join("policy.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mkfifo");
        for path in [fifo.as_path(), Path::new("/dev/zero")] {
            let (sender, receiver) = std::sync::mpsc::channel();
            let owned = path.to_path_buf();
            std::thread::spawn(move || sender.send(read_regular_file(&owned, true)));
            let read = receiver
                .recv_timeout(std::time::Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("reading {path:?} did not return"));
            assert_eq!(read, Err(NOT_A_REGULAR_FILE.to_string()), "{path:?}");
        }
        assert_eq!(
            read_regular_file(folder.path(), true),
            Err(IS_A_DIRECTORY.to_string())
        );
    }

    #[test]
    fn batches_are_full_only_when_every_thread_has_several() {
        assert_eq!(batch_size(2048, 2), LINT_BATCH);
        assert_eq!(batch_size(100, 8), 3);
        assert_eq!(batch_size(5, 2), 1);
        assert_eq!(batch_size(0, 0), 1);
    }
}
