//! Embeds every rule file under `rules/` in the binary (with its JSON form, quicker to
//! read at start-up), so the list cannot drift from the folder, and turns the catalogues (`rules/data/{ram,aws}/catalogue.json`, 3 MB) into
//! tables the binary embeds (`build/catalogue.rs`): parsing even the RAM one at start-up
//! was half the time of linting one file.

#[path = "build/catalogue.rs"]
mod catalogue;

use std::{env, fs, path::Path};

fn main() {
    embed_rules();
    catalogue::generate(
        Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()),
        Path::new(&env::var("OUT_DIR").unwrap()),
    );
}

/// Embeds each rule file twice: as written (for `policylint rule` and error lines), and
/// as JSON, which the binary reads at start-up: parsing the TOML of every built-in rule
/// was most of the instructions of linting one small file.
fn embed_rules() {
    let rules_dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    let out_dir = Path::new(&env::var("OUT_DIR").unwrap()).join("rules");
    fs::create_dir_all(&out_dir).unwrap();
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut files: Vec<_> = fs::read_dir(&rules_dir)
        .expect("rules/ folder")
        .map(|entry| entry.expect("rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// (file name, contents, contents as JSON) of every rule file in `rules/`.\npub static EMBEDDED_RULES: &[(&str, &str, &str)] = &[\n",
    );
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let table: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("rules/{name} is not valid TOML: {e}"));
        let json_path = out_dir.join(name).with_extension("json");
        fs::write(&json_path, serde_json::to_string(&table).unwrap()).unwrap();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?}), include_str!({:?})),\n",
            path.to_str().unwrap(),
            json_path.to_str().unwrap()
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_rules.rs"),
        out,
    )
    .unwrap();
}
