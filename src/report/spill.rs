//! Machine-readable documents written as they go, in memory that does not grow with the
//! number of files: a document's head holds the run's counts, known only at the end, so
//! each report's parts of the document (its entries of each list, already rendered) go to
//! an unnamed temporary file as the report is linted, and the document is assembled from
//! it at the end through a buffered writer.

use crate::discover::path_order;
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, Write};

/// One report's entries of each list of the document, rendered; each list's entries
/// separated as the document separates them.
#[derive(Debug, Default, Clone)]
pub struct Parts {
    pub path: String,
    pub lists: Vec<String>,
}

impl Parts {
    fn is_empty(&self) -> bool {
        self.lists.iter().all(String::is_empty)
    }
}

/// The parts of every report, in the order they are pushed (path order).
pub struct Spill {
    file: BufWriter<File>,
    lists: usize,
}

impl Spill {
    /// A spill for documents of `lists` lists.
    pub fn new(lists: usize) -> io::Result<Self> {
        Ok(Spill {
            file: BufWriter::new(tempfile::tempfile()?),
            lists,
        })
    }

    pub fn push(&mut self, parts: &Parts) -> io::Result<()> {
        if parts.is_empty() {
            return Ok(());
        }
        write_record(&mut self.file, &parts.path)?;
        for list in &parts.lists {
            write_record(&mut self.file, list)?;
        }
        Ok(())
    }

    /// Writes the document: `pieces[0]`, list 0's entries, `pieces[1]`, list 1's entries...
    /// A list's entries are joined by `separator`; `empty[i]` stands for list `i` when it
    /// has none, and `before[i]` and `after[i]` surround it when it has some. `late`
    /// reports, known only at the end, are merged in by path as a sort would place them
    /// (after the reports of the same path).
    pub fn write_document(
        self,
        mut late: Vec<Parts>,
        layout: &Layout,
        out: &mut impl Write,
    ) -> io::Result<()> {
        late.sort_by(|a, b| path_order(&a.path, &b.path));
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        out.write_all(layout.pieces[0].as_bytes())?;
        for list in 0..self.lists {
            file.rewind()?;
            let mut reader = BufReader::new(&mut file);
            let mut late = late.iter().peekable();
            let mut written = false;
            let mut write_entries = |entries: &[u8], out: &mut dyn Write| -> io::Result<()> {
                if entries.is_empty() {
                    return Ok(());
                }
                out.write_all(if written {
                    layout.separator.as_bytes()
                } else {
                    layout.before[list].as_bytes()
                })?;
                written = true;
                layout.write_filled(entries, out)
            };
            let mut path = Vec::new();
            let mut entries = Vec::new();
            while read_record(&mut reader, &mut path)? {
                let path = std::str::from_utf8(&path).unwrap_or_default();
                while let Some(parts) = late.next_if(|l| path_order(&l.path, path).is_lt()) {
                    write_entries(parts.lists[list].as_bytes(), out)?;
                }
                for i in 0..self.lists {
                    read_record(&mut reader, &mut entries)?;
                    if i == list {
                        write_entries(&entries, out)?;
                    }
                }
            }
            for parts in late {
                write_entries(parts.lists[list].as_bytes(), out)?;
            }
            out.write_all(if written {
                layout.after[list].as_bytes()
            } else {
                layout.empty[list].as_bytes()
            })?;
            out.write_all(layout.pieces[list + 1].as_bytes())?;
        }
        out.flush()
    }
}

/// How a document places its lists: see `Spill::write_document`.
#[derive(Default)]
pub struct Layout {
    pub pieces: Vec<String>,
    pub separator: &'static str,
    pub before: Vec<&'static str>,
    pub after: Vec<&'static str>,
    pub empty: Vec<&'static str>,
    /// What a hole in the entries stands for, by its name: a hole is a name between two
    /// NUL bytes (which no JSON or XML text holds raw), for what is known only at the end
    /// of the run (SARIF's rule indexes); a name not here leaves nothing.
    pub fills: HashMap<Vec<u8>, String>,
}

impl Layout {
    fn write_filled(&self, entries: &[u8], out: &mut dyn Write) -> io::Result<()> {
        // Between holes, then a hole's name, alternately.
        for (i, piece) in entries.split(|&b| b == 0).enumerate() {
            if i % 2 == 0 {
                out.write_all(piece)?;
            } else if let Some(fill) = self.fills.get(piece) {
                out.write_all(fill.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// What separates the entries of a JSON list as `to_string_pretty` writes them.
pub const SEPARATOR: &str = ",\n";

/// Entries of a JSON list, as `to_string_pretty` writes them `indent` deep: each line
/// indented (strings hold no line breaks: JSON escapes them).
pub fn entries<T: Serialize>(items: impl IntoIterator<Item = T>, indent: &str) -> String {
    let mut out = String::new();
    for item in items {
        if !out.is_empty() {
            out.push_str(SEPARATOR);
        }
        let text = serde_json::to_string_pretty(&item).expect("plain data serializes");
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(indent);
            out.push_str(line);
        }
    }
    out
}

fn write_record(file: &mut impl Write, text: &str) -> io::Result<()> {
    file.write_all(&(text.len() as u64).to_le_bytes())?;
    file.write_all(text.as_bytes())
}

/// Reads one record into `into`; `false` at the end of the file.
fn read_record(reader: &mut impl BufRead, into: &mut Vec<u8>) -> io::Result<bool> {
    if reader.fill_buf()?.is_empty() {
        return Ok(false);
    }
    let mut length = [0; 8];
    reader.read_exact(&mut length)?;
    into.clear();
    reader.take(u64::from_le_bytes(length)).read_to_end(into)?;
    Ok(true)
}
