//! Reads and lints many files in parallel; results come back sorted by path whatever the
//! thread count.

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::discover::Candidate;
use crate::engine::{JSON_SYNTAX, lint_text, lint_texts};
use crate::fix::write::write_atomically;
use crate::fix::{FixMode, fix_text_keeping};
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
}

impl FileReport {
    /// The report of a text that was linted, with what was found in it.
    fn linted(path: String, text: String, diagnostics: Vec<Diagnostic>) -> Self {
        FileReport {
            path,
            text: Some(text),
            diagnostics,
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
        if !pending.takes(settings, text.len()) {
            pending.lint(batch, &mut outcomes, fix, &then);
        }
        pending.push(settings, index, text);
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
    /// (index in the batch, text)
    texts: Vec<(usize, String)>,
}

impl<'s> Pending<'s> {
    /// Whether a text of `length` bytes linted with `settings` can join the batch.
    fn takes(&self, settings: &Settings, length: usize) -> bool {
        self.texts.is_empty()
            || (self.settings.is_some_and(|s| std::ptr::eq(s, settings))
                && self.bytes() + length <= LINT_BATCH_BYTES)
    }

    fn bytes(&self) -> usize {
        self.texts.iter().map(|(_, text)| text.len()).sum()
    }

    fn push(&mut self, settings: &'s Settings, index: usize, text: String) {
        self.settings = Some(settings);
        self.texts.push((index, text));
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
        let texts: Vec<&str> = self.texts.iter().map(|(_, text)| text.as_str()).collect();
        let results = lint_texts(&settings.rules, &texts);
        for ((index, text), result) in self.texts.drain(..).zip(results) {
            let candidate = batch[index].0;
            let report = FileReport::linted(candidate.display.clone(), text, result.diagnostics);
            outcomes[index] = Some(then(finish(
                settings,
                candidate,
                report,
                result.is_policy,
                fix,
            )));
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
    settle(
        settings,
        &mut report,
        &candidate.absolute,
        fix,
        Some(&candidate.path),
    );
    // Reports only need their text to place diagnostics: dropping it for clean files keeps
    // memory flat however many files a run lints.
    if report.diagnostics.is_empty() {
        report.text = None;
    }
    Outcome::Linted(report)
}

/// What every linted report goes through, from a file or standard input: the per-file
/// ignores of its settings, the fixes asked for (written to `write_to`, if any), and its
/// `fail-on`. `absolute` is the path the settings' globs are matched against, made
/// absolute by `std::path::absolute`.
pub fn settle(
    settings: &Settings,
    report: &mut FileReport,
    absolute: &Path,
    fix: Option<FixRequest>,
    write_to: Option<&Path>,
) {
    settings.apply_per_file_ignores(absolute, &mut report.diagnostics);
    if let Some(request) = fix {
        let keep = |d: &Diagnostic| settings.keeps(absolute, d);
        fix_report(&settings.rules, report, request, write_to, &keep);
    }
    report.fail_on = Some(settings.fail_on);
}

/// Applies the fixes `request` allows to a linted file: the report then describes the
/// fixed text. `path` is where to write (`None` for standard input). On any failure the
/// file is left exactly as it was and the report says why.
pub fn fix_report(
    rules: &RuleSet,
    report: &mut FileReport,
    request: FixRequest,
    path: Option<&Path>,
    keep: &dyn Fn(&Diagnostic) -> bool,
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
    let outcome = fix_text_keeping(
        rules,
        &original,
        std::mem::take(&mut report.diagnostics),
        request.mode,
        keep,
    );
    report.diagnostics = outcome.diagnostics;
    if let Some(reason) = outcome.refused {
        report.diagnostics.push(whole_file_error(
            &INTERNAL_ERROR,
            format!(
                "fixes not applied: {reason}; the file was left untouched (please report this)"
            ),
        ));
    }
    if outcome.text == original {
        report.text = Some(original);
        return;
    }
    match (request.action, path) {
        (FixAction::Write, Some(path)) => {
            if let Err(message) = write_atomically(path, &outcome.text) {
                report.diagnostics = lint_text(rules, &original).diagnostics;
                report.diagnostics.retain(|d| keep(d));
                report
                    .diagnostics
                    .push(whole_file_error(&IO_ERROR, message));
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
    report.text = Some(outcome.text);
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

/// Lints raw bytes: text that is not UTF-8 is a `json-syntax` error at the first bad byte.
pub fn lint_bytes(rules: &RuleSet, path: String, bytes: Vec<u8>) -> (FileReport, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let result = lint_text(rules, &text);
            (
                FileReport::linted(path, text, result.diagnostics),
                result.is_policy,
            )
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
        pending.push(&first, 0, "{}".repeat(1000));
        assert!(pending.takes(&first, 1000));
        // Other settings (another folder's config) wait for a batch of their own.
        assert!(!pending.takes(&second, 1000));
        // So does text that would take the batch past its size.
        assert!(!pending.takes(&first, LINT_BATCH_BYTES));
        pending.push(&first, 1, "{}".repeat(1000));
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
