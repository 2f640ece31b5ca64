//! Turns the two catalogues (`rules/data/ram/catalogue.json`, `rules/data/aws/catalogue.json`)
//! and the aliases (`rules/data/action-aliases.json`) into data the binary embeds without a
//! parse at start-up and that rustc compiles in no time: one string of every name and ARN
//! template (`include_str!`), one file of little-endian `u32` tables (`include_bytes!`), and
//! a small Rust file with where each table starts. `src/catalogue/data.rs` reads them; the
//! layout of each table is documented there, and both sides name the fields alike.
//!
//! The data is checked here, so that a bad regeneration fails the build with a message
//! instead of shipping: every resource type an action names exists, every alias names an
//! action that is not one and replaces it with one that is.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// Widths (in `u32`s) of the records; `src/catalogue/data.rs` has the same constants.
const SERVICE_WIDTH: usize = 11;
const ACTION_WIDTH: usize = 8;
const RESOURCE_TYPE_WIDTH: usize = 6;
const STRING_WIDTH: usize = 2;
const KEY_WIDTH: usize = 3;

/// The order of `AccessLevel` in `src/catalogue/mod.rs`.
const ACCESS_LEVELS: [&str; 6] = [
    "unknown",
    "list",
    "read",
    "write",
    "tagging",
    "permissions-management",
];
/// The order of `KeyType` in `src/catalogue/mod.rs`.
const KEY_TYPES: [&str; 12] = [
    "Unknown",
    "String",
    "Numeric",
    "Date",
    "Bool",
    "IPAddress",
    "ARN",
    "Binary",
    "ArrayOfString",
    "ArrayOfARN",
    "ArrayOfBool",
    "ArrayOfNumeric",
];
/// The order of `ActionList` in `src/catalogue/mod.rs`.
const ACTION_LISTS: [&str; 4] = ["none", "partial", "table", "complete"];

#[derive(Default)]
struct Tables {
    strings: String,
    interned: HashMap<String, (u32, u32)>,
    services: Vec<u32>,
    actions: Vec<u32>,
    resource_types: Vec<u32>,
    arns: Vec<u32>,
    resource_refs: Vec<u32>,
    keys: Vec<u32>,
    key_refs: Vec<u32>,
}

/// Where one dialect's services and global keys are, by record index.
struct DialectRanges {
    services: (usize, usize),
    globals: (usize, usize),
}

impl Tables {
    fn intern(&mut self, text: &str) -> [u32; 2] {
        if let Some(&(offset, len)) = self.interned.get(text) {
            return [offset, len];
        }
        let entry = (self.strings.len() as u32, text.len() as u32);
        self.strings.push_str(text);
        self.interned.insert(text.to_string(), entry);
        [entry.0, entry.1]
    }

    fn push_key(&mut self, name: &str, key_type: &str, what: &str) -> u32 {
        let index = (self.keys.len() / KEY_WIDTH) as u32;
        let name_ref = self.intern(name);
        self.keys.extend(name_ref);
        self.keys.push(position(&KEY_TYPES, key_type, what));
        index
    }
}

fn position(names: &[&str], name: &str, what: &str) -> u32 {
    names
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("catalogue: {what}: unknown value `{name}`")) as u32
}

fn object<'v>(value: &'v Value, what: &str) -> &'v Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("catalogue: `{what}` is not an object"))
}

fn string<'v>(value: &'v Value, what: &str) -> &'v str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("catalogue: `{what}` is not a string"))
}

fn strings<'v>(value: &'v Value, what: &str) -> Vec<&'v str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("catalogue: `{what}` is not an array"))
        .iter()
        .map(|item| string(item, what))
        .collect()
}

