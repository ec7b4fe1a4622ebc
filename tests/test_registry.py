"""The registry: one Premium ACR owned by the primary stack, a replica and a private endpoint per other region."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import ConfigError, load_settings
from offline import engine

from .conftest import PROJECT, PROJECT_DIR, config_error, plan_of, raw_config, run_preview

REGISTRY = "azure-native:containerregistry:Registry"
REPLICATION = "azure-native:containerregistry:Replication"
TASK = "azure-native:containerregistry:Task"
CACHE_RULE = "azure-native:containerregistry:CacheRule"
LOCK = "azure-native:authorization:ManagementLockByScope"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
KEY = "wincontainers:registry"


def _registry(raw: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = raw[KEY]
    return block


def _in_registry_component(plan: engine.Plan, type_token: str) -> list[dict[str, Any]]:
    return [r for r in plan.of_type(type_token) if "wincontainers:registry:Registry" in r["urn"]]


def _config_error(run: Callable[[], engine.Plan]) -> str:
    return config_error(run)


# --- prod-eastus: the registry ---------------------------------------------------------------------------


def test_primary_owns_one_locked_down_premium_registry() -> None:
    registry = plan_of("prod-eastus").one(REGISTRY)
    inputs = registry["inputs"]
    assert inputs["sku"] == {"name": "Premium"}
    assert inputs["location"] == "eastus"
    assert inputs["adminUserEnabled"] is False
    assert inputs["anonymousPullEnabled"] is False
    assert inputs["publicNetworkAccess"] == "Disabled"
    assert inputs["networkRuleSet"] == {"defaultAction": "Deny", "ipRules": []}
    assert inputs["networkRuleBypassOptions"] == "AzureServices"
    assert inputs["zoneRedundancy"] == "Enabled"
    assert inputs["dataEndpointEnabled"] is True
    assert inputs["tags"]["component"] == "registry"
    assert registry["options"]["protect"] is True


def test_registry_policies_retention_on_soft_delete_trust_export_quarantine_off() -> None:
    policies = plan_of("prod-eastus").one(REGISTRY)["inputs"]["policies"]
    assert policies["retentionPolicy"] == {"status": "enabled", "days": 7}
    assert policies["softDeletePolicy"]["status"] == "disabled"
    assert policies["trustPolicy"]["status"] == "disabled"
    assert policies["exportPolicy"] == {"status": "disabled"}
    assert policies["quarantinePolicy"] == {"status": "disabled"}


def test_registry_has_a_can_not_delete_lock() -> None:
    plan = plan_of("prod-eastus")
    registry = plan.one(REGISTRY)
    locks = [lock for lock in _in_registry_component(plan, LOCK) if registry["urn"] in lock["dependencies"]]
    assert len(locks) == 1
    assert locks[0]["inputs"]["level"] == "CanNotDelete"
    assert locks[0]["inputs"]["scope"] == plan.outputs["registryId"]


def test_purge_task_runs_acr_purge_on_a_schedule() -> None:
    task = plan_of("prod-eastus").one(TASK)["inputs"]
    assert task["trigger"]["timerTriggers"] == [
        {"name": "purge-schedule", "schedule": "0 3 * * Sun", "status": "Enabled"}
    ]
    assert task["status"] == "Enabled"
    assert task["location"] == "eastus"
    assert task["platform"]["os"] == "Linux"
    assert task["step"]["type"] == "EncodedTask"
    definition = base64.b64decode(task["step"]["encodedTaskContent"]).decode()
    assert (
        "  - cmd: acr purge --filter 'builds/.*:.*' --filter 'dev/.*:.*' --ago 30d --keep 10 --untagged\n" in definition
    )
    assert definition.startswith("version: v1.1.0\n")


def test_purge_command_follows_config(run_with: Callable[..., engine.Plan]) -> None:
    def change(raw: dict[str, Any]) -> None:
        _registry(raw)["purge"].update(filters=["ci/.*:^pr-.*"], ago="2d12h", keep=0, untagged=False)

    definition = base64.b64decode(run_with(change).one(TASK)["inputs"]["step"]["encodedTaskContent"]).decode()
    assert "cmd: acr purge --filter 'ci/.*:^pr-.*' --ago 2d12h --keep 0\n" in definition


def test_cache_rules_pull_base_images_through_the_registry() -> None:
    plan = plan_of("prod-eastus")
    rules = {r["inputs"]["sourceRepository"]: r["inputs"] for r in plan.of_type(CACHE_RULE)}
    assert rules["mcr.microsoft.com/windows/servercore"]["targetRepository"] == "windows/servercore"
    assert rules["mcr.microsoft.com/dotnet/framework/sdk"]["targetRepository"] == "dotnet/framework/sdk"
    assert all(r["registryName"] == plan.outputs["registryName"] for r in rules.values())
    assert len(rules) == len(raw_config()[KEY]["cacheRules"])


def test_registry_audit_logs_go_to_the_workspace() -> None:
    plan = plan_of("prod-eastus")
    registry_id = plan.outputs["registryId"]
    settings = [d for d in plan.of_type(DIAGNOSTICS) if d["inputs"]["resourceUri"] == registry_id]
    assert len(settings) == 1
    categories = {log["category"] for log in settings[0]["inputs"]["logs"]}
    assert categories == {"ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents"}
    assert settings[0]["inputs"]["workspaceId"] == plan.outputs["logAnalyticsWorkspaceId"]


def test_primary_exports_what_replicas_read() -> None:
    outputs = plan_of("prod-eastus").outputs
    # One name for the whole environment: no region in it, a hash of naming.uniqueSeed for global uniqueness.
    name = load_settings(PROJECT, "prod-eastus", raw_config()).naming_scheme().global_name(REGISTRY, regional=False)
    assert outputs["registryName"] == name
    assert outputs["registryLoginServer"] == f"{name}.azurecr.io"
    assert outputs["registryResourceGroupName"] == "rg-wcp-prod-eus"
    assert outputs["registryId"].endswith(
        f"/resourceGroups/rg-wcp-prod-eus/providers/Microsoft.ContainerRegistry/registries/{name}"
    )
    assert outputs["registryReplicationId"] is None
    assert outputs["registryPrivateEndpointId"].endswith("/privateEndpoints/pe-wcp-prod-eus-registry")


# --- every stack: private access ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod-eastus", "prod-westus"])
def test_every_stack_has_a_private_endpoint_and_linked_zone(stack: str) -> None:
    plan = plan_of(stack)
    location = stack.removeprefix("prod-")
    (endpoint,) = _in_registry_component(plan, ENDPOINT)
    connection = endpoint["inputs"]["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["registry"]
    assert connection["privateLinkServiceId"] == plan.outputs["registryId"]
    assert endpoint["inputs"]["location"] == location
    assert endpoint["inputs"]["subnet"]["id"] == plan.outputs["subnetIds"]["privateEndpoints"]
    (zone,) = _in_registry_component(plan, ZONE)
    assert zone["inputs"]["privateZoneName"] == "privatelink.azurecr.io"
    (link,) = _in_registry_component(plan, LINK)
    assert link["inputs"]["virtualNetwork"] == {"id": plan.outputs["vnetId"]}
    assert link["inputs"]["registrationEnabled"] is False


# --- prod-westus: a replica --------------------------------------------------------------------------------


def test_replica_stack_creates_no_registry_and_one_replication_on_the_primary() -> None:
    plan = plan_of("prod-westus")
    primary = plan_of("prod-eastus").outputs
    assert plan.of_type(REGISTRY) == []
    assert plan.of_type(TASK) == []
    assert plan.of_type(CACHE_RULE) == []
    replication = plan.one(REPLICATION)["inputs"]
    assert replication["location"] == "westus"
    assert replication["registryName"] == primary["registryName"]
    assert replication["resourceGroupName"] == primary["registryResourceGroupName"]
    assert plan.outputs["registryId"] == primary["registryId"]
    assert plan.outputs["registryReplicationId"] == f"{primary['registryId']}/replications/crwcpprodwus"


def test_zone_redundancy_follows_the_regions_availability_zones() -> None:
    # West US has no availability zones: Azure refuses a zone-redundant replica there.
    assert plan_of("prod-westus").one(REPLICATION)["inputs"]["zoneRedundancy"] == "Disabled"
    raw = raw_config("prod-westus")
    raw["azure-native:location"] = "centralus"
    plan = engine.run("prod-centralus", raw_config=raw)
    assert plan.one(REPLICATION)["inputs"]["zoneRedundancy"] == "Enabled"
    assert plan.one(REPLICATION)["inputs"]["location"] == "centralus"


def test_replica_private_endpoint_waits_for_its_replication() -> None:
    plan = plan_of("prod-westus")
    (endpoint,) = _in_registry_component(plan, ENDPOINT)
    assert plan.one(REPLICATION)["urn"] in endpoint["dependencies"]


def test_stack_reference_reads_the_stack_it_names() -> None:
    outputs = {"prod-eastus": {**plan_of("prod-eastus").outputs, "registryName": "crother"}}
    plan = engine.run("prod-westus", stack_outputs=outputs)
    assert plan.one(REPLICATION)["inputs"]["registryName"] == "crother"


def test_a_stack_referencing_itself_is_an_error() -> None:
    raw = raw_config("prod-westus")
    _registry(raw)["primaryStack"] = "contoso/wincontainers/prod-westus"
    line = _config_error(lambda: engine.run("prod-westus", raw_config=raw))
    assert line.startswith("prod-westus: config 'wincontainers:registry.primaryStack':")
    assert "prod-westus -> prod-westus" in line


def test_a_reference_to_a_stack_without_a_stack_file_is_an_error() -> None:
    raw = raw_config("prod-westus")
    _registry(raw)["primaryStack"] = "contoso/wincontainers/prod-centralus"
    line = _config_error(lambda: engine.run("prod-westus", raw_config=raw))
    assert "'contoso/wincontainers/prod-centralus' has no stack file Pulumi.prod-centralus.yaml here" in line
    assert line.endswith("allowed: a stack of this project (prod-eastus, prod-westus)")


# --- config errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [-1, 366])
def test_retention_out_of_range(run_with: Callable[..., engine.Plan], days: int) -> None:
    line = _config_error(lambda: run_with(lambda raw: _registry(raw)["retention"].update(untaggedDays=days)))
    assert line == (
        f"prod-eastus: config 'wincontainers:registry.retention.untaggedDays': {days} days is out of range; "
        "allowed: 0-365 (0 deletes a manifest once untagged)"
    )


def test_retention_bounds_are_allowed(run_with: Callable[..., engine.Plan]) -> None:
    plan = run_with(lambda raw: _registry(raw)["retention"].update(untaggedDays=365))
    assert plan.one(REGISTRY)["inputs"]["policies"]["retentionPolicy"]["days"] == 365


def test_soft_delete_with_replicas_is_an_error(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(lambda: run_with(lambda raw: _registry(raw).update(softDelete={"enabled": True})))
    assert line.startswith("prod-eastus: config 'wincontainers:registry.softDelete.enabled': soft delete is not")
    assert "geo-replicated" in line
    assert line.endswith("allowed: false")


def test_replica_without_primary_stack_reference_is_an_error(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(lambda: run_with(lambda raw: _registry(raw).pop("primaryStack"), stack="prod-westus"))
    assert line.startswith("prod-westus: config 'wincontainers:registry.primaryStack': a replica reads the registry")
    assert "'<org>/<project>/<primary stack>'" in line


def test_malformed_primary_stack_reference_is_an_error(run_with: Callable[..., engine.Plan]) -> None:
    def change(raw: dict[str, Any]) -> None:
        _registry(raw)["primaryStack"] = "prod-eastus"

    line = _config_error(lambda: run_with(change, stack="prod-westus"))
    assert "'prod-eastus' is not a stack reference" in line


@pytest.mark.parametrize("sku", ["Standard", "Basic"])
def test_non_premium_sku_is_an_error(run_with: Callable[..., engine.Plan], sku: str) -> None:
    line = _config_error(lambda: run_with(lambda raw: _registry(raw).update(sku=sku)))
    assert line.startswith(
        f"prod-eastus: config 'wincontainers:registry.sku': '{sku}' is not allowed; allowed: Premium"
    )


def test_primary_with_a_stack_reference_is_an_error(run_with: Callable[..., engine.Plan]) -> None:
    def change(raw: dict[str, Any]) -> None:
        _registry(raw)["primaryStack"] = "contoso/wincontainers/prod-westus"

    line = _config_error(lambda: run_with(change))
    assert "'wincontainers:registry.primaryStack': the primary owns the registry" in line


def test_replica_cannot_carry_registry_wide_settings(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(
        lambda: run_with(lambda raw: _registry(raw).update(retention={"untaggedDays": 3}), stack="prod-westus")
    )
    assert line.startswith("prod-westus: config 'wincontainers:registry.retention': only the primary stack's")


def test_cache_rule_on_docker_hub_is_an_error(run_with: Callable[..., engine.Plan]) -> None:
    def change(raw: dict[str, Any]) -> None:
        _registry(raw)["cacheRules"][0]["source"] = "docker.io/library/nginx"

    line = _config_error(lambda: run_with(change))
    assert "'wincontainers:registry.cacheRules[0].source'" in line
    assert "allowed hosts: mcr.microsoft.com" in line


def test_duplicate_cache_rule_target_is_an_error(run_with: Callable[..., engine.Plan]) -> None:
    def change(raw: dict[str, Any]) -> None:
        rules = _registry(raw)["cacheRules"]
        rules[1]["target"] = rules[0]["target"]

    line = _config_error(lambda: run_with(change))
    assert line.startswith("prod-eastus: config 'wincontainers:registry.cacheRules[1].target': 'windows/servercore'")


def test_private_ip_rule_is_an_error_and_public_ones_reach_the_registry(run_with: Callable[..., engine.Plan]) -> None:
    line = _config_error(lambda: run_with(lambda raw: _registry(raw).update(ipRules=["10.1.0.0/16"])))
    assert "'wincontainers:registry.ipRules'" in line
    assert "not a public range" in line
    plan = run_with(lambda raw: _registry(raw).update(ipRules=["20.0.156.189"]))
    rules = plan.one(REGISTRY)["inputs"]["networkRuleSet"]["ipRules"]
    assert rules == [{"action": "Allow", "iPAddressOrRange": "20.0.156.189/32"}]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"schedule": "every sunday"}, "purge.schedule", "is not a cron schedule"),
        ({"ago": "30 days"}, "purge.ago", "is not a duration"),
        ({"filters": ["builds"]}, "purge.filters", "is not '<repository regex>:<tag regex>'"),
        ({"filters": ["builds/(:.*"]}, "purge.filters", "is not a regular expression"),
        # The command line sits unquoted in the task's YAML: ": " or " #" there would break or cut it.
        ({"filters": ["builds/.*: #.*"]}, "purge.filters", "contains whitespace"),
    ],
)
def test_bad_purge_settings_are_errors(
    run_with: Callable[..., engine.Plan], change: dict[str, Any], path: str, message: str
) -> None:
    line = _config_error(lambda: run_with(lambda raw: _registry(raw)["purge"].update(change)))
    assert f"'wincontainers:registry.{path}'" in line
    assert message in line


def test_config_errors_register_no_resource() -> None:
    raw = raw_config("prod-westus")
    _registry(raw).pop("primaryStack")
    registered: list[dict[str, Any]] = []
    with pytest.raises(ConfigError):
        engine.run("prod-westus", raw_config=raw, registrations=registered)
    assert registered == []


def test_a_reference_to_another_projects_stack_is_an_error() -> None:
    # Offline, only this project's stack files can answer; another project's same-named stack must not.
    raw = raw_config("prod-westus")
    _registry(raw)["primaryStack"] = "contoso/otherproject/prod-eastus"
    line = _config_error(lambda: engine.run("prod-westus", raw_config=raw))
    assert line.startswith("prod-westus: config 'wincontainers:registry.primaryStack': ")
    assert "'contoso/otherproject/prod-eastus' names project 'otherproject'" in line
    assert line.endswith("allowed: '<org>/wincontainers/<stack>' naming a stack of this project")


def test_a_two_stack_cycle_exits_2_with_one_line(tmp_path: Path) -> None:
    # prod-eastus turned into a replica of prod-westus, which replicates prod-eastus: previewing either stack
    # alone follows the references and stops at the loop.
    for name in ("Pulumi.yaml", "__main__.py", "components", "scripts", "Pulumi.prod-westus.yaml"):
        (tmp_path / name).symlink_to(PROJECT_DIR / name)
    raw = raw_config("prod-eastus")
    raw[KEY] = {"role": "replica", "primaryStack": "contoso/wincontainers/prod-westus"}
    (tmp_path / "Pulumi.prod-eastus.yaml").write_text(yaml.safe_dump({"config": raw}))
    result = run_preview("--stack", "prod-westus", "--project-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: prod-eastus: config 'wincontainers:registry.primaryStack': 'contoso/wincontainers/prod-westus' "
        "leads back to prod-westus -> prod-eastus -> prod-westus; allowed: a stack that does not reference this one"
    ]
