//! `policylint catalogue PATTERN`: what the catalogues of both clouds know about the
//! actions a pattern matches (`s3:Get*`, `oss:*Object`, `ecs:DeleteInstance`): access
//! level, resource types with ARN templates, condition keys. A pattern without a colon
//! names services (`s3`, `o*`): their resource types and condition keys. Text or JSON.

use crate::catalogue::{self, Action, Catalogue, ConditionKey, Service};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogueFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CatalogueArgs {
    /// An action or pattern (`s3:Get*`, `oss:*Object`, `ecs:DeleteInstance`; any case), or
    /// a service code or pattern without a colon (`s3`, `ecs`).
    pub pattern: String,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: CatalogueFormat,
}

/// The services or actions of one catalogue that the pattern matches.
enum Matches {
    Services(Vec<Service>),
    Actions(Vec<Action>),
}

fn matches(catalogue: Catalogue, pattern: &str) -> Matches {
    if pattern.contains(':') {
        return Matches::Actions(catalogue.matching(pattern).collect());
    }
    Matches::Services(
        catalogue
            .services()
            .filter(|s| crate::matching::wildcard_match(pattern, s.code(), true))
            .collect(),
    )
}

pub fn run(args: &CatalogueArgs) -> ExitCode {
    let pattern = args.pattern.trim();
    let found: Vec<(Catalogue, Matches)> = catalogue::all()
        .into_iter()
        .map(|c| (c, matches(c, pattern)))
        .collect();
    let count: usize = found
        .iter()
        .map(|(_, m)| match m {
            Matches::Services(s) => s.len(),
            Matches::Actions(a) => a.len(),
        })
        .sum();
    let text = match args.output_format {
        CatalogueFormat::Json => {
            let mut text = serde_json::to_string_pretty(&to_json(pattern, &found))
                .expect("plain data serializes");
            text.push('\n');
            text
        }
        CatalogueFormat::Text => to_text(pattern, &found),
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().write_all(text.as_bytes());
    if count == 0 {
        if args.output_format == CatalogueFormat::Text {
            eprintln!(
                "policylint: nothing in the catalogues matches `{pattern}` (actions are `service:Name`; `*` and `?` are wildcards)"
            );
        }
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn key_json(key: ConditionKey) -> Value {
    json!({"name": key.name(), "type": key.key_type().name()})
}

fn catalogue_json(catalogue: Catalogue) -> Value {
    json!({
        "cloud": catalogue.cloud(),
        "name": catalogue.name(),
        "version": catalogue.version(),
        "date": catalogue.date(),
        "source": catalogue.source(),
    })
}

fn action_json(action: Action) -> Value {
    let resource_types = action.resource_types().map(|types| {
        types
            .map(|t| {
                json!({
                    "name": t.resource_type.name(),
                    "required": t.required,
                    "arns": t.resource_type.arn_templates().collect::<Vec<_>>(),
                    "condition_keys": t.resource_type.condition_keys().map(key_json).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>()
    });
    json!({
        "cloud": action.service().catalogue().cloud(),
        "action": action.qualified_name(),
        "access_level": action.access_level().name(),
        "access_level_inferred": action.access_level_inferred(),
        "resource_types": resource_types,
        "condition_keys": action.condition_keys().map(key_json).collect::<Vec<_>>(),
    })
}

fn service_json(service: Service) -> Value {
    json!({
        "cloud": service.catalogue().cloud(),
        "service": service.code(),
        "name": service.name(),
        "actions_list": service.action_list().name(),
        "actions": service.actions().len(),
        "resource_types": service.resource_types().map(|t| json!({
            "name": t.name(),
            "arns": t.arn_templates().collect::<Vec<_>>(),
            "condition_keys": t.condition_keys().map(|k| k.name()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "condition_keys": service.condition_keys().map(key_json).collect::<Vec<_>>(),
    })
}

fn to_json(pattern: &str, found: &[(Catalogue, Matches)]) -> Value {
    let mut services = Vec::new();
    let mut actions = Vec::new();
    for (_, m) in found {
        match m {
            Matches::Services(s) => services.extend(s.iter().map(|&s| service_json(s))),
            Matches::Actions(a) => actions.extend(a.iter().map(|&a| action_json(a))),
        }
    }
    let mut out = json!({
        "pattern": pattern,
        "catalogues": found.iter().map(|(c, _)| catalogue_json(*c)).collect::<Vec<_>>(),
    });
    if pattern.contains(':') {
        out["actions"] = Value::Array(actions);
    } else {
        out["services"] = Value::Array(services);
    }
    out
}

fn keys_text(keys: impl Iterator<Item = ConditionKey>) -> String {
    let keys: Vec<String> = keys
        .map(|k| format!("{} ({})", k.name(), k.key_type().name()))
        .collect();
    if keys.is_empty() {
        "none".to_string()
    } else {
        keys.join(", ")
    }
}

fn action_text(out: &mut String, action: Action) {
    let level = if action.access_level_inferred() {
        format!("{}, by its name", action.access_level().name())
    } else {
        action.access_level().name().to_string()
    };
    out.push_str(&format!(
        "{} ({}: {level})\n",
        action.qualified_name(),
        action.service().catalogue().cloud()
    ));
    match action.resource_types() {
        None => out.push_str("  resource types: not documented\n"),
        Some(types) if types.len() == 0 => {
            out.push_str("  resource types: none (it takes only \"*\")\n")
        }
        Some(types) => {
            out.push_str("  resource types:\n");
            for t in types {
                let required = if t.required { " (required)" } else { "" };
                let arns: Vec<&str> = t.resource_type.arn_templates().collect();
                out.push_str(&format!(
                    "    {}{required}: {}\n",
                    t.resource_type.name(),
                    arns.join(" | ")
                ));
            }
        }
    }
    out.push_str(&format!(
        "  condition keys: {}\n",
        keys_text(action.condition_keys())
    ));
}

fn service_text(out: &mut String, service: Service) {
    out.push_str(&format!(
        "{} ({}: {}, {} actions, list {})\n",
        service.code(),
        service.catalogue().cloud(),
        if service.name().is_empty() {
            "no action list"
        } else {
            service.name()
        },
        service.actions().len(),
        service.action_list().name()
    ));
    for t in service.resource_types() {
        let arns: Vec<&str> = t.arn_templates().collect();
        out.push_str(&format!(
            "  resource type {}: {}\n",
            t.name(),
            arns.join(" | ")
        ));
    }
    out.push_str(&format!(
        "  condition keys: {}\n",
        keys_text(service.condition_keys())
    ));
}

fn to_text(pattern: &str, found: &[(Catalogue, Matches)]) -> String {
    let mut out = String::new();
    let mut summary = Vec::new();
    for (catalogue, m) in found {
        let count = match m {
            Matches::Services(services) => {
                services.iter().for_each(|&s| service_text(&mut out, s));
                services.len()
            }
            Matches::Actions(actions) => {
                actions.iter().for_each(|&a| action_text(&mut out, a));
                actions.len()
            }
        };
        summary.push(format!("{count} in {}", catalogue.label()));
    }
    let what = if pattern.contains(':') {
        "actions"
    } else {
        "services"
    };
    out.push_str(&format!("`{pattern}`: {what} {}\n", summary.join("; ")));
    out
}
