"""The signing vault: a Premium, RBAC-only, purge-protected Key Vault with an HSM signing key, per region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.config import ConfigError
from offline import engine

from .conftest import config_error, plan_of, raw_config

VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"


def _signing_vault(raw: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = raw.setdefault("wincontainers:signingVault", {})
    return block


def _rotation(raw: dict[str, Any]) -> dict[str, Any]:
    rotation: dict[str, Any] = _signing_vault(raw).setdefault("key", {}).setdefault("rotation", {})
    return rotation


def test_vault_is_premium_rbac_purge_protected_and_closed(stack_plan: engine.Plan) -> None:
    vault = stack_plan.one(VAULT)
    props = vault["inputs"]["properties"]
    assert props["sku"] == {"family": "A", "name": "premium"}
    assert props["enableRbacAuthorization"] is True
    assert props["accessPolicies"] == []
    assert props["enablePurgeProtection"] is True
    assert props["enableSoftDelete"] is True
    assert props["softDeleteRetentionInDays"] == 90
    assert props["enabledForDeployment"] is False
    assert props["enabledForTemplateDeployment"] is False
    assert props["enabledForDiskEncryption"] is False
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["tenantId"] == "00000000-0000-4000-8000-00000000e1d0"
    acls = props["networkAcls"]
    assert acls["defaultAction"] == "Deny"
    assert acls["bypass"] == "AzureServices"
    assert acls["ipRules"] == []
    assert vault["inputs"]["vaultName"].startswith("kv-wcp-prod-")
    assert vault["options"]["protect"] is True
    assert vault["options"]["retainOnDelete"] is True


def test_vnet_rules_name_this_regions_client_subnets(stack_plan: engine.Plan) -> None:
    vault = stack_plan.one(VAULT)
    rule_ids = [r["id"] for r in vault["inputs"]["properties"]["networkAcls"]["virtualNetworkRules"]]
    region = {"prod-eastus": "eus", "prod-westus": "wus"}[stack_plan.stack]
    suffixes = ["build-agents", "aks-system", "aks-windows"]
    assert rule_ids == [
        f"/subscriptions/00000000-0000-4000-8000-0000000c0a57/resourceGroups/rg-wcp-prod-{region}/providers/"
        f"Microsoft.Network/virtualNetworks/vnet-wcp-prod-{region}/subnets/snet-wcp-prod-{region}-{s}"
        for s in suffixes
    ]
    # Each rule is a real dependency on the subnet that carries the Microsoft.KeyVault service endpoint.
    subnets = {r["inputs"]["subnetName"]: r for r in stack_plan.of_type("azure-native:network:Subnet")}
    for suffix in suffixes:
        subnet = subnets[f"snet-wcp-prod-{region}-{suffix}"]
        assert {"service": "Microsoft.KeyVault"} in subnet["inputs"]["serviceEndpoints"]
        assert subnet["urn"] in vault["dependencies"]


def test_hsm_signing_key_with_rotation_policy(stack_plan: engine.Plan) -> None:
    key = stack_plan.one(KEY)
    vault = stack_plan.one(VAULT)
    props = key["inputs"]["properties"]
    assert key["inputs"]["vaultName"] == vault["inputs"]["vaultName"]
    assert props["kty"] == "RSA-HSM"
    assert props["keySize"] == 3072
    assert "curveName" not in props
    assert props["keyOps"] == ["sign", "verify"]
    assert props["attributes"]["exportable"] is False
    assert props["rotationPolicy"] == {
        "attributes": {"expiryTime": "P730D"},
        "lifetimeActions": [
            {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P540D"}},
            {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
        ],
    }
    assert key["options"]["protect"] is True
    assert key["options"]["retainOnDelete"] is True


def _named(plan: engine.Plan, type_token: str, name: str) -> dict[str, Any]:
    found = [r for r in plan.of_type(type_token) if r["name"] == name]
    assert len(found) == 1, f"expected one {type_token} named {name}, found {len(found)}"
    return found[0]


def test_private_endpoint_dns_zone_and_vnet_link(stack_plan: engine.Plan) -> None:
    vault = stack_plan.one(VAULT)
    endpoint = _named(stack_plan, "azure-native:network:PrivateEndpoint", "signing-vault-private-endpoint")
    connection = endpoint["inputs"]["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["vault"]
    assert connection["privateLinkServiceId"].endswith(f"/Microsoft.KeyVault/vaults/{vault['inputs']['vaultName']}")
    assert endpoint["inputs"]["subnet"]["id"] == stack_plan.outputs["subnetIds"]["privateEndpoints"]
    zone = _named(stack_plan, "azure-native:privatedns:PrivateZone", "signing-vault-private-zone")
    assert zone["inputs"]["privateZoneName"] == "privatelink.vaultcore.azure.net"
    link = _named(stack_plan, "azure-native:privatedns:VirtualNetworkLink", "signing-vault-private-zone-link")
    assert link["inputs"]["virtualNetwork"]["id"] == stack_plan.outputs["vnetId"]
    assert link["inputs"]["registrationEnabled"] is False
    assert zone["urn"] in link["dependencies"]


def test_lock_and_audit_diagnostics(stack_plan: engine.Plan) -> None:
    vault = stack_plan.one(VAULT)
    vault_id = stack_plan.outputs["signingVaultId"]
    assert vault_id.endswith(f"/Microsoft.KeyVault/vaults/{vault['inputs']['vaultName']}")
    lock = _named(stack_plan, "azure-native:authorization:ManagementLockByScope", "signing-vault-lock")
    assert lock["inputs"]["scope"] == vault_id
    assert lock["inputs"]["level"] == "CanNotDelete"
    diagnostics = [
        r
        for r in stack_plan.of_type("azure-native:monitor:DiagnosticSetting")
        if r["inputs"]["resourceUri"] == vault_id
    ]
    assert len(diagnostics) == 1
    assert [log["category"] for log in diagnostics[0]["inputs"]["logs"]] == ["AuditEvent"]


def test_outputs_are_what_signing_tools_expect(stack_plan: engine.Plan) -> None:
    name = stack_plan.one(VAULT)["inputs"]["vaultName"]
    key_name = stack_plan.one(KEY)["inputs"]["keyName"]
    region = {"prod-eastus": "eus", "prod-westus": "wus"}[stack_plan.stack]
    assert key_name == f"key-wcp-prod-{region}-signing"
    assert stack_plan.outputs["signingVaultUri"] == f"https://{name}.vault.azure.net/"
    assert stack_plan.outputs["signingKeyId"] == f"https://{name}.vault.azure.net/keys/{key_name}"
    assert stack_plan.outputs["signingKeyCosignRef"] == f"azurekms://{name}.vault.azure.net/{key_name}"


def test_vaults_are_regional_and_distinct() -> None:
    names = {plan_of(stack).one(VAULT)["inputs"]["vaultName"] for stack in ("prod-eastus", "prod-westus")}
    assert len(names) == 2
    assert all(3 <= len(n) <= 24 for n in names)


def test_ec_hsm_p384_key(run_with: Callable[..., engine.Plan]) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        key = _signing_vault(raw)["key"]
        key["type"] = "EC-HSM"
        del key["size"]

    props = run_with(mutate).one(KEY)["inputs"]["properties"]
    assert props["kty"] == "EC-HSM"
    assert props["curveName"] == "P-384"
    assert "keySize" not in props


def _config_error(run_with: Callable[..., engine.Plan], mutate: Callable[[dict[str, Any]], None]) -> str:
    return config_error(lambda: run_with(mutate))


@pytest.mark.parametrize("kty", ["RSA", "EC"])
def test_software_key_type_is_refused(run_with: Callable[..., engine.Plan], kty: str) -> None:
    line = _config_error(run_with, lambda raw: _signing_vault(raw)["key"].update(type=kty))
    assert line.startswith("prod-eastus: config 'wincontainers:signingVault.key.type': ")
    assert f"'{kty}' is a software-protected key type" in line
    assert "allowed: RSA-HSM, EC-HSM" in line


@pytest.mark.parametrize("days", [6, 91, 0])
def test_soft_delete_retention_outside_7_to_90(run_with: Callable[..., engine.Plan], days: int) -> None:
    line = _config_error(run_with, lambda raw: _signing_vault(raw).update(softDeleteRetentionDays=days))
    assert line == (
        f"prod-eastus: config 'wincontainers:signingVault.softDeleteRetentionDays': {days} days; allowed: 7-90 days "
        "(Key Vault soft-delete retention, fixed when the vault is created)"
    )


@pytest.mark.parametrize("days", [7, 90])
def test_soft_delete_retention_bounds_are_accepted(run_with: Callable[..., engine.Plan], days: int) -> None:
    plan = run_with(lambda raw: _signing_vault(raw).update(softDeleteRetentionDays=days))
    assert plan.one(VAULT)["inputs"]["properties"]["softDeleteRetentionInDays"] == days


def test_rotation_interval_under_7_days(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(run_with, lambda raw: _rotation(raw).update(rotateAfterCreateDays=6))
    assert line.startswith("prod-eastus: config 'wincontainers:signingVault.key.rotation.rotateAfterCreateDays': ")
    assert "rotation interval of 6 days is below Key Vault's minimum; allowed: at least 7 days" in line


def test_rotation_too_close_to_expiry(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(run_with, lambda raw: _rotation(raw).update(expiryDays=90, rotateAfterCreateDays=85))
    assert line.startswith("prod-eastus: config 'wincontainers:signingVault.key.rotation.rotateAfterCreateDays': ")
    assert "allowed: 7-83 days" in line


def test_expiry_under_28_days(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(
        run_with, lambda raw: _rotation(raw).update(expiryDays=27, rotateAfterCreateDays=7, notifyBeforeExpiryDays=7)
    )
    assert "'wincontainers:signingVault.key.rotation.expiryDays'" in line
    assert "allowed: at least 28 days" in line


def test_notify_under_7_days_before_expiry(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(run_with, lambda raw: _rotation(raw).update(notifyBeforeExpiryDays=3))
    assert "'wincontainers:signingVault.key.rotation.notifyBeforeExpiryDays'" in line
    assert "allowed: at least 7 days before expiry" in line


def test_purge_protection_off(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(run_with, lambda raw: _signing_vault(raw).update(purgeProtection=False))
    assert line.startswith("prod-eastus: config 'wincontainers:signingVault.purgeProtection': purge protection cannot")
    assert line.endswith("allowed: true")


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"size": 2048}, "key.size", "2048 bits; allowed: 3072, 4096 for RSA-HSM"),
        ({"curve": "P-384"}, "key.curve", "an RSA-HSM key has no curve"),
        ({"type": "EC-HSM"}, "key.size", "an EC-HSM key has a curve, not a size"),
        (
            {"type": "oct-HSM"},
            "key.type",
            "'oct-HSM' is not an asymmetric HSM signing key type; allowed: RSA-HSM, EC-HSM",
        ),
        ({"name": "image-signing"}, "key.name", "unknown key; allowed: curve, rotation, size, type"),
    ],
)
def test_key_shape_errors(
    run_with: Callable[..., engine.Plan], change: dict[str, Any], path: str, message: str
) -> None:
    line = _config_error(run_with, lambda raw: _signing_vault(raw)["key"].update(change))
    assert f"'wincontainers:signingVault.{path}'" in line
    assert message in line


def test_managed_hsm_mode_is_not_yet_supported(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(run_with, lambda raw: _signing_vault(raw).update(mode="managedHsm"))
    assert line.startswith("prod-eastus: config 'wincontainers:signingVault.mode': 'managedHsm' is not yet supported")
    assert line.endswith("allowed: premiumVault")


def test_config_errors_register_no_resource() -> None:
    raw = raw_config()
    _signing_vault(raw)["key"]["type"] = "RSA"
    registered: list[dict[str, Any]] = []
    with pytest.raises(ConfigError):
        engine.run("prod-eastus", raw_config=raw, registrations=registered)
    assert registered == []


def test_block_is_optional_and_defaults_are_secure(run_with: Callable[..., engine.Plan]) -> None:
    plan = run_with(lambda raw: raw.pop("wincontainers:signingVault"))
    props = plan.one(VAULT)["inputs"]["properties"]
    assert props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert plan.one(KEY)["inputs"]["properties"]["kty"] == "RSA-HSM"