fn read_json(path: &Path) -> Value {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} is not readable: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// One service's keys, appended as a contiguous range; `(first, count, index by lower-case
/// name)`.
fn service_keys(
    tables: &mut Tables,
    declared: &Map<String, Value>,
    globals: &HashMap<String, String>,
    used: &[&str],
    code: &str,
) -> (u32, u32, HashMap<String, u32>) {
    let first = (tables.keys.len() / KEY_WIDTH) as u32;
    let mut by_name = HashMap::new();
    let mut names: Vec<(&str, String)> = declared
        .iter()
        .map(|(name, t)| (name.as_str(), string(t, code).to_string()))
        .collect();
    for name in used {
        if !declared.contains_key(*name) && !names.iter().any(|(n, _)| n == name) {
            let key_type = globals
                .get(&name.to_ascii_lowercase())
                .cloned()
                .unwrap_or_else(|| "Unknown".to_string());
            names.push((name, key_type));
        }
    }
    names.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    for (name, key_type) in names {
        let index = tables.push_key(name, &key_type, &format!("{code} condition key {name}"));
        by_name.insert(name.to_ascii_lowercase(), index);
    }
    let count = (tables.keys.len() / KEY_WIDTH) as u32 - first;
    (first, count, by_name)
}

fn key_refs(tables: &mut Tables, names: &[&str], by_name: &HashMap<String, u32>) -> [u32; 2] {
    let first = tables.key_refs.len() as u32;
    tables
        .key_refs
        .extend(names.iter().map(|name| by_name[&name.to_ascii_lowercase()]));
    [first, names.len() as u32]
}

fn add_service(
    tables: &mut Tables,
    code: &str,
    service: &Value,
    globals: &HashMap<String, String>,
) {
    let service_index = (tables.services.len() / SERVICE_WIDTH) as u32;
    let entry = object(service, code);
    let actions = object(&service["actions"], &format!("{code}.actions"));
    let resource_types = object(
        &service["resource_types"],
        &format!("{code}.resource_types"),
    );
    // Keys the actions and resource types use, whether the service declares them or not.
    let mut used: Vec<&str> = Vec::new();
    for action in actions.values() {
        used.extend(strings(&action[2], code));
    }
    for resource_type in resource_types.values() {
        used.extend(strings(&resource_type["condition_keys"], code));
    }
    let declared = object(
        &service["condition_keys"],
        &format!("{code}.condition_keys"),
    );
    let (keys_first, keys_count, keys) = service_keys(tables, declared, globals, &used, code);

    let types_first = (tables.resource_types.len() / RESOURCE_TYPE_WIDTH) as u32;
    let mut type_index = HashMap::new();
    for (name, resource_type) in resource_types {
        type_index.insert(
            name.as_str(),
            (tables.resource_types.len() / RESOURCE_TYPE_WIDTH) as u32,
        );
        let name_ref = tables.intern(name);
        let arns_first = (tables.arns.len() / STRING_WIDTH) as u32;
        let arns = strings(&resource_type["arns"], &format!("{code}.{name}.arns"));
        for arn in &arns {
            let arn_ref = tables.intern(arn);
            tables.arns.extend(arn_ref);
        }
        let names = strings(&resource_type["condition_keys"], code);
        let refs = key_refs(tables, &names, &keys);
        tables.resource_types.extend(name_ref);
        tables
            .resource_types
            .extend([arns_first, arns.len() as u32]);
        tables.resource_types.extend(refs);
    }
    let types_count = (tables.resource_types.len() / RESOURCE_TYPE_WIDTH) as u32 - types_first;

    let actions_first = (tables.actions.len() / ACTION_WIDTH) as u32;
    let mut sorted: Vec<(&String, &Value)> = actions.iter().collect();
    sorted.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    for window in sorted.windows(2) {
        assert!(
            !window[0].0.eq_ignore_ascii_case(window[1].0),
            "catalogue: {code}:{} is listed twice",
            window[0].0
        );
    }
    for (name, action) in sorted {
        let what = format!("{code}:{name}");
        let level = string(&action[0], &what);
        let (level, inferred) = match level.strip_prefix('~') {
            Some(level) => (level, 1),
            None => (level, 0),
        };
        let level = position(&ACCESS_LEVELS, level, &what);
        let refs_first = tables.resource_refs.len() as u32;
        let known = u32::from(!action[1].is_null());
        if known == 1 {
            for reference in strings(&action[1], &what) {
                let (type_name, required) = match reference.strip_suffix('*') {
                    Some(name) => (name, 1u32 << 31),
                    None => (reference, 0),
                };
                let index = type_index.get(type_name).unwrap_or_else(|| {
                    panic!(
                        "catalogue: {what} names resource type `{type_name}`, which {code} lacks"
                    )
                });
                tables.resource_refs.push(index | required);
            }
        }
        let refs_count = tables.resource_refs.len() as u32 - refs_first;
        let names = strings(&action[2], &what);
        let condition_refs = key_refs(tables, &names, &keys);
        let name_ref = tables.intern(name);
        tables.actions.extend(name_ref);
        tables.actions.push(service_index);
        tables.actions.push(level | (inferred << 8) | (known << 9));
        tables.actions.extend([refs_first, refs_count]);
        tables.actions.extend(condition_refs);
    }
    let actions_count = (tables.actions.len() / ACTION_WIDTH) as u32 - actions_first;

    let code_ref = tables.intern(code);
    let name_ref = tables.intern(string(&entry["name"], &format!("{code}.name")));
    let list = entry
        .get("actions_list")
        .map_or("complete", |v| string(v, code));
    tables.services.extend(code_ref);
    tables.services.extend(name_ref);
    tables
        .services
        .extend([actions_first, actions_count, types_first, types_count]);
    tables.services.extend([keys_first, keys_count]);
    tables.services.push(position(
        &ACTION_LISTS,
        list,
        &format!("{code}.actions_list"),
    ));
}

