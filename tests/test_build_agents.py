"""Build agents: a Hyper-V capable Windows Server Core scale set shaped for Azure DevOps, per region."""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from components.build_agents import COMMAND_LINE_LIMIT, SCRIPT_PATH
from components.sizes import VM_SIZES
from offline import engine
from offline.mocks import _password

from .conftest import PROJECT_DIR, config_error_lines, plan_of

VMSS = "azure-native:compute:VirtualMachineScaleSet"
EXTENSION = "azure-native:compute:VirtualMachineScaleSetExtension"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
PASSWORD = "random:index/randomPassword:RandomPassword"
KEY = "wincontainers:buildAgents"

Run = Callable[..., engine.Plan]


def _agents(raw: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = raw[KEY]
    return block


def _config_error(run_with: Run, mutate: Callable[[dict[str, Any]], None]) -> str:
    return "\n".join(config_error_lines(lambda: run_with(mutate)))


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{index}]")


def _command(plan: engine.Plan) -> str:
    command: str = plan.one(EXTENSION)["inputs"]["settings"]["commandToExecute"]
    return command


# --- the plan of each stack ---------------------------------------------------------------------------


def test_one_scale_set_shaped_for_azure_devops(stack_plan: engine.Plan) -> None:
    vmss = stack_plan.one(VMSS)
    inputs = vmss["inputs"]
    assert inputs["overprovision"] is False
    assert inputs["upgradePolicy"] == {"mode": "Manual"}
    assert inputs["singlePlacementGroup"] is False
    assert inputs["orchestrationMode"] == "Uniform"
    assert inputs["sku"]["capacity"] == 0
    assert "sku.capacity" in vmss["options"]["ignoreChanges"]
    assert "virtualMachineProfile.extensionProfile" in vmss["options"]["ignoreChanges"]
    assert 'tags["_AzureDevOpsElasticPool"]' in vmss["options"]["ignoreChanges"]
    assert inputs["vmScaleSetName"].startswith("vmss-wcp-prod-")
    assert inputs["tags"]["component"] == "build-agents"


