//! Where a report is written, and what became of the writing: a report that could not be
//! written (a full disk, `> /dev/full`) fails the run with exit code 2 and a message on
//! standard error, rather than passing as a run with nothing to report; a reader that went
//! away (`policylint | head -1`) ends the writing quietly, as it does for other tools.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

pub struct Sink<W: Write> {
    writer: W,
    /// The reader closed the pipe: nothing more is written, and that is no error.
    closed: bool,
    /// The first error that was not a closed pipe.
    failed: Option<std::io::Error>,
}

impl Sink<std::io::Stdout> {
    pub fn stdout() -> Self {
        Sink::new(std::io::stdout())
    }
}

impl<W: Write> Sink<W> {
    pub fn new(writer: W) -> Self {
        Sink {
            writer,
            closed: false,
            failed: None,
        }
    }

    /// Writes `bytes`, unless an earlier write failed or the reader is gone.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.closed || self.failed.is_some() {
            return;
        }
        let written = self.writer.write_all(bytes);
        self.note(written);
    }

    pub fn flush(&mut self) {
        if self.closed || self.failed.is_some() {
            return;
        }
        let flushed = self.writer.flush();
        self.note(flushed);
    }

    fn note(&mut self, result: std::io::Result<()>) {
        match result {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::BrokenPipe => self.closed = true,
            Err(error) => self.failed = Some(error),
        }
    }

    /// Flushes, and returns `code`, or 2 after saying on standard error why the report
    /// could not be written.
    pub fn finish(mut self, code: ExitCode) -> ExitCode {
        self.flush();
        match self.failed {
            None => code,
            Some(error) => {
                say(&format!(
                    "policylint: error: cannot write the report to standard output: {error}\n"
                ));
                ExitCode::from(2)
            }
        }
    }
}

/// For writers that take a `Write` (a `BufWriter` over the sink): a failed write is noted
/// for `finish`, never returned, so the writer goes on as `write` does.
impl<W: Write> Write for Sink<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        Sink::write(self, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Sink::flush(self);
        Ok(())
    }
}

/// Writes `text` to standard error, whatever becomes of it: there is nowhere left to say
/// that standard error failed (`eprintln!` would panic).
pub fn say(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes `room` bytes, then fails with `error`.
    struct Filling {
        room: usize,
        error: ErrorKind,
        taken: Vec<u8>,
    }

    impl Write for Filling {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(self.error.into());
            }
            let n = bytes.len().min(self.room);
            self.room -= n;
            self.taken.extend_from_slice(&bytes[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn sink(room: usize, error: ErrorKind) -> Sink<Filling> {
        Sink::new(Filling {
            room,
            error,
            taken: Vec::new(),
        })
    }

    #[test]
    fn a_failed_write_fails_the_run_and_writes_nothing_more() {
        let mut full = sink(3, ErrorKind::StorageFull);
        full.write(b"abcdef");
        full.write(b"gh");
        assert_eq!(full.writer.taken, b"abc");
        assert_eq!(full.finish(ExitCode::SUCCESS), ExitCode::from(2));
    }

    #[test]
    fn a_closed_pipe_ends_the_writing_quietly() {
        let mut pipe = sink(2, ErrorKind::BrokenPipe);
        pipe.write(b"abc");
        pipe.write(b"d");
        assert!(pipe.closed && pipe.failed.is_none());
        assert_eq!(pipe.finish(ExitCode::from(1)), ExitCode::from(1));
        let mut fine = sink(10, ErrorKind::StorageFull);
        fine.write(b"abc");
        assert_eq!(fine.finish(ExitCode::SUCCESS), ExitCode::SUCCESS);
    }
}
