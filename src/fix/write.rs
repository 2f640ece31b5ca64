//! Replacing a file without ever leaving it half-written, or anything else behind: the new
//! text goes to a temporary file in the same folder (an unnamed one where the system has
//! them, so a killed run leaves nothing), is flushed to disk, gets the original's owner,
//! group and permission bits, and is renamed over the original in one step. The folders
//! renamed into are synced once each when the run ends (`sync_renamed_folders`).
//!
//! Some files are not replaced at all, because replacing would change more than the
//! text: one with several hard links (the others would keep the old text), one the user
//! may not write (renaming over it is allowed by the folder, not by the file), and a
//! symlink a folder walk found that leads out of the folder (the run was not asked about
//! what it points to).

use std::collections::BTreeSet;
use std::fs::{File, Metadata};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a fix is written.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The file as found (it may be a symlink).
    pub path: &'a Path,
    /// For a file a folder walk found: the folder walked, symlinks resolved. A symlink is
    /// then written through only to a target inside it.
    pub walk_root: Option<&'a Path>,
}

/// Why a fix was not written; the file is left as it was either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotWritten {
    /// Replacing the file would change more than its text: a note, not a failure.
    Declined(String),
    /// The system would not let it be written.
    Failed(String),
}

/// Writes `text` over the file at `destination`. A symlink is followed and its target
/// rewritten, so the link itself stays a link.
pub fn write_atomically(destination: Destination, text: &str) -> Result<(), NotWritten> {
    let failed = |message: String| NotWritten::Failed(message);
    let target = resolve_symlinks(destination)?;
    let metadata = std::fs::metadata(&target).map_err(|e| failed(format!("cannot fix: {e}")))?;
    refuse_to_split_hard_links(&metadata)?;
    if metadata.permissions().readonly() {
        // Even where the system would allow it (root), writing over a file nobody may
        // write overrides its owner's choice.
        return Err(failed(
            "cannot fix: the file is read-only; nothing was written".into(),
        ));
    }
    check_writable(&target)?;
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temporary = Temporary::create(&folder).map_err(|e| {
        failed(format!(
            "cannot fix: cannot create a file in {}: {e}; nothing was written",
            folder.display()
        ))
    })?;
    let written = temporary
        .file()
        .write_all(text.as_bytes())
        .and_then(|()| keep_owner_and_permissions(temporary.file(), &metadata))
        .and_then(|()| temporary.file().sync_all());
    if let Err(e) = written {
        return Err(failed(format!(
            "cannot fix: writing the new text failed: {e}; nothing was written"
        )));
    }
    temporary.replace(&target).map_err(|e| {
        failed(format!(
            "cannot fix: cannot replace the file: {e}; nothing was written"
        ))
    })?;
    // The rename is durable once the folder's entry is on disk too: synced once per folder
    // at the end of the run (`sync_renamed_folders`), not once per file.
    RENAMED_IN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(folder);
    Ok(())
}

/// Folders in which `write_atomically` renamed a file since the last
/// `sync_renamed_folders`.
static RENAMED_IN: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Syncs to disk, once each, the folders files were renamed into, so that the renames
/// are durable: every run that writes calls it before it exits. (Each new text was synced
/// before its rename, so a file is whole, old or new, whatever happens before.)
pub fn sync_renamed_folders() {
    let folders = std::mem::take(
        &mut *RENAMED_IN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    for folder in folders {
        if let Ok(folder) = File::open(&folder) {
            let _ = folder.sync_all();
        }
    }
}

fn resolve_symlinks(destination: Destination) -> Result<PathBuf, NotWritten> {
    let path = destination.path;
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    let target = std::fs::canonicalize(path)
        .map_err(|e| NotWritten::Failed(format!("cannot fix: cannot follow the link: {e}")))?;
    match destination.walk_root {
        Some(root) if !target.starts_with(root) => Err(NotWritten::Declined(format!(
            "fix not written: this is a symbolic link to {}, outside the folder being checked; \
             name the link on the command line to fix what it points to",
            target.display()
        ))),
        _ => Ok(target),
    }
}

#[cfg(unix)]
fn refuse_to_split_hard_links(metadata: &Metadata) -> Result<(), NotWritten> {
    use std::os::unix::fs::MetadataExt;
    match metadata.nlink() {
        links @ 2.. => Err(NotWritten::Declined(format!(
            "fix not written: the file has {links} hard links, and a replaced file would no \
             longer share its text with the others; apply the fix by hand (`--diff` shows it)"
        ))),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn refuse_to_split_hard_links(_: &Metadata) -> Result<(), NotWritten> {
    Ok(())
}

/// Asks the system whether this user may write the file (mode bits, ACLs, a read-only
/// mount): the folder allows the rename whatever the file says.
#[cfg(unix)]
fn check_writable(path: &Path) -> Result<(), NotWritten> {
    // Plain `access` (the real ids, which are the effective ones: policylint is not
    // setuid): `AT_EACCESS` needs `faccessat2`, which older container seccomp profiles
    // refuse with EPERM.
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).map_err(|e| {
        NotWritten::Failed(format!(
            "cannot fix: you may not write this file ({}); nothing was written",
            std::io::Error::from(e)
        ))
    })
}

#[cfg(not(unix))]
fn check_writable(_: &Path) -> Result<(), NotWritten> {
    Ok(())
}

/// Gives the new file the original's owner and group (when they differ from the new
/// file's: only root may give a file away, and a user may only pick a group of their
/// own), then its permission bits.
#[cfg(unix)]
fn keep_owner_and_permissions(file: &File, original: &Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (original.uid(), original.gid()) {
        std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid())).map_err(
            |e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot give the new file the original's owner {} and group {} ({e})",
                        original.uid(),
                        original.gid()
                    ),
                )
            },
        )?;
    }
    file.set_permissions(original.permissions())
}

