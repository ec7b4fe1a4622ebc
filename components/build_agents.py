"""The region's image-build agents: a Windows Server 2022 Core scale set shaped for Azure DevOps.

Each instance builds images with `docker build --isolation=hyperv`, which needs nested virtualization,
so the size comes from the catalog in `sizes.py`. The scale set follows the Azure DevOps scale-set agent
requirements (learn.microsoft.com/azure/devops/pipelines/agents/scale-set-agents): no overprovisioning,
manual upgrade policy, no load balancer, no single placement group, and a capacity that only the agent
pool service changes. Role assignments for the identity (AcrPush, key signing) are made by the caller.
"""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_random as random
from pulumi_azure_native import compute, managedidentity

from .config.build_agents import BuildAgentSettings
from .identity import user_assigned_identity
from .placement import Placement
from .sizes import VM_SIZES

SCRIPT_PATH = Path(__file__).resolve().parent.parent / "scripts" / "prepare-build-agent.ps1"

# The Custom Script Extension for Windows has no inline-script setting (that is the Linux extension's
# `script`); it runs `commandToExecute` (learn.microsoft.com/azure/virtual-machines/extensions/
# custom-script-windows, "Extension schema"). The script therefore travels inside the command: gzip,
# base64, unpacked by a one-line bootstrap. The command must stay within cmd.exe's 8,191-character
# limit (learn.microsoft.com/troubleshoot/windows-client/shell-experience/command-line-string-limitation).
COMMAND_LINE_LIMIT = 8191

# Tags the Azure DevOps pool service writes on the scale set it manages (scale-set-agents, FAQ); removing
# them would release the scale set from its pool.
AZURE_DEVOPS_TAGS = ("_AzureDevOpsElasticPool", "_AzureDevOpsElasticPoolTimeStamp")


def prepare_command(settings: BuildAgentSettings) -> str:
    """The `commandToExecute` that writes `scripts/prepare-build-agent.ps1` to disk and runs it.

    The payload is deterministic (gzip without a timestamp), so the extension only changes, and reruns on
    new and reimaged instances, when the script or its settings change.
    """
    payload = base64.b64encode(gzip.compress(SCRIPT_PATH.read_bytes(), mtime=0)).decode("ascii")
    policy = settings.password_policy
    arguments = " ".join(
        (
            f"-TimeZone '{settings.time_zone}'",
            f"-NuGetFeedUrl '{settings.nuget_feed_url}'",
            f"-DockerVersion '{settings.docker_version}'",
            f"-PowerShellVersion '{settings.powershell_version}'",
            f"-MinPasswordLength {policy.min_length}",
            f"-LockoutThreshold {policy.lockout_threshold}",
            f"-LockoutWindowMinutes {policy.lockout_window_minutes}",
            f"-LockoutDurationMinutes {policy.lockout_duration_minutes}",
        )
    )
    # Single quotes only inside: the whole bootstrap is one double-quoted argument.
    bootstrap = (
        "$ErrorActionPreference='Stop';"
        "$d=Join-Path $env:ProgramData 'wincontainers';"
        "New-Item -ItemType Directory -Force -Path $d|Out-Null;"
        "$f=Join-Path $d 'prepare-build-agent.ps1';"
        f"$b=[Convert]::FromBase64String('{payload}');"
        "$z=New-Object IO.Compression.GZipStream((New-Object IO.MemoryStream(,$b)),"
        "[IO.Compression.CompressionMode]::Decompress);"
        "$r=New-Object IO.StreamReader($z);[IO.File]::WriteAllText($f,$r.ReadToEnd());$r.Close();"
        f"& $f {arguments};exit $LASTEXITCODE"
    )
    return f'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "{bootstrap}"'


@dataclass(frozen=True)
class BuildAgentsArgs:
    placement: Placement
    settings: BuildAgentSettings
    subnet_id: pulumi.Input[str]


