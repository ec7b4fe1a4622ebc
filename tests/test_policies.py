"""Policy as code: both stacks pass every rule, and each rule catches the mistake it exists for."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offline.policies import violations
from policy.rules import POLICIES

from .conftest import STACKS, plan_of, run_preview


@pytest.mark.parametrize("stack", STACKS)
def test_committed_stacks_pass_every_policy(stack: str) -> None:
    assert plan_of(stack).policies == {"violations": []}


def test_every_rule_is_mandatory_and_mapped_to_a_control() -> None:
    assert len({p.name for p in POLICIES}) == len(POLICIES)
    for policy in POLICIES:
        assert policy.enforcement_level is not None and policy.enforcement_level.value == "mandatory"
        assert policy.framework is not None and policy.framework.reference


def resource(type_token: str, stack: str = "prod-eastus") -> dict[str, Any]:
    return copy.deepcopy(next(r for r in plan_of(stack).resources if r["type"] == type_token))


def fired(broken: dict[str, Any]) -> set[str]:
    return {v["policy"] for v in violations([broken])}


Break = Callable[[dict[str, Any]], None]

CASES: list[tuple[str, str, Break]] = [
    (
        "public-network-access-disabled",
        "azure-native:keyvault:Vault",
        lambda r: r["inputs"]["properties"].update(publicNetworkAccess="Enabled"),
    ),
    (
        "public-ip-only-for-nat-egress",
        "azure-native:network:PublicIPAddress",
        lambda r: r["inputs"]["tags"].pop("purpose"),
    ),
    (
        "nsg-deny-by-default",
        "azure-native:network:NetworkSecurityGroup",
        lambda r: r["inputs"].update(securityRules=r["inputs"]["securityRules"][:-1]),
    ),
    (
        "nsg-deny-by-default",
        "azure-native:network:NetworkSecurityGroup",
        lambda r: r["inputs"]["securityRules"][0].update(sourceAddressPrefixes=["0.0.0.0/0"]),
    ),
    (
        "ipv4-only",
        "azure-native:network:VirtualNetwork",
        lambda r: r["inputs"]["addressSpace"]["addressPrefixes"].append("fd00:1::/48"),
    ),
    ("ipv4-only", "azure-native:network:PublicIPAddress", lambda r: r["inputs"].update(publicIPAddressVersion="IPv6")),
    ("audit-tags", "azure-native:network:VirtualNetwork", lambda r: r["inputs"]["tags"].pop("costCenter")),
    ("stateful-resources-protected", "azure-native:keyvault:Key", lambda r: r["options"].update(protect=False)),
    ("signing-keys-in-hsm", "azure-native:keyvault:Key", lambda r: r["inputs"]["properties"].update(kty="RSA")),
    (
        "vault-hardened",
        "azure-native:keyvault:Vault",
        lambda r: r["inputs"]["properties"].update(enablePurgeProtection=False),
    ),
    (
        "vault-hardened",
        "azure-native:keyvault:Vault",
        lambda r: r["inputs"]["properties"]["sku"].update(name="standard"),
    ),
    (
        "registry-no-shared-credentials",
        "azure-native:containerregistry:Registry",
        lambda r: r["inputs"].update(adminUserEnabled=True),
    ),
    (
        "aks-entra-only",
        "azure-native:containerservice:ManagedCluster",
        lambda r: r["inputs"].update(disableLocalAccounts=False),
    ),
    (
        "vmss-host-encryption",
        "azure-native:compute:VirtualMachineScaleSet",
        lambda r: r["inputs"]["virtualMachineProfile"]["securityProfile"].update(encryptionAtHost=False),
    ),
    (
        "no-broad-roles",
        "azure-native:authorization:RoleAssignment",
        lambda r: r["inputs"].update(
            roleDefinitionId="/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/"
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
        ),
    ),
]


@pytest.mark.parametrize(("policy", "type_token", "brk"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_catches_its_mistake(policy: str, type_token: str, brk: Break) -> None:
    broken = resource(type_token)
    assert policy not in fired(broken), "the committed resource must pass before it is broken"
    brk(broken)
    assert policy in fired(broken)


def test_cli_exits_1_on_a_mandatory_violation(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: wincontainers\nruntime: python\n")
    (tmp_path / "Pulumi.dev-eastus.yaml").write_text("config:\n  azure-native:location: eastus\n")
    (tmp_path / "__main__.py").write_text(
        "from pulumi_azure_native import network\n"
        "network.PublicIPAddress('stray-ip', resource_group_name='rg', public_ip_address_version='IPv4')\n"
    )
    result = run_preview("--stack", "dev-eastus", "--project-dir", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "Policy violations:" in result.stdout
    assert "[mandatory] public-ip-only-for-nat-egress" in result.stdout