fn add_dialect(tables: &mut Tables, catalogue: &Value) -> DialectRanges {
    let globals_map = object(&catalogue["global_condition_keys"], "global_condition_keys");
    let globals_first = tables.keys.len() / KEY_WIDTH;
    let mut global_types = HashMap::new();
    let mut sorted: Vec<_> = globals_map.iter().collect();
    sorted.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    for (name, key_type) in sorted {
        let key_type = string(key_type, name);
        tables.push_key(name, key_type, &format!("global key {name}"));
        global_types.insert(name.to_ascii_lowercase(), key_type.to_string());
    }
    let globals = (globals_first, tables.keys.len() / KEY_WIDTH - globals_first);

    let services = object(&catalogue["services"], "services");
    let without: Vec<&str> = catalogue
        .get("services_without_actions")
        .map_or_else(Vec::new, |v| strings(v, "services_without_actions"));
    // Every code, listed or not, in one sorted run, so that a lookup is one binary search.
    let mut codes: Vec<&str> = services.keys().map(String::as_str).collect();
    codes.extend(&without);
    codes.sort_unstable();
    codes.dedup();
    let first = tables.services.len() / SERVICE_WIDTH;
    let empty = serde_json::json!({"name": "", "actions_list": "none", "actions": {},
        "resource_types": {}, "condition_keys": {}});
    for code in codes {
        assert_eq!(
            code,
            code.to_ascii_lowercase(),
            "catalogue: service codes are lower-case"
        );
        let service = services.get(code).unwrap_or(&empty);
        add_service(tables, code, service, &global_types);
    }
    DialectRanges {
        services: (first, tables.services.len() / SERVICE_WIDTH - first),
        globals,
    }
}