class BuildAgents(pulumi.ComponentResource):
    """A Hyper-V capable Windows Server Core scale set with its own identity, ready for an Azure DevOps pool."""

    identity: managedidentity.UserAssignedIdentity
    admin_password: random.RandomPassword
    scale_set: compute.VirtualMachineScaleSet
    prepare_extension: compute.VirtualMachineScaleSetExtension

    def __init__(self, name: str, args: BuildAgentsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:buildagents:BuildAgents", name, None, opts)
        place = args.placement.for_component("build-agents")
        settings = args.settings
        size = VM_SIZES[settings.vm_size]
        tags = place.tags
        child = pulumi.ResourceOptions(parent=self)

        # The identity the lead grants AcrPush and key-signing rights to; user-assigned so that grants
        # exist before the first instance and survive reimaging.
        self.identity = user_assigned_identity(f"{name}-identity", purpose="build-agents", place=place, opts=child)

        # Nobody signs in with this account (agents run as the pool's AzDevOps user and break-glass access
        # is a password reset through Azure); it exists because Windows provisioning requires one. The
        # value lives only in state, encrypted as a secret, never in config. Azure accepts 8-123
        # characters with 3 of 4 character classes (Compute API, osProfile.adminPassword).
        self.admin_password = random.RandomPassword(
            f"{name}-admin-password",
            length=32,
            min_lower=2,
            min_upper=2,
            min_numeric=2,
            min_special=2,
            override_special="!#%*()-_=+[]{}:?",
            opts=child,
        )

        self.scale_set = compute.VirtualMachineScaleSet(
            f"{name}-vmss",
            vm_scale_set_name=place.naming.name("azure-native:compute:VirtualMachineScaleSet", "build-agents"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            # Azure DevOps sets the capacity; it starts at 0 as its documentation recommends.
            sku=compute.SkuArgs(name=size.name, tier="Standard", capacity=0),
            orchestration_mode="Uniform",
            overprovision=False,
            single_placement_group=False,
            platform_fault_domain_count=1,
            upgrade_policy=compute.UpgradePolicyArgs(mode=compute.UpgradeMode.MANUAL),
            identity=compute.VirtualMachineScaleSetIdentityArgs(
                type=compute.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[self.identity.id]
            ),
            virtual_machine_profile=compute.VirtualMachineScaleSetVMProfileArgs(
                os_profile=compute.VirtualMachineScaleSetOSProfileArgs(
                    # Windows scale sets append 6 characters to a prefix of at most 9.
                    computer_name_prefix=f"{place.naming.workload}{place.naming.region_code}"[:9],
                    admin_username=settings.admin_username,
                    admin_password=pulumi.Output.secret(self.admin_password.result),
                    allow_extension_operations=True,
                    windows_configuration=compute.WindowsConfigurationArgs(
                        time_zone=settings.time_zone,
                        provision_vm_agent=True,
                        # A restart takes a busy agent offline and the pool deletes it as unhealthy
                        # (scale-set-agents, FAQ); instances are patched by reimaging onto the latest image.
                        enable_automatic_updates=False,
                        patch_settings=compute.PatchSettingsArgs(patch_mode="Manual"),
                    ),
                ),
                storage_profile=compute.VirtualMachineScaleSetStorageProfileArgs(
                    image_reference=compute.ImageReferenceArgs(
                        publisher=settings.image.publisher,
                        offer=settings.image.offer,
                        sku=settings.image.sku_for(size.hyper_v_generation),
                        version=settings.image.version,
                    ),
                    os_disk=compute.VirtualMachineScaleSetOSDiskArgs(
                        create_option="FromImage",
                        caching=compute.CachingTypes.READ_WRITE,
                        disk_size_gb=settings.os_disk_size_gb,
                        # No delete_option: it is for Flexible scale sets only (Compute API 2024-11-01,
                        # osDisk.deleteOption); a Uniform instance's OS disk goes with the instance.
                        managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                            storage_account_type="Premium_LRS"
                        ),
                    ),
                    disk_controller_type="NVMe" if size.nvme_only else None,
                ),
                network_profile=compute.VirtualMachineScaleSetNetworkProfileArgs(
                    network_interface_configurations=[
                        compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                            name="build-agent-nic",
                            primary=True,
                            enable_accelerated_networking=size.accelerated_networking != "unsupported",
                            # No public IP and no load balancer: the subnet's NSG filters inbound, the NAT
                            # gateway on the subnet carries all egress from one static address.
                            ip_configurations=[
                                compute.VirtualMachineScaleSetIPConfigurationArgs(
                                    name="build-agent-ipv4",
                                    primary=True,
                                    private_ip_address_version="IPv4",
                                    subnet=compute.ApiEntityReferenceArgs(id=args.subnet_id),
                                )
                            ],
                        )
                    ]
                ),
                security_profile=compute.SecurityProfileArgs(
                    # Standard, not Trusted Launch: Hyper-V isolation needs nested virtualization, and
                    # whether Trusted Launch allows it is contradictory across Microsoft's own sources
                    # (azure-docs issue 87947 and WSL issue 1776 against trusted-launch.md). Host
                    # encryption still encrypts temp disk and caches at rest; it needs the subscription
                    # feature Microsoft.Compute/EncryptionAtHost.
                    security_type="Standard",
                    encryption_at_host=True,
                ),
                # Boot diagnostics to a managed storage account: enabled without a storageUri.
                diagnostics_profile=compute.DiagnosticsProfileArgs(
                    boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)
                ),
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=[
                    "sku.capacity",
                    # The agent pool service adds its own extension to the model; ours is a separate
                    # resource, so the scale set never rewrites the extension list.
                    "virtualMachineProfile.extensionProfile",
                    *(f'tags["{tag}"]' for tag in AZURE_DEVOPS_TAGS),
                ],
            ),
        )

        # Runs on every new or reimaged instance before the Azure DevOps agent extension (scale-set-agents,
        # "Customizing Virtual Machine Startup"). Settings are public: they hold no secret, and public
        # settings keep the exact command reviewable in a preview.
        self.prepare_extension = compute.VirtualMachineScaleSetExtension(
            f"{name}-prepare",
            vmss_extension_name=place.naming.name(
                "azure-native:compute:VirtualMachineScaleSetExtension", "prepare-build-agent"
            ),
            vm_scale_set_name=self.scale_set.name,
            resource_group_name=place.resource_group_name,
            publisher="Microsoft.Compute",
            type="CustomScriptExtension",
            type_handler_version="1.10",
            auto_upgrade_minor_version=True,
            settings={"commandToExecute": prepare_command(settings)},
            opts=child,
        )

        self.register_outputs(
            {
                "scaleSetId": self.scale_set.id,
                "scaleSetName": self.scale_set.name,
                "identityPrincipalId": self.identity.principal_id,
                "identityClientId": self.identity.client_id,
            }
        )

    @property
    def identity_id(self) -> pulumi.Output[str]:
        return self.identity.id

    @property
    def identity_principal_id(self) -> pulumi.Output[str]:
        return self.identity.principal_id

    @property
    def identity_client_id(self) -> pulumi.Output[str]:
        return self.identity.client_id
