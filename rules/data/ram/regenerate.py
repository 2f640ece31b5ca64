#!/usr/bin/env python3
"""Builds rules/data/ram/catalogue.json, the Alibaba Cloud RAM catalogue policylint embeds,
from the source snapshots in rules/data/ram/sources/ (README.md says where each comes from
and what it lacks):

    python3 rules/data/ram/regenerate.py [SOURCES_DIR]

It writes the same layout as rules/data/aws/catalogue.json (one line per action: access
level, resource types, condition keys), plus the RAM codes known without an action list
and the condition operators. Standard library only; deterministic output.
"""

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "aws"))
from regenerate import write  # noqa: E402  (the shared one-line-per-entry writer)

# The date of the newest source (ram-authorization.json was collected on it).
DATE = "2026-12-06"

# RAM codes seen in Alibaba Cloud's own published policies (fixtures/corpus/ram/) or RAM
# pages that the OpenAPI index does not name: real services whose actions are not listed.
ATTESTED_RAM_CODES = [
    "acms", "adam", "ahas", "amqp", "batchcompute", "bss", "cmn", "dbes", "dg", "dhs",
    "efc", "emasha", "gdb", "hcs-sgw", "hdm", "ledgerdb", "lindorm", "mns", "msha",
    "oceanbase", "ocs", "openanalytics", "ots", "pam", "petadata", "pubdns", "sasti",
    "stream", "sts", "uis", "yundun-antiddosbag", "yundun-dbaudit", "yundun-ddoscoo",
    "yundun-ddosdip", "yundun-hsm", "yundun-systrust",
]

# Products whose operations RAM authorizes under another product's code, beyond the
# exceptions alibaba-actions.json records. The eflo controller's per-API pages name
# `eflo:` actions (api-eflo-controller-2022-12-15-sendfile: `eflo:SendFile`).
MORE_RAM_CODE_EXCEPTIONS = {"eflo-controller": ["eflo"]}

# Global condition keys (DESIGN §1 and the RAM documentation) beyond those
# ram-authorization.json types; `<tag-key>` takes any tag key.
GLOBAL_CONDITION_KEYS = [
    "acs:AccessId", "acs:CurrentTime", "acs:MFAPresent", "acs:PrincipalARN",
    "acs:PrincipalAccount", "acs:PrincipalRAMUserId", "acs:PrincipalType",
    "acs:Referer", "acs:RequestTag/<tag-key>", "acs:ResourceTag/<tag-key>",
    "acs:SecureTransport", "acs:Service", "acs:SourceIp", "acs:SourceVpc",
    "acs:SourceVpcIp", "acs:UserAgent", "acs:MFAAge", "acs:TagKeys",
    "acs:ResourceOwner", "acs:TLSVersion",
]

# The sources' type names, as the AWS data names them.
KEY_TYPES = {"String": "String", "Boolean": "Bool", "Date": "Date", "IP": "IPAddress",
             "unknown": "Unknown"}

# Access levels by an action's first word, for actions no source gives one. A name that
# starts otherwise stays `unknown`.
VERBS = {
    "list": ["List"],
    "read": ["Describe", "Get", "Query", "Check", "Search", "Preview", "Verify", "Validate",
             "Count", "Fetch", "Inspect", "Lookup", "Head", "Show", "Stat", "Select", "Export",
             "Download", "Estimate"],
    "write": ["Create", "Delete", "Modify", "Update", "Put", "Set", "Add", "Remove", "Attach",
              "Detach", "Bind", "Unbind", "Start", "Stop", "Restart", "Reboot", "Run",
              "Release", "Allocate", "Associate", "Unassociate", "Disassociate", "Enable",
              "Disable", "Open", "Close", "Cancel", "Reset", "Replace", "Renew", "Import",
              "Upload", "Install", "Uninstall", "Apply", "Authorize", "Revoke", "Grant",
              "Join", "Leave", "Move", "Copy", "Tag", "Untag", "Change", "Resize", "Restore",
              "Rollback", "Send", "Publish", "Submit", "Purchase", "Register", "Deregister",
              "Unregister", "Activate", "Deactivate", "Upgrade", "Downgrade", "Convert",
              "Migrate", "Switch", "Lock", "Unlock", "Invoke", "Execute", "Trigger", "Retry",
              "Recover", "Refresh", "Push", "Sync", "Mount", "Unmount", "Clone", "Initiate",
              "Complete", "Abort", "Extend", "Post", "Init", "Do", "Process", "Replicate",
              "Write", "Assume", "Pass", "Deploy", "Rename", "Resume", "Suspend", "Terminate",
              "Reinit", "Rebuild", "Save", "Batch"],
}
VERB_LEVEL = {verb: level for level, verbs in VERBS.items() for verb in verbs}
ACCESS = {"read": "read", "write": "write", "list": "list"}


