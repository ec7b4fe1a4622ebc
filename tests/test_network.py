"""The network component as registered on the mock engine: VNet, subnets, NSGs, endpoints, NAT egress."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from components.config import load_settings
from components.network import NAT_EGRESS_ROLES, SERVICE_ENDPOINTS, kebab
from components.nsg_rules import DENY_ALL_PRIORITY
from offline.engine import Plan

from .conftest import PROJECT, STACKS, plan_of, raw_config

NETWORK = "azure-native:network"


def by_name(plan: Plan, type_token: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan.of_type(type_token)}


@pytest.mark.parametrize("stack", STACKS)
def test_vnet_is_ipv4_only_with_the_configured_space(stack: str) -> None:
    settings = load_settings(PROJECT, stack, raw_config(stack))
    vnet = plan_of(stack).one(f"{NETWORK}:VirtualNetwork")
    assert vnet["inputs"]["addressSpace"] == {"addressPrefixes": [settings.network.address_space]}
    assert "subnets" not in vnet["inputs"], "subnets are separate resources, never inline"
    assert vnet["options"]["ignoreChanges"] == ["subnets"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_subnet_has_its_nsg_endpoints_and_egress(stack: str) -> None:
    plan = plan_of(stack)
    settings = load_settings(PROJECT, stack, raw_config(stack))
    subnets = by_name(plan, f"{NETWORK}:Subnet")
    nsgs = by_name(plan, f"{NETWORK}:NetworkSecurityGroup")
    nat = plan.one(f"{NETWORK}:NatGateway")
    assert len(subnets) == 4 and len(nsgs) == 4
    for role, subnet_settings in settings.network.subnets.by_role().items():
        subnet = subnets[f"network-snet-{kebab(role)}"]
        nsg = nsgs[f"network-nsg-{kebab(role)}"]
        inputs = subnet["inputs"]
        assert inputs["addressPrefix"] == subnet_settings.address_prefix
        assert inputs["networkSecurityGroup"]["id"].endswith("/" + nsg["inputs"]["networkSecurityGroupName"])
        assert [e["service"] for e in inputs.get("serviceEndpoints", [])] == list(SERVICE_ENDPOINTS[role])
        assert inputs["defaultOutboundAccess"] is False
        if role in NAT_EGRESS_ROLES:
            assert inputs["natGateway"]["id"].endswith("/" + nat["inputs"]["natGatewayName"])
        else:
            assert "natGateway" not in inputs


@pytest.mark.parametrize("stack", STACKS)
def test_private_endpoint_subnet_applies_its_nsg(stack: str) -> None:
    subnet = by_name(plan_of(stack), f"{NETWORK}:Subnet")["network-snet-private-endpoints"]
    assert subnet["inputs"]["privateEndpointNetworkPolicies"] == "NetworkSecurityGroupEnabled"


def test_key_vault_and_storage_endpoints_on_build_and_aks_subnets() -> None:
    subnets = by_name(plan_of("prod-eastus"), f"{NETWORK}:Subnet")
    for name in ("network-snet-build-agents", "network-snet-aks-system", "network-snet-aks-windows"):
        services = {e["service"] for e in subnets[name]["inputs"]["serviceEndpoints"]}
        assert {"Microsoft.KeyVault", "Microsoft.Storage"} <= services


@pytest.mark.parametrize("stack", STACKS)
def test_nsg_rules_allow_only_the_allowlist_then_deny_all(stack: str) -> None:
    for nsg in plan_of(stack).of_type(f"{NETWORK}:NetworkSecurityGroup"):
        rules = nsg["inputs"]["securityRules"]
        priorities = [r["priority"] for r in rules]
        assert priorities == sorted(priorities) and len(set(priorities)) == len(priorities)
        assert all(100 <= p <= 4096 for p in priorities)
        *allows, deny = rules
        assert deny == {
            **deny,
            "name": "deny-all-inbound",
            "access": "Deny",
            "priority": DENY_ALL_PRIORITY,
            "direction": "Inbound",
            "sourceAddressPrefix": "*",
            "destinationPortRange": "*",
            "protocol": "*",
        }
        for allow in allows:
            assert allow["access"] == "Allow" and allow["direction"] == "Inbound"
            sources = allow.get("sourceAddressPrefixes") or [allow["sourceAddressPrefix"]]
            assert not {"*", "Internet", "0.0.0.0/0", "VirtualNetwork"} & set(sources), allow


def test_build_subnet_admits_only_winrm_from_jump_hosts() -> None:
    nsg = by_name(plan_of("prod-eastus"), f"{NETWORK}:NetworkSecurityGroup")["network-nsg-build-agents"]
    allow = nsg["inputs"]["securityRules"][0]
    assert allow["destinationPortRanges"] == ["5986"]
    assert allow["protocol"] == "Tcp"
    assert allow["sourceAddressPrefixes"] == ["10.8.12.0/26"]


@pytest.mark.parametrize("stack", STACKS)
def test_nat_egress_is_one_static_standard_ipv4(stack: str) -> None:
    plan = plan_of(stack)
    ip = plan.one(f"{NETWORK}:PublicIPAddress")["inputs"]
    assert ip["publicIPAllocationMethod"] == "Static"
    assert ip["publicIPAddressVersion"] == "IPv4"
    assert ip["sku"] == {"name": "Standard", "tier": "Regional"}
    nat = plan.one(f"{NETWORK}:NatGateway")["inputs"]
    assert nat["sku"] == {"name": "Standard"}
    assert len(nat["publicIpAddresses"]) == 1


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("stack", STACKS)
def test_no_ipv6_anywhere_in_the_plan(stack: str) -> None:
    plan = plan_of(stack)
    for text in strings([r["inputs"] for r in plan.resources]) + strings(plan.outputs):
        candidate = text.strip()
        if "/" in candidate or ":" in candidate:
            try:
                network = ipaddress.ip_network(candidate, strict=False)
            except ValueError:
                continue
            assert network.version == 4, (stack, candidate)
    assert "IPv6" not in json.dumps([r["inputs"] for r in plan.resources])


@pytest.mark.parametrize("stack", STACKS)
def test_subnets_are_created_one_after_another(stack: str) -> None:
    subnets = sorted(plan_of(stack).of_type(f"{NETWORK}:Subnet"), key=lambda r: len(r["dependencies"]))
    urns = {r["urn"] for r in subnets}
    chained = [r for r in subnets if urns & set(r["dependencies"])]
    assert len(chained) == len(subnets) - 1