/// FNV-1a over `prefix` and the ASCII-lower-cased `name`, spread by a multiply: the hash
/// of the lookup tables (`slot_hash` in `src/catalogue/data.rs` is the same function).
fn slot_hash(prefix: &[u8], name: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for &byte in prefix.iter().chain(name.as_bytes()) {
        hash ^= u32::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.wrapping_mul(0x9e37_79b1)
}

/// An open-addressing table (linear probing) of `record index + 1` by hash, sized to a
/// power of two at most 64% full.
fn slots(keys: impl Iterator<Item = (u32, u32)>, count: usize) -> Vec<u32> {
    let size = (count * 25 / 16).next_power_of_two().max(64);
    let bits = size.trailing_zeros();
    let mut table = vec![0u32; size];
    for (hash, index) in keys {
        let mut slot = (hash >> (32 - bits)) as usize;
        while table[slot] != 0 {
            slot = (slot + 1) & (size - 1);
        }
        table[slot] = index + 1;
    }
    table
}

/// `has(catalogue, "svc:Name")` by a plain scan: the build checks the aliases with it.
fn has_action(catalogue: &Value, action: &str) -> bool {
    let Some((code, name)) = action.split_once(':') else {
        return false;
    };
    catalogue["services"][code]["actions"]
        .as_object()
        .is_some_and(|actions| actions.keys().any(|k| k.eq_ignore_ascii_case(name)))
}

fn aliases(out: &mut String, dialect: &str, catalogue: &Value, aliases: &Value) {
    let table = &aliases[dialect];
    let sources = object(&aliases["sources"], "aliases.sources");
    for (kind, check) in [("actions", true), ("services", false)] {
        let mut rows: Vec<(String, String, String)> = Vec::new();
        for (from, entry) in object(&table[kind], kind) {
            let pair = strings(entry, from);
            let (to, source) = (pair[0], pair[1]);
            let source = string(
                sources
                    .get(source)
                    .unwrap_or_else(|| panic!("aliases: {from}: unknown source `{source}`")),
                source,
            );
            if check {
                assert!(
                    !has_action(catalogue, from),
                    "aliases: `{from}` is a real {dialect} action"
                );
                assert!(
                    has_action(catalogue, to),
                    "aliases: `{to}` is not a {dialect} action"
                );
            } else {
                assert!(
                    catalogue["services"].get(from).is_none(),
                    "aliases: `{from}` is a real {dialect} service"
                );
                assert!(
                    catalogue["services"].get(to).is_some(),
                    "aliases: `{to}` is not a {dialect} service"
                );
            }
            rows.push((
                from.to_ascii_lowercase(),
                to.to_string(),
                source.to_string(),
            ));
        }
        rows.sort();
        let name = format!("{}_{}_ALIASES", dialect.to_uppercase(), kind.to_uppercase());
        let _ = writeln!(out, "pub static {name}: &[(&str, &str, &str)] = &{rows:?};");
    }
}

/// `(a, b)` pairs of services people mix up, both orders, sorted.
fn confusable(out: &mut String, dialect: &str, catalogue: &Value, aliases: &Value) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for entry in aliases[dialect]["confusable"]
        .as_array()
        .unwrap_or_else(|| panic!("aliases: {dialect}.confusable is not an array"))
    {
        let pair = strings(entry, "confusable");
        let (a, b) = (pair[0], pair[1]);
        for code in [a, b] {
            assert!(
                catalogue["services"].get(code).is_some(),
                "aliases: confusable `{code}` is not a {dialect} service"
            );
        }
        pairs.push((a.to_string(), b.to_string()));
        pairs.push((b.to_string(), a.to_string()));
    }
    pairs.sort();
    let _ = writeln!(
        out,
        "pub static {}_CONFUSABLE: &[(&str, &str)] = &{pairs:?};",
        dialect.to_uppercase()
    );
}

fn dialect_const(out: &mut String, name: &str, catalogue: &Value, ranges: &DialectRanges) {
    let field = |key: &str| string(&catalogue[key], key).to_string();
    let _ = writeln!(
        out,
        "pub const {name}: DialectData = DialectData {{ name: {:?}, version: {:?}, date: {:?}, source: {:?}, services: ({}, {}), globals: ({}, {}) }};",
        field("name"),
        field("version"),
        field("date"),
        field("source"),
        ranges.services.0,
        ranges.services.1,
        ranges.globals.0,
        ranges.globals.1,
    );
}

