//! Reading a file without waiting on what is not a regular file (a FIFO, a device), into
//! a buffer each thread keeps.

use std::io::Read;

/// Reads a regular file. A path named on the command line is looked at before it is
/// opened, since opening some devices acts on them (a tape rewinds, a watchdog starts). A
/// file a walk found is opened at once (asking first was a tenth of the kernel's time per
/// file), without waiting: it may have been replaced by a FIFO since, and opening a FIFO
/// waits for a writer. What was opened is checked on its descriptor (one `fstat`) before a
/// byte is read, so a FIFO or a device is reported rather than waited on or read forever.
pub(super) fn read_regular_file(
    path: &std::path::Path,
    found_by_walk: bool,
) -> Result<Vec<u8>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
}
