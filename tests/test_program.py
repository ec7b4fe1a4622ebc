"""The whole program, per stack file, on the offline engine: invariants a reviewer would check by hand."""

from __future__ import annotations

import importlib
import inspect
import ipaddress
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from components.config import load_settings
from components.naming import NAME_RULES
from components.tags import base_tags
from offline.engine import Plan

from .conftest import PROJECT, PROJECT_DIR, STACKS, plan_of, raw_config

SCHEMA = PROJECT_DIR / "offline" / "plan.schema.json"
SHARED_SCHEMA = PROJECT_DIR.parent / "shared" / "schemas" / "plan.schema.json"

# Types Azure names for us, or whose names are fixed or derived, so NAME_RULES has nothing to say.
NAMES_NOT_FROM_NAMING = {
    "azure-native:privatedns:PrivateZone": "the zone name is the service's privatelink FQDN",
    "azure-native:network:PrivateDnsZoneGroup": "one group per endpoint, named 'default'",
    "azure-native:authorization:RoleAssignment": "a GUID derived from scope, principal and role",
    "azure-native:authorization:ManagementLockByScope": "one lock per resource, named 'do-not-delete'",
    "azure-native:monitor:DiagnosticSetting": "one setting per resource, named 'to-log-analytics'",
    "azure-native:containerservice:AgentPool": "pool names are validated config (1-6 characters for Windows)",
    "azure-native:containerservice:MaintenanceConfiguration": "AKS reads only its two fixed window names",
    "azure-native:monitor:DataCollectionRuleAssociation": "Container insights expects 'ContainerInsightsExtension'",
}

# Resources whose loss loses data or audit evidence.
STATEFUL_TYPES = {
    "azure-native:resources:ResourceGroup",
    "azure-native:operationalinsights:Workspace",
    "azure-native:containerregistry:Registry",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
}


def azure_resources(plan: Plan) -> list[dict[str, Any]]:
    return [r for r in plan.resources if r["custom"] and r["type"].startswith("azure-native:")]


def accepts_tags(type_token: str) -> bool:
    """Whether the SDK's resource takes `tags`: read from the typed constructor, not from a hand list."""
    _, module, name = type_token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def test_plan_json_matches_the_shared_contract() -> None:
    if SHARED_SCHEMA.exists():
        assert json.loads(SHARED_SCHEMA.read_text()) == json.loads(SCHEMA.read_text()), "vendored schema is stale"
    schema = json.loads(SCHEMA.read_text())
    for stack in STACKS:
        jsonschema.validate(plan_of(stack).to_json(), schema)


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_base_tags(stack: str) -> None:
    plan = plan_of(stack)
    expected = base_tags(load_settings(PROJECT, stack, raw_config(stack)), PROJECT)
    taggable = [r for r in azure_resources(plan) if accepts_tags(r["type"])]
    assert taggable, "no taggable resource found: the check would pass vacuously"
    for resource in taggable:
        tags = resource["inputs"].get("tags")
        assert tags, f"{resource['urn']} has no tags"
        assert {k: tags.get(k) for k in expected} == expected, resource["urn"]
        assert tags.get("component"), f"{resource['urn']} lacks the component tag"


@pytest.mark.parametrize("stack", STACKS)
def test_physical_names_are_explicit_valid_and_unique(stack: str) -> None:
    seen: Counter[tuple[str, str, str]] = Counter()
    for resource in azure_resources(plan_of(stack)):
        rule = NAME_RULES.get(resource["type"])
        if rule is None:
            assert resource["type"] in NAMES_NOT_FROM_NAMING, (
                f"{resource['type']} has no naming rule: add one to components/naming.py"
            )
            continue
        name = resource["inputs"].get(rule.name_input)
        assert isinstance(name, str), f"{resource['urn']} relies on auto-naming ({rule.name_input} unset)"
        assert rule.problem(name) is None, (resource["urn"], rule.problem(name))
        container = "" if rule.scope in ("global", "subscription") else str(resource["inputs"].get("resourceGroupName"))
        seen[(resource["type"], container, name)] += 1
    duplicates = [key for key, count in seen.items() if count > 1]
    assert not duplicates


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in walk(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in walk(v, f"{path}[{i}]")]
    return [(path, value)]


@pytest.mark.parametrize("stack", STACKS)
def test_nothing_is_public_by_accident(stack: str) -> None:
    plan = plan_of(stack)
    for resource in azure_resources(plan):
        for path, value in walk(resource["inputs"]):
            key = path.rsplit(".", 1)[-1]
            where = f"{resource['urn']}{path}"
            if key == "publicNetworkAccess":
                assert value == "Disabled", where
            assert key not in {"publicIPAddressConfiguration", "publicIpAddressConfiguration"}, where
            if key in {"enableNodePublicIP", "adminUserEnabled", "anonymousPullEnabled"}:
                assert value is False, where
    public_ips = plan.of_type("azure-native:network:PublicIPAddress")
    assert [ip["inputs"]["tags"]["purpose"] for ip in public_ips] == ["nat-egress"]
    holders = [
        r["urn"] for r in azure_resources(plan) if public_ips[0]["urn"] in r["dependencies"] and r is not public_ips[0]
    ]
    assert holders == [plan.one("azure-native:network:NatGateway")["urn"]], "only the NAT gateway uses the public IP"


@pytest.mark.parametrize("stack", STACKS)
def test_stateful_resources_are_protected(stack: str) -> None:
    stateful = [r for r in plan_of(stack).resources if r["type"] in STATEFUL_TYPES]
    assert stateful
    for resource in stateful:
        assert resource["options"]["protect"], f"{resource['urn']} is not protected"
        if resource["type"] != "azure-native:resources:ResourceGroup":
            # Data and audit evidence outlive the stack. Retaining the resource group would not help:
            # deleting it deletes what is in it, so it is protected instead.
            assert resource["options"]["retainOnDelete"], f"{resource['urn']} would be deleted with the stack"


@pytest.mark.parametrize("stack", STACKS)
def test_everything_lives_in_the_stack_region(stack: str) -> None:
    location = load_settings(PROJECT, stack, raw_config(stack)).location
    for resource in azure_resources(plan_of(stack)):
        where = resource["inputs"].get("location")
        assert where in (None, location, "global"), (resource["urn"], where)


def test_stacks_do_not_share_address_space() -> None:
    spaces = [ipaddress.IPv4Network(load_settings(PROJECT, s, raw_config(s)).network.address_space) for s in STACKS]
    for i, first in enumerate(spaces):
        for second in spaces[i + 1 :]:
            assert not first.overlaps(second), (first, second)


def test_plans_are_deterministic() -> None:
    from offline import engine

    again = engine.run("prod-eastus")
    assert json.dumps(again.to_json(), sort_keys=True) == json.dumps(plan_of("prod-eastus").to_json(), sort_keys=True)


def test_every_stack_file_is_previewed() -> None:
    files = sorted(Path(PROJECT_DIR).glob("Pulumi.*.yaml"))
    assert {f.name for f in files} == {f"Pulumi.{s}.yaml" for s in STACKS}
    assert {"prod-eastus", "prod-westus"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_pool_capacity_is_exported_for_the_azure_devops_pool(stack: str) -> None:
    capacity = load_settings(PROJECT, stack, raw_config(stack)).build_agents.capacity
    assert plan_of(stack).outputs["buildAgentsPoolCapacity"] == {
        "maximum": capacity.maximum,
        "standby": capacity.standby,
    }