/// Writes `catalogue_strings.txt`, `catalogue_tables.bin` and `catalogue_data.rs` into
/// `out_dir`.
pub fn generate(manifest: &Path, out_dir: &Path) {
    let data = manifest.join("rules/data");
    let ram = read_json(&data.join("ram/catalogue.json"));
    let aws = read_json(&data.join("aws/catalogue.json"));
    let alias_table = read_json(&data.join("action-aliases.json"));

    let mut tables = Tables::default();
    let ram_ranges = add_dialect(&mut tables, &ram);
    let aws_ranges = add_dialect(&mut tables, &aws);

    let string_at = |offset: u32, len: u32| {
        tables.strings[offset as usize..(offset + len) as usize].to_string()
    };
    let service_count = tables.services.len() / SERVICE_WIDTH;
    let dialect_of = |index: usize| {
        u8::from(
            index >= aws_ranges.services.0 && index < aws_ranges.services.0 + aws_ranges.services.1,
        )
    };
    let service_slots = slots(
        (0..service_count).map(|i| {
            let record = &tables.services[i * SERVICE_WIDTH..];
            let code = string_at(record[0], record[1]);
            (slot_hash(&[dialect_of(i)], &code), i as u32)
        }),
        service_count,
    );
    let action_count = tables.actions.len() / ACTION_WIDTH;
    let action_slots = slots(
        (0..action_count).map(|i| {
            let record = &tables.actions[i * ACTION_WIDTH..];
            let name = string_at(record[0], record[1]);
            (slot_hash(&record[2].to_le_bytes(), &name), i as u32)
        }),
        action_count,
    );
    // Keyed by dialect and name alone: which services have an action of a given name
    // (suggestions for `ram:GetCallerIdentity` ask every service).
    let name_slots = slots(
        (0..action_count).map(|i| {
            let record = &tables.actions[i * ACTION_WIDTH..];
            let name = string_at(record[0], record[1]);
            (
                slot_hash(&[dialect_of(record[2] as usize)], &name),
                i as u32,
            )
        }),
        action_count,
    );
    let mut bytes = Vec::new();
    let mut out = String::from(
        "// Generated by build.rs (build/catalogue.rs) from rules/data/; see src/catalogue/data.rs.\n\n",
    );
    for (name, table, width) in [
        ("SERVICES", &tables.services, SERVICE_WIDTH),
        ("ACTIONS", &tables.actions, ACTION_WIDTH),
        (
            "RESOURCE_TYPES",
            &tables.resource_types,
            RESOURCE_TYPE_WIDTH,
        ),
        ("ARNS", &tables.arns, STRING_WIDTH),
        ("RESOURCE_REFS", &tables.resource_refs, 1),
        ("KEYS", &tables.keys, KEY_WIDTH),
        ("KEY_REFS", &tables.key_refs, 1),
        ("SERVICE_SLOTS", &service_slots, 1),
        ("ACTION_SLOTS", &action_slots, 1),
        ("NAME_SLOTS", &name_slots, 1),
    ] {
        let _ = writeln!(
            out,
            "pub const {name}: Table = Table {{ start: {}, width: {width}, len: {} }};",
            bytes.len() / 4,
            table.len() / width
        );
        for word in table {
            bytes.extend(word.to_le_bytes());
        }
    }
    dialect_const(&mut out, "RAM", &ram, &ram_ranges);
    dialect_const(&mut out, "AWS", &aws, &aws_ranges);
    aliases(&mut out, "ram", &ram, &alias_table);
    aliases(&mut out, "aws", &aws, &alias_table);
    confusable(&mut out, "ram", &ram, &alias_table);
    confusable(&mut out, "aws", &aws, &alias_table);
    let operators = strings(&ram["condition_operators"], "condition_operators");
    let _ = writeln!(
        out,
        "pub static CONDITION_OPERATORS: &[&str] = &{operators:?};"
    );
    let _ = writeln!(
        out,
        "/// `--version`: the crate's and each catalogue's version and date.\npub const VERSION: &str = {:?};",
        format!(
            "{} (catalogues: aws {} {} {}, ram {})",
            std::env::var("CARGO_PKG_VERSION").unwrap(),
            string(&aws["name"], "name"),
            string(&aws["version"], "version"),
            string(&aws["date"], "date"),
            string(&ram["date"], "date"),
        )
    );
    let _ = writeln!(
        out,
        "pub static STRINGS: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/catalogue_strings.txt\"));"
    );
    let _ = writeln!(
        out,
        "pub static TABLES: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/catalogue_tables.bin\"));"
    );
    std::fs::write(out_dir.join("catalogue_strings.txt"), &tables.strings).unwrap();
    std::fs::write(out_dir.join("catalogue_tables.bin"), bytes).unwrap();
    std::fs::write(out_dir.join("catalogue_data.rs"), out).unwrap();
}