#[cfg(not(unix))]
fn keep_owner_and_permissions(file: &File, original: &Metadata) -> std::io::Result<()> {
    file.set_permissions(original.permissions())
}

/// The temporary file the new text is written to.
enum Temporary {
    /// Linux's `O_TMPFILE`: no name until it is linked in, a moment before the rename.
    #[cfg(target_os = "linux")]
    Unnamed { file: File, folder: PathBuf },
    /// Elsewhere (or on a file system without `O_TMPFILE`), a named file that is deleted
    /// unless persisted; a killed run can leave it behind.
    Named(tempfile::NamedTempFile),
}

const TEMPORARY_PREFIX: &str = ".policylint-fix-";

impl Temporary {
    fn create(folder: &Path) -> std::io::Result<Temporary> {
        // The unnamed file is linked in through `/proc/self/fd`: without `/proc` (some
        // chroots), a named one.
        #[cfg(target_os = "linux")]
        if Path::new("/proc/self/fd").is_dir() {
            use std::os::unix::fs::OpenOptionsExt;
            let unnamed = std::fs::OpenOptions::new()
                .write(true)
                .mode(0o600)
                .custom_flags(rustix::fs::OFlags::TMPFILE.bits() as i32)
                .open(folder);
            if let Ok(file) = unnamed {
                return Ok(Temporary::Unnamed {
                    file,
                    folder: folder.to_path_buf(),
                });
            }
        }
        tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .tempfile_in(folder)
            .map(Temporary::Named)
    }

    fn file(&mut self) -> &mut File {
        match self {
            #[cfg(target_os = "linux")]
            Temporary::Unnamed { file, .. } => file,
            Temporary::Named(named) => named.as_file_mut(),
        }
    }

    /// Puts the file in the place of `target`, in one rename.
    fn replace(self, target: &Path) -> std::io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Temporary::Unnamed { file, folder } => {
                let name = link_unnamed(&file, &folder)?;
                std::fs::rename(&name, target).inspect_err(|_| {
                    let _ = std::fs::remove_file(&name);
                })
            }
            Temporary::Named(named) => named.persist(target).map(drop).map_err(|e| e.error),
        }
    }
}

/// Gives an `O_TMPFILE` file a name in `folder` (through `/proc/self/fd`, the one way an
/// unprivileged process can link it), trying fresh names until one is free.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, folder: &Path) -> std::io::Result<PathBuf> {
    use rustix::fs::{AtFlags, CWD, linkat};
    use std::os::fd::AsRawFd;
    let source = format!("/proc/self/fd/{}", file.as_raw_fd());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let name = folder.join(format!(
            "{TEMPORARY_PREFIX}{}-{:08x}",
            std::process::id(),
            seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9))
        ));
        match linkat(CWD, &source, CWD, &name, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) => return Ok(name),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary name",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anywhere(path: &Path) -> Destination<'_> {
        Destination {
            path,
            walk_root: None,
        }
    }

    #[test]
    fn replaces_the_text_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.json");
        std::fs::write(&file, "old").unwrap();
        write_atomically(anywhere(&file), "new").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A folder a file was renamed into waits for the end of the run's sync, once
    /// however many files it holds. (Only this test syncs: the others only add folders.)
    #[test]
    fn folders_renamed_into_are_synced_once_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.json", "b.json"] {
            let file = dir.path().join(name);
            std::fs::write(&file, "old").unwrap();
            write_atomically(anywhere(&file), "new").unwrap();
        }
        let pending = |folder: &Path| RENAMED_IN.lock().unwrap().contains(folder);
        assert!(pending(dir.path()));
        sync_renamed_folders();
        assert!(!pending(dir.path()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_temporary_file_has_no_name_until_it_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut temporary = Temporary::create(dir.path()).unwrap();
        assert!(
            matches!(temporary, Temporary::Unnamed { .. }),
            "this file system has O_TMPFILE"
        );
        temporary.file().write_all(b"new").unwrap();
        // Written, not yet in place: a run killed now leaves the folder as it was.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let target = dir.path().join("p.json");
        std::fs::write(&target, "old").unwrap();
        temporary.replace(&target).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