def test_no_public_ip_no_load_balancer_and_only_the_build_subnet(stack_plan: engine.Plan) -> None:
    vmss = stack_plan.one(VMSS)
    keys = {path.rsplit(".", 1)[-1] for path, _ in _walk(vmss["inputs"])}
    for forbidden in (
        "publicIPAddressConfiguration",
        "loadBalancerBackendAddressPools",
        "loadBalancerInboundNatPools",
        "applicationGatewayBackendAddressPools",
        "healthProbe",
    ):
        assert forbidden not in keys
    nics = vmss["inputs"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
    assert len(nics) == 1
    [ip_configuration] = nics[0]["ipConfigurations"]
    assert ip_configuration["privateIPAddressVersion"] == "IPv4"
    region = {"prod-eastus": "eus", "prod-westus": "wus"}[stack_plan.stack]
    assert ip_configuration["subnet"]["id"].endswith(f"/subnets/snet-wcp-prod-{region}-build-agents")


def test_security_profile_and_boot_diagnostics(stack_plan: engine.Plan) -> None:
    profile = stack_plan.one(VMSS)["inputs"]["virtualMachineProfile"]
    assert profile["securityProfile"] == {"encryptionAtHost": True, "securityType": "Standard"}
    # Managed boot diagnostics storage: enabled, no storage account URI.
    assert profile["diagnosticsProfile"] == {"bootDiagnostics": {"enabled": True}}
    windows = profile["osProfile"]["windowsConfiguration"]
    assert windows["enableAutomaticUpdates"] is False
    assert windows["provisionVMAgent"] is True


def test_os_disk_carries_no_flexible_only_delete_option(stack_plan: engine.Plan) -> None:
    # osDisk.deleteOption applies to Flexible orchestration only (SDK docstring, Compute API 2024-11-01);
    # a Uniform instance's OS disk is deleted with the instance anyway.
    inputs = stack_plan.one(VMSS)["inputs"]
    assert inputs["orchestrationMode"] == "Uniform"
    assert "deleteOption" not in inputs["virtualMachineProfile"]["storageProfile"]["osDisk"]


def test_size_and_image_come_from_the_catalog(stack_plan: engine.Plan) -> None:
    inputs = stack_plan.one(VMSS)["inputs"]
    size = VM_SIZES[inputs["sku"]["name"]]
    assert size.problem is None
    assert (size.vcpus, size.memory_gib, size.nested_virtualization) == (4, 8, True)
    image = inputs["virtualMachineProfile"]["storageProfile"]["imageReference"]
    assert image == {
        "publisher": "MicrosoftWindowsServer",
        "offer": "WindowsServer",
        "sku": "2022-datacenter-core-g2" if size.hyper_v_generation == "V2" else "2022-datacenter-core",
        "version": "latest",
    }
    nic = inputs["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    assert nic["enableAcceleratedNetworking"] is (size.accelerated_networking != "unsupported")


def test_identity_is_wired_into_the_scale_set(stack_plan: engine.Plan) -> None:
    vmss = stack_plan.one(VMSS)
    [identity] = [r for r in stack_plan.of_type(IDENTITY) if r["parent"] == vmss["parent"]]
    assert vmss["inputs"]["identity"]["type"] == "UserAssigned"
    [identity_id] = vmss["inputs"]["identity"]["userAssignedIdentities"]
    assert identity_id.endswith(
        f"/Microsoft.ManagedIdentity/userAssignedIdentities/{identity['inputs']['resourceName']}"
    )
    assert vmss["propertyDependencies"]["identity"] == [identity["urn"]]
    for output in ("buildAgentsPrincipalId", "buildAgentsClientId"):
        assert re.fullmatch(r"[0-9a-f-]{36}", stack_plan.outputs[output])
    assert stack_plan.outputs["buildAgentsScaleSetName"] == vmss["inputs"]["vmScaleSetName"]
    assert stack_plan.outputs["buildAgentsScaleSetId"].endswith(
        f"/Microsoft.Compute/virtualMachineScaleSets/{vmss['inputs']['vmScaleSetName']}"
    )


def test_script_extension_runs_the_repo_script(stack_plan: engine.Plan) -> None:
    extension = stack_plan.one(EXTENSION)
    inputs = extension["inputs"]
    assert (inputs["publisher"], inputs["type"], inputs["typeHandlerVersion"]) == (
        "Microsoft.Compute",
        "CustomScriptExtension",
        "1.10",
    )
    assert inputs["vmScaleSetName"] == stack_plan.one(VMSS)["inputs"]["vmScaleSetName"]
    command = _command(stack_plan)
    assert len(command) <= COMMAND_LINE_LIMIT
    # The payload is the script file, byte for byte.
    payload = re.search(r"FromBase64String\('([A-Za-z0-9+/=]+)'\)", command)
    assert payload is not None
    assert gzip.decompress(base64.b64decode(payload.group(1))) == SCRIPT_PATH.read_bytes()
    # One double-quoted argument for cmd.exe: no other double quote and nothing cmd.exe would expand.
    assert command.count('"') == 2
    assert "%" not in command


@pytest.mark.parametrize(
    ("stack", "zone"), [("prod-eastus", "Eastern Standard Time"), ("prod-westus", "Pacific Standard Time")]
)
def test_each_region_runs_on_its_time_zone(stack: str, zone: str) -> None:
    plan = plan_of(stack)
    windows = plan.one(VMSS)["inputs"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"]
    assert windows["timeZone"] == zone
    assert f"-TimeZone '{zone}'" in _command(plan)


def test_time_zone_follows_config(run_with: Run) -> None:
    plan = run_with(lambda raw: _agents(raw).update(timeZone="Central Standard Time"))
    windows = plan.one(VMSS)["inputs"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"]
    assert windows["timeZone"] == "Central Standard Time"
    assert "-TimeZone 'Central Standard Time'" in _command(plan)
    assert "Eastern Standard Time" not in _command(plan)


def test_nvme_only_size_gets_an_nvme_controller(run_with: Run) -> None:
    plan = run_with(lambda raw: _agents(raw).update(vmSize="Standard_D4als_v6"))
    storage = plan.one(VMSS)["inputs"]["virtualMachineProfile"]["storageProfile"]
    assert storage["diskControllerType"] == "NVMe"
    assert storage["imageReference"]["sku"] == "2022-datacenter-core-g2"


# --- no password or secret in plain inputs ------------------------------------------------------------


def test_admin_password_is_generated_and_secret(stack_plan: engine.Plan) -> None:
    vmss = stack_plan.one(VMSS)
    assert vmss["inputs"]["virtualMachineProfile"]["osProfile"]["adminPassword"] == "[secret]"
    password = stack_plan.one(PASSWORD)
    assert password["urn"] in vmss["propertyDependencies"]["virtualMachineProfile"]
    assert password["inputs"]["length"] >= 14
    generated = _password(password["name"], password["inputs"]["length"])
    assert generated not in json.dumps(stack_plan.to_json())


def test_no_secret_in_any_build_agent_input(stack_plan: engine.Plan) -> None:
    component = stack_plan.one(VMSS)["parent"]
    for resource in stack_plan.resources:
        if resource["parent"] != component:
            continue
        for path, value in _walk(resource["inputs"]):
            if re.search(r"password|secret|key$", path, re.IGNORECASE) and isinstance(value, str):
                assert value == "[secret]", f"{resource['name']}{path} is plain"


def test_stack_files_hold_no_password() -> None:
    for stack_file in PROJECT_DIR.glob("Pulumi.*.yaml"):
        assert "password:" not in stack_file.read_text().lower().replace("passwordpolicy:", "")


def test_a_configured_password_is_refused(run_with: Run) -> None:
    message = _config_error(run_with, lambda raw: _agents(raw).update(adminPassword="Sup3r-Secret!"))
    assert f"config '{KEY}.adminPassword': unknown key" in message


# --- refused config -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "reason"),
    [
        ("Standard_D4as_v5", "has 4 vCPU / 16 GiB; build agents are sized at 4 vCPU / 8 GiB"),
        ("Standard_B4ls_v2", "does not support nested virtualization"),
        ("Standard_DC4as_v5", "is a confidential size, which has no nested virtualization"),
        ("Standard_D4s_v9", "is not in the build-agent size catalog"),
    ],
)
def test_unsuitable_sizes_are_refused_with_the_catalog(run_with: Run, size: str, reason: str) -> None:
    message = _config_error(run_with, lambda raw: _agents(raw).update(vmSize=size))
    assert message.startswith(f"prod-eastus: config '{KEY}.vmSize': '{size}' {reason}; allowed: ")
    for allowed in ("Standard_F4s_v2", "Standard_D4ls_v5", "Standard_D4ls_v6", "Standard_D4als_v6"):
        assert allowed in message
    for refused in ("Standard_D4as_v5", "Standard_B4ls_v2", "Standard_DC4as_v5"):
        assert f"allowed: {refused}" not in message and f", {refused}" not in message


@pytest.mark.parametrize("name", ["Administrator", "admin", "AzDevOps", "root"])
def test_reserved_admin_names_are_refused(run_with: Run, name: str) -> None:
    message = _config_error(run_with, lambda raw: _agents(raw).update(adminUsername=name))
    assert f"config '{KEY}.adminUsername': '{name}' is reserved by Azure or Azure DevOps" in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://feeds.contoso.com/nuget/v3/index.json", "is not an https URL"),
        ("https://user:pat@feeds.contoso.com/nuget/v3/index.json", "carries credentials"),
        ("https://feeds.contoso.com/nuget/%VAR%/index.json", "is not allowed"),
    ],
)
def test_feed_url_is_checked(run_with: Run, url: str, problem: str) -> None:
    message = _config_error(run_with, lambda raw: _agents(raw).update(nugetFeedUrl=url))
    assert f"config '{KEY}.nugetFeedUrl':" in message
    assert problem in message


def test_unknown_time_zone_is_refused(run_with: Run) -> None:
    message = _config_error(run_with, lambda raw: _agents(raw).update(timeZone="America/New_York"))
    assert f"config '{KEY}.timeZone': 'America/New_York' is not a known Windows time zone ID" in message


def test_gen2_sku_in_config_is_refused(run_with: Run) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _agents(raw)["image"]["sku"] = "2022-datacenter-core-g2"

    message = _config_error(run_with, mutate)
    assert f"config '{KEY}.image.sku': '2022-datacenter-core-g2' names the Gen2 variant" in message


@pytest.mark.parametrize("sku", ["2022-datacenter-azure-edition-core", "2022-datacenter-azure-edition-core-smalldisk"])
def test_image_sku_without_a_gen1_gen2_pair_is_refused(run_with: Run, sku: str) -> None:
    # Azure Edition Core is Gen2 only and has no `-g2` variant: appending one would name no image.
    def mutate(raw: dict[str, Any]) -> None:
        _agents(raw)["image"]["sku"] = sku

    message = _config_error(run_with, mutate)
    assert f"config '{KEY}.image.sku': '{sku}' is not allowed; allowed: 2022-datacenter-core, " in message


def test_lockout_duration_shorter_than_window_is_refused(run_with: Run) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _agents(raw)["passwordPolicy"].update(lockoutWindowMinutes=30, lockoutDurationMinutes=15)

    message = _config_error(run_with, mutate)
    assert (
        f"config '{KEY}.passwordPolicy.lockoutDurationMinutes': 15 is shorter than lockoutWindowMinutes 30" in message
    )


def test_standby_above_maximum_is_refused(run_with: Run) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _agents(raw)["capacity"].update(maximum=2, standby=3)

    message = _config_error(run_with, mutate)
    assert f"config '{KEY}.capacity.standby': 3 exceeds maximum 2" in message


# --- the preparation script, as text ------------------------------------------------------------------

SCRIPT = SCRIPT_PATH.read_text(encoding="ascii")

# Each required step, as the command that performs it.
STEPS = {
    "Hyper-V and Containers features": r"foreach \(\$feature in @\('Hyper-V', 'Containers'\)\)",
    "container runtime": r"download\.docker\.com/win/static/stable/x86_64/docker-\$DockerVersion\.zip",
    "Hyper-V isolation by default": r"isolation=hyperv",
    "PowerShell 7": r"PowerShell-\$PowerShellVersion-win-x64\.msi",
    "time zone": r"Set-TimeZone -Id \$TimeZone",
    "IPv6 off": r"Tcpip6\\Parameters'[\s\S]*DisabledComponents -PropertyType DWord -Value 0xFF",
    "machine-wide NuGet.Config": r"\$\{env:ProgramFiles\(x86\)\} 'NuGet\\Config'",
    "only the internal feed": r"<clear />\s*<add key=\"internal\" value=\"\$NuGetFeedUrl\"",
    "nuget.org disabled": r"<add key=\"nuget.org\" value=\"true\" />",
    "password length": r"/minpwlen:\$MinPasswordLength",
    "lockout": r"/lockoutthreshold:\$LockoutThreshold",
    "complexity": r"PasswordComplexity = 1",
    "restart once": r"Register-ScheduledTask -TaskName 'wincontainers-restart-once'",
}

# Commands that change the machine: each must sit inside an `if` that checks the machine first.
MUTATIONS = (
    "Install-WindowsFeature",
    "Invoke-WebRequest",
    "Expand-Archive",
    "SetEnvironmentVariable",
    "Set-Content",
    "--register-service",
    "Start-Service",
    "Stop-Service",
    "msiexec",
    "Set-TimeZone",
    "New-ItemProperty",
    "/minpwlen",
    "/lockout",
    "/configure",
    "Register-ScheduledTask",
)


@pytest.mark.parametrize("step", sorted(STEPS))
def test_script_contains_each_step(step: str) -> None:
    assert re.search(STEPS[step], SCRIPT), step


def test_script_parameters_match_the_command() -> None:
    declared = set(re.findall(r"\[Parameter\(Mandatory\)\] \[\w+\] \$(\w+)", SCRIPT))
    passed = set(re.findall(r"(?:^| )-(\w+) ", _command(plan_of("prod-eastus")).split("& $f ", 1)[1]))
    assert declared == passed


def _enclosing_lines(lines: list[str], index: int) -> Iterator[str]:
    """The lines that open the blocks around `lines[index]`, innermost first."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        stripped = line.lstrip()
        own = len(line) - len(stripped)
        if stripped and own < indent:
            yield stripped
            indent = own


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_every_change_is_guarded_by_a_check(mutation: str) -> None:
    lines = SCRIPT.splitlines()
    found = [i for i, line in enumerate(lines) if mutation in line and not line.lstrip().startswith("#")]
    assert found, mutation
    for index in found:
        line = lines[index].strip()
        guarded = line.startswith("if ") or any(opener.startswith("if ") for opener in _enclosing_lines(lines, index))
        assert guarded, f"line {index + 1} changes the machine without a check: {line}"


def test_script_is_ascii_never_restarts_inline_and_ends_cleanly() -> None:
    assert SCRIPT.isascii()
    assert "Restart-Computer" not in SCRIPT
    assert "$ErrorActionPreference = 'Stop'" in SCRIPT
    assert SCRIPT.rstrip().endswith("exit 0")
