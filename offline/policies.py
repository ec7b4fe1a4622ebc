"""Evaluate the policy pack's rules against an offline plan, the way `pulumi preview --policy-pack` would."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ReportViolation, ResourceValidationArgs

from policy.rules import POLICIES


def violations(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for resource in resources:
        if not resource["custom"]:
            continue
        args = ResourceValidationArgs(
            resource_type=resource["type"],
            props=resource["inputs"],
            urn=resource["urn"],
            name=resource["name"],
            opts=PolicyResourceOptions(
                protect=resource["options"]["protect"],
                ignore_changes=resource["options"]["ignoreChanges"],
                delete_before_replace=resource["options"]["deleteBeforeReplace"],
                aliases=[],
                custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
                additional_secret_outputs=[],
                parent=resource["parent"],
            ),
            provider=None,
        )
        for policy in POLICIES:
            level = policy.enforcement_level.value if policy.enforcement_level else "advisory"
            policy.validate(args, _reporter(found, policy.name, level, resource["urn"]))
    return found


def _reporter(found: list[dict[str, Any]], policy: str, level: str, resource_urn: str) -> ReportViolation:
    def report(message: str, urn: str | None = None) -> None:
        found.append({"policy": policy, "enforcement": level, "urn": urn or resource_urn, "message": message})

    return report
