"""Print a plan the way `pulumi preview` does: a resource tree, counts, then the stack outputs."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .engine import Plan


def tree_lines(plan: Plan) -> list[str]:
    children: dict[str | None, list[dict[str, Any]]] = {}
    # Components first, then by type and name: the same plan always prints the same tree.
    for resource in sorted(plan.resources, key=lambda r: (r["custom"], r["type"], r["name"])):
        children.setdefault(resource["parent"], []).append(resource)

    rows: list[tuple[str, str, str]] = [("", "pulumi:pulumi:Stack", f"{plan.project}-{plan.stack}")]

    def walk(parent: str | None, prefix: str) -> None:
        kids = children.get(parent, [])
        for index, resource in enumerate(kids):
            last = index == len(kids) - 1
            branch = "└─ " if last else "├─ "
            marks = "".join(
                flag
                for flag, on in (
                    (" [protect]", resource["options"]["protect"]),
                    (" [retain]", resource["options"]["retainOnDelete"]),
                )
                if on
            )
            rows.append((prefix + branch, resource["type"], resource["name"] + marks))
            walk(resource["urn"], prefix + ("   " if last else "│  "))

    walk(None, "")
    type_width = max(len(indent) + len(kind) for indent, kind, _ in rows) + 2
    lines = [
        f"     {'Type':<{type_width}}Name",
        *(f" +   {(indent + kind):<{type_width}}{name}" for indent, kind, name in rows),
    ]
    return lines


def summary_lines(plan: Plan) -> list[str]:
    custom = [r for r in plan.resources if r["custom"]]
    components = len(plan.resources) - len(custom)
    lines = ["", "Resources:", f"    + {len(plan.resources) + 1} to create"]
    lines.append(f"      ({len(custom)} cloud resources, {components} component{'s' * (components != 1)}, 1 stack)")
    by_type = Counter(r["type"] for r in custom)
    lines += [f"      {count:>3} × {kind}" for kind, count in sorted(by_type.items())]
    return lines


def output_lines(plan: Plan) -> list[str]:
    if not plan.outputs:
        return []
    lines = ["", "Outputs:"]
    for name, value in sorted(plan.outputs.items()):
        text = json.dumps(value, indent=2, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
        text = text.replace("\n", "\n      ")
        lines.append(f"    {name}: {text}")
    return lines


def policy_lines(plan: Plan) -> list[str]:
    violations = plan.policies.get("violations", [])
    if not violations:
        return []
    lines = ["", "Policy violations:"]
    for v in violations:
        lines.append(f"    [{v['enforcement']}] {v['policy']}: {v['message']} ({v.get('urn') or 'stack'})")
    return lines


def render(plan: Plan) -> str:
    header = [f"Previewing update ({plan.stack}) on the offline mock engine: nothing is sent to Azure", ""]
    return "\n".join(header + tree_lines(plan) + policy_lines(plan) + summary_lines(plan) + output_lines(plan))
