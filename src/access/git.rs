//! Earlier versions of files, read from git through the `git` command: which files
//! changed since a ref (`git diff --name-status`, renames paired, untracked files as
//! added) and their text at that ref (one `git cat-file --batch` for all of them).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A file that differs between a ref and the working tree, by repository-relative path
/// (`/`-separated): `old` at the ref, `new` in the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub old: Option<String>,
    pub new: Option<String>,
}

pub struct Repository {
    /// The working tree's top folder.
    pub root: PathBuf,
}

fn git(args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut command = Command::new("git");
    command
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `git`: {e}"))?;
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("piped");
        let input = input.to_vec();
        // Written from a thread: git may fill its output pipe before reading all input.
        std::thread::spawn(move || stdin.write_all(&input));
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("cannot run `git`: {e}"))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "`git {}` failed: {}",
            args.first().copied().unwrap_or_default(),
            message.trim()
        ));
    }
    Ok(output.stdout)
}

impl Repository {
    /// The repository the current folder is in.
    pub fn here() -> Result<Self, String> {
        let out = git(&["rev-parse", "--show-toplevel"], None)?;
        let root = String::from_utf8_lossy(&out).trim().to_string();
        Ok(Repository {
            root: PathBuf::from(root),
        })
    }

    /// Checks that `base` names a commit.
    pub fn verify(&self, base: &str) -> Result<(), String> {
        git(
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{base}^{{commit}}"),
            ],
            None,
        )
        .map(|_| ())
        .map_err(|_| format!("`{base}` is not a commit of this repository"))
    }

    /// The files under `paths` (relative to the current folder) that differ between `base`
    /// and the working tree, untracked files included (as added).
    pub fn changes(&self, base: &str, paths: &[PathBuf]) -> Result<Vec<Change>, String> {
        let specs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let mut args = vec![
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--no-ext-diff",
            base,
            "--",
        ];
        args.extend(specs.iter().map(String::as_str));
        let out = git(&args, None)?;
        let mut fields = out
            .split(|&b| b == 0)
            .map(|f| String::from_utf8_lossy(f).into_owned());
        let mut changes = Vec::new();
        while let Some(status) = fields.next() {
            if status.is_empty() {
                continue;
            }
            let mut path = || fields.next().unwrap_or_default();
            let change = match status.as_bytes()[0] {
                b'A' => Change {
                    old: None,
                    new: Some(path()),
                },
                b'D' => Change {
                    old: Some(path()),
                    new: None,
                },
                b'R' => {
                    let old = path();
                    Change {
                        old: Some(old),
                        new: Some(path()),
                    }
                }
                // A copy is a new file: whatever it grants is new where it is attached.
                b'C' => {
                    let _source = path();
                    Change {
                        old: None,
                        new: Some(path()),
                    }
                }
                _ => {
                    let same = path();
                    Change {
                        old: Some(same.clone()),
                        new: Some(same),
                    }
                }
            };
            changes.push(change);
        }
        let mut args = vec![
            "ls-files",
            "--others",
            "--exclude-standard",
            "--full-name",
            "-z",
            "--",
        ];
        args.extend(specs.iter().map(String::as_str));
        let untracked = git(&args, None)?;
        changes.extend(
            untracked
                .split(|&b| b == 0)
                .filter(|f| !f.is_empty())
                .map(|f| Change {
                    old: None,
                    new: Some(String::from_utf8_lossy(f).into_owned()),
                }),
        );
        Ok(changes)
    }

    /// The text of each repository-relative path at `base` (`None` where it is missing or
    /// not UTF-8).
    pub fn read_at(&self, base: &str, paths: &[&str]) -> Result<Vec<Option<String>>, String> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = Vec::new();
        for path in paths {
            let _ = writeln!(input, "{base}:{path}");
        }
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .current_dir(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run `git`: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let mut reader = BufReader::new(child.stdout.take().expect("piped"));
        let mut texts = Vec::with_capacity(paths.len());
        for _ in paths {
            let mut header = String::new();
            if reader.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
                return Err("`git cat-file` stopped early".to_string());
            }
            let parts: Vec<&str> = header.split_whitespace().collect();
            match parts.as_slice() {
                [_, kind, size] => {
                    let size: usize = size.parse().map_err(|_| "bad `git cat-file` output")?;
                    let mut content = vec![0; size + 1];
                    reader.read_exact(&mut content).map_err(|e| e.to_string())?;
                    content.pop();
                    texts.push(if *kind == "blob" {
                        String::from_utf8(content).ok()
                    } else {
                        None
                    });
                }
                _ => texts.push(None),
            }
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(texts)
    }

    pub fn absolute(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }
}

/// `path` as reported: relative to the current folder when it is under it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path.strip_prefix(&cwd).unwrap_or(path);
    shown.display().to_string()
}