def first_word(name: str) -> str:
    match = re.match(r"[A-Z][a-z]*", name)
    return match.group(0) if match else ""


def access_level(name: str, documented: str | None) -> str:
    """The documented level, or one read from the verb, marked `~` as inferred."""
    if documented in ACCESS:
        return ACCESS[documented]
    inferred = VERB_LEVEL.get(first_word(name))
    return f"~{inferred}" if inferred else "unknown"


def type_name(name: str) -> str:
    return name.strip().lower().replace(" ", "-")


def derived_type(arn: str) -> str:
    """`acs:ecs:*:{AccountId}:snapshot/*` -> `snapshot`; an OSS bucket or object path ->
    `bucket`/`object`."""
    relative = arn.split(":", 4)[4] if arn.count(":") >= 4 else arn
    head = re.split(r"[/{*]", relative, maxsplit=1)[0]
    return type_name(head) or "resource"


def usable(arn: str) -> bool:
    """ARN templates a rule can compare with: `acs:` with all five parts and a resource."""
    return arn.startswith("acs:") and arn.count(":") >= 4 and not arn.endswith(":")


class Service:
    def __init__(self, products):
        self.products = set(products)
        self.actions: dict[str, list] = {}
        self.types: dict[str, dict] = {}
        self.keys: dict[str, str] = {}

    def add_type(self, name: str, arn: str) -> str:
        """Registers `arn` under a type (the one that already has it, else `name`)."""
        for known, entry in self.types.items():
            if arn in entry["arns"]:
                return known
        entry = self.types.setdefault(name, {"arns": [], "condition_keys": []})
        entry["arns"].append(arn)
        return name


def authorization(service: Service, code: str, facts: dict) -> None:
    """Merges one service's RAM-authorization facts."""
    for name, entry in facts.get("resource_types", {}).items():
        arns = [entry["arn"]] + [alt["arn"] for alt in entry.get("arn_alternatives", [])]
        for arn in filter(usable, arns):
            service.add_type(type_name(name), arn)
    for key, entry in facts.get("condition_keys", {}).items():
        service.keys[key] = KEY_TYPES.get(entry.get("type", "unknown"), "Unknown")
    operation_only = facts.get("granularity") == "OPERATION"
    for name, action in facts.get("actions", {}).items():
        typed = [t for t in action.get("resource_types", []) if t.get("arn") != "*"]
        resources: list | None
        if typed:
            resources = []
            for entry in typed:
                if not usable(entry["arn"]):
                    continue
                known = service.add_type(type_name(entry["type"]), entry["arn"])
                resources.append(known + ("*" if entry.get("required") else ""))
            resources = resources if resources else None
        elif action.get("scopable") is False or operation_only or action.get("resource_types"):
            resources = []  # `*` only ("All Resources")
        elif action.get("resources"):
            arns = [arn for arn in action["resources"] if arn != "*" and usable(arn)]
            resources = sorted({service.add_type(derived_type(arn), arn) for arn in arns}) or None
        else:
            resources = None
        keys = sorted(set(action.get("condition_keys", [])), key=str.lower)
        for key in keys:
            service.keys.setdefault(key, "Unknown")
        service.actions[name] = [action.get("access"), resources, keys]


def oss_levels(service: Service, sources: pathlib.Path) -> None:
    """The OSS tables: levels decide resource types (`*`, bucket, object); they agree with
    ram-authorization.json, and say which type is required."""
    bucket = "acs:oss:{RegionId}:{AccountId}:{BucketName}"
    obj = "acs:oss:{RegionId}:{AccountId}:{BucketName}/{ObjectName}"
    service.add_type("bucket", bucket)
    service.add_type("object", obj)
    tables = [json.loads((sources / name).read_text(encoding="utf-8"))
              for name in ("oss-actions.json", "oss-actions-since-2021.json")]
    for table in tables:
        for level, names in table["levels"].items():
            resources = {"service": [], "bucket": ["bucket*"], "object": ["object*"]}.get(level)
            for name in names:
                entry = service.actions.setdefault(name, [None, None, []])
                if resources is not None:
                    entry[1] = resources


