//! Replacing a file without ever leaving it half-written: the new text goes to a temporary
//! file in the same folder, is flushed to disk, gets the original's permission bits, and is
//! renamed over the original in one step.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` over the file at `path`. A symlink is followed and its target rewritten, so
/// the link itself stays a link. A read-only file is refused rather than replaced: renaming
/// over it would succeed, silently overriding the owner's choice.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let target = resolve_symlinks(path)?;
    let metadata = std::fs::metadata(&target).map_err(|e| format!("cannot fix: {e}"))?;
    if metadata.permissions().readonly() {
        return Err("cannot fix: the file is read-only; nothing was written".into());
    }
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".policylint-fix-")
        .tempfile_in(&folder)
        .map_err(|e| {
            format!(
                "cannot fix: cannot create a file in {}: {e}; nothing was written",
                folder.display()
            )
        })?;
    let written = temporary
        .write_all(text.as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .and_then(|()| std::fs::set_permissions(temporary.path(), metadata.permissions()));
    if let Err(e) = written {
        return Err(format!(
            "cannot fix: writing the new text failed: {e}; nothing was written"
        ));
    }
    temporary.persist(&target).map_err(|e| {
        format!(
            "cannot fix: cannot replace the file: {}; nothing was written",
            e.error
        )
    })?;
    Ok(())
}

fn resolve_symlinks(path: &Path) -> Result<PathBuf, String> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        std::fs::canonicalize(path).map_err(|e| format!("cannot fix: cannot follow the link: {e}"))
    } else {
        Ok(path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_text_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.json");
        std::fs::write(&file, "old").unwrap();
        write_atomically(&file, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
