//! The floor a linter cannot go below: walk a folder, read every `*.json` file and parse it
//! with serde_json, in parallel. The benchmark compares `policylint check` with this.
//! With `--yaml`, every `*.yaml` and `*.yml` file, parsed with the YAML host's parser
//! (every event of `saphyr-parser`): the floor of `benches/yaml-hosts.sh`.
//!
//! With `--markdown`, every `*.md` file, parsed with the Markdown host's parser (every event
//! of `pulldown-cmark` with its offsets): the floor of `benches/markdown-hosts.sh`.
//!
//!     cargo run --release --example floor -- DIR [--yaml | --markdown]

use rayon::prelude::*;

/// Whether `bytes` are a YAML stream, read event by event to its end.
fn parses_as_yaml(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    saphyr_parser::Parser::new_from_str(text).all(|event| event.is_ok())
}

/// Whether `bytes` are Markdown (UTF-8), read event by event to its end.
fn parses_as_markdown(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let events = pulldown_cmark::Parser::new(text).into_offset_iter().count();
    events > 0 || text.is_empty()
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let yaml = args.iter().any(|a| a == "--yaml");
    let markdown = args.iter().any(|a| a == "--markdown");
    args.retain(|a| a != "--yaml" && a != "--markdown");
    let Some(dir) = args.first() else {
        eprintln!("usage: floor DIR [--yaml]");
        std::process::exit(2);
    };
    let extensions: &[&str] = match (yaml, markdown) {
        (true, _) => &["yaml", "yml"],
        (_, true) => &["md"],
        _ => &["json"],
    };
    let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .is_some_and(|x| extensions.iter().any(|e| x == *e))
        })
        .map(|e| e.into_path())
        .collect();
    let parsed = files
        .par_iter()
        .filter(|path| {
            std::fs::read(path).ok().is_some_and(|bytes| {
                if markdown {
                    parses_as_markdown(&bytes)
                } else if yaml {
                    parses_as_yaml(&bytes)
                } else {
                    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()
                }
            })
        })
        .count();
    println!("{parsed} of {} files parsed", files.len());
}