def merge_case_variants(service: Service) -> None:
    """Actions match in any case: names that differ only in case (`createInstance` in the
    OpenAPI index, `CreateInstance` in a RAM table) are one action, the one with more facts
    (else the first in sort order) kept."""
    by_lower: dict[str, list[str]] = {}
    for name in sorted(service.actions):
        by_lower.setdefault(name.lower(), []).append(name)
    for names in by_lower.values():
        if len(names) > 1:
            keep = max(names, key=lambda n: (service.actions[n][1] is not None,
                                             service.actions[n][0] is not None, n))
            for name in names:
                if name != keep:
                    del service.actions[name]


def main() -> None:
    sources = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "sources"
    index = json.loads((sources / "alibaba-actions.json").read_text(encoding="utf-8"))
    facts = json.loads((sources / "ram-authorization.json").read_text(encoding="utf-8"))
    exceptions = {**index["ram_code_exceptions"], **MORE_RAM_CODE_EXCEPTIONS}

    services: dict[str, Service] = {}
    for key, entry in index["services"].items():
        for code in exceptions.get(key, [key]):
            service = services.setdefault(code, Service([]))
            service.products.add(entry["product"])
            for name in entry["actions"]:
                service.actions.setdefault(name, [None, None, []])
    services.setdefault("oss", Service(["Oss"]))
    for name in index["oss"]["actions"]:
        services["oss"].actions.setdefault(name, [None, None, []])
    for code, entry in facts["services"].items():
        authorization(services.setdefault(code, Service([code])), code, entry)
    oss_levels(services["oss"], sources)

    without_actions = {p.lower() for p in index["products_without_api_names"]}
    # A product whose RAM code differs may still be written with its product code
    # (`cbn:` beside `cen:` in Cloud Config's documentation): known, but not listed.
    without_actions |= set(exceptions)
    without_actions |= set(ATTESTED_RAM_CODES)
    without_actions -= set(services)

    global_keys = {key: "Unknown" for key in GLOBAL_CONDITION_KEYS}
    for key, entry in facts["global_condition_keys"].items():
        global_keys[key] = KEY_TYPES.get(entry.get("type", "unknown"), "Unknown")

    out = {}
    for code in sorted(services):
        service = services[code]
        merge_case_variants(service)
        actions = {
            name: [access_level(name, access), resources, keys]
            for name, (access, resources, keys) in sorted(
                service.actions.items(), key=lambda item: item[0].lower())
        }
        out[code] = {
            "name": ", ".join(sorted(service.products)),
            # OSS: the full table of RAM actions (2023), with later additions where found;
            # every other list comes from the OpenAPI index (API names) or partial tables.
            "actions_list": "table" if code == "oss" else "partial",
            "condition_keys": dict(sorted(service.keys.items(), key=lambda i: i[0].lower())),
            "resource_types": dict(sorted(service.types.items())),
            "actions": actions,
        }
    catalogue = {
        "about": "Generated by rules/data/ram/regenerate.py from rules/data/ram/sources/; do not edit by hand.",
        "dialect": "ram",
        "name": "ram",
        "version": DATE,
        "date": DATE,
        "source": "; ".join([
            index["source"],
            "ram-authorization.json (" + facts["generated"] + "): " + facts["about"].split(".")[0],
            "OSS action tables 2021 and 2023 (sources/oss-actions*.json)",
        ]),
        "services_without_actions": sorted(without_actions),
        "condition_operators": index["condition_operators"],
        "global_condition_keys": dict(sorted(global_keys.items(), key=lambda i: i[0].lower())),
        "services": out,
    }
    path = HERE / "catalogue.json"
    write(catalogue, path)
    actions = sum(len(s["actions"]) for s in out.values())
    typed = sum(1 for s in out.values() for a in s["actions"].values() if a[1] is not None)
    print(f"wrote {path.relative_to(HERE.parent.parent.parent)}: {len(out)} services with {actions} "
          f"actions ({typed} with resource facts), {len(without_actions)} more services without")


if __name__ == "__main__":
    main()
