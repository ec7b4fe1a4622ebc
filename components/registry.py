"""The one geo-replicated Premium registry, seen from one regional stack.

The primary region's stack owns the registry and everything registry-wide (policies, purge task, cache
rules, lock, diagnostics). Every other regional stack reads the registry through a `StackReference` and
adds only what belongs to its region: its `Replication`. Every stack, primary included, reaches the
registry through its own private endpoint and `privatelink.azurecr.io` zone, so a region is added or
removed without touching another stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerregistry

from .config.registry import RegistrySettings
from .locks import lock_against_deletion
from .observability import Observability
from .placement import Placement
from .private_access import PrivateAccess, PrivateAccessArgs
from .regions import US_REGIONS

# Audit trail of pushes, pulls, deletes and logins (Microsoft Learn, azure-monitor supported log categories
# for Microsoft.ContainerRegistry/registries).
AUDIT_LOG_CATEGORIES = ("ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents")
# The default timeout of a scheduled task (container-registry-auto-purge, "Purge large numbers of tags").
PURGE_TIMEOUT_SECONDS = 3600
# Stack outputs a replica stack reads from the primary; the primary exports them in __main__.py.
OUTPUT_ID = "registryId"
OUTPUT_NAME = "registryName"
OUTPUT_LOGIN_SERVER = "registryLoginServer"
OUTPUT_RESOURCE_GROUP = "registryResourceGroupName"


@dataclass(frozen=True)
class RegistryArgs:
    placement: Placement
    settings: RegistrySettings
    private_endpoint_subnet_id: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    observability: Observability


class Registry(pulumi.ComponentResource):
    """The registry (primary) or this region's replica of it (replica), plus this region's private access."""

    registry_id: pulumi.Output[str]
    registry_name: pulumi.Output[str]
    login_server: pulumi.Output[str]
    registry_resource_group_name: pulumi.Output[str]
    registry: containerregistry.Registry | None
    replication: containerregistry.Replication | None
    private_access: PrivateAccess

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:registry:Registry", name, None, opts)
        place = args.placement.for_component("registry")
        self.registry = None
        self.replication = None

        # The private endpoint waits for this region's replication: adding a replica provisions a data
        # endpoint IP in every private endpoint of the registry, and two writes at once on one registry fail.
        endpoint_target: pulumi.Output[str]
        if args.settings.role == "primary":
            self.registry = self._primary(name, args, place)
            self.registry_id = self.registry.id
            self.registry_name = self.registry.name
            self.login_server = self.registry.login_server
            self.registry_resource_group_name = pulumi.Output.from_input(place.resource_group_name)
            endpoint_target = self.registry_id
        else:
            self.replication = self._replica(name, args, place)
            endpoint_target = pulumi.Output.all(self.registry_id, self.replication.id).apply(lambda ids: str(ids[0]))

        self.private_access = PrivateAccess(
            f"{name}-private",
            PrivateAccessArgs(
                target_id=endpoint_target,
                group_id="registry",
                # One zone per region, in the region's resource group (Microsoft Learn, container-registry-
                # private-link, "DNS configuration options"). The zone group writes the registry's A record and
                # one `<registry>.<region>.data` record per replica, and adds them for replicas created later.
                dns_zone="privatelink.azurecr.io",
                purpose="registry",
                subnet_id=args.private_endpoint_subnet_id,
                vnet_id=args.vnet_id,
                placement=place,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs(
            {
                "registryId": self.registry_id,
                "registryName": self.registry_name,
                "loginServer": self.login_server,
                "replicationId": self.replication.id if self.replication else None,
                "privateEndpointId": self.private_access.endpoint.id,
            }
        )

    def _primary(self, name: str, args: RegistryArgs, place: Placement) -> containerregistry.Registry:
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        registry = containerregistry.Registry(
            f"{name}-registry",
            registry_name=place.naming.global_name("azure-native:containerregistry:Registry", regional=False),
            resource_group_name=place.resource_group_name,
            location=place.location,
            sku=containerregistry.SkuArgs(name=settings.sku),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            # Inert while public access is disabled; kept deny-by-default so that turning public access on
            # (break-glass) opens the registry to the listed addresses only, never to the internet.
            network_rule_set=containerregistry.NetworkRuleSetArgs(
                default_action="Deny",
                ip_rules=[
                    containerregistry.IPRuleArgs(i_p_address_or_range=ip, action="Allow") for ip in settings.ip_rules
                ],
            ),
            # Trusted services (Defender for Cloud scanning, `az acr import`). ACR Tasks are no longer covered by
            # it: they need `networkRuleBypassAllowedForTasks`, which this SDK's API version does not expose
            # (Microsoft Learn, manage-network-bypass-policy-for-tasks; see the README).
            network_rule_bypass_options="AzureServices",
            # Zone redundancy can only be set at creation; regions without zones refuse "Enabled".
            zone_redundancy="Enabled" if US_REGIONS[place.location].availability_zones else "Disabled",
            # One data endpoint per region, so firewalls and private DNS name `<registry>.<region>.data.azurecr.io`
            # instead of `*.blob.core.windows.net`; registries with private endpoints get them anyway.
            data_endpoint_enabled=True,
            policies=containerregistry.PoliciesArgs(
                retention_policy=containerregistry.RetentionPolicyArgs(
                    status="enabled" if settings.retention.enabled else "disabled",
                    days=settings.retention.untagged_days,
                ),
                soft_delete_policy=containerregistry.SoftDeletePolicyArgs(
                    status="disabled", retention_days=settings.soft_delete.retention_days
                ),
                # Disabling export blocks `az acr import` out of and transfer pipelines from this registry
                # (data exfiltration); Azure requires public network access disabled for it.
                export_policy=containerregistry.ExportPolicyArgs(
                    status="enabled" if settings.export_enabled else "disabled"
                ),
                quarantine_policy=containerregistry.QuarantinePolicyArgs(
                    status="enabled" if settings.quarantine_enabled else "disabled"
                ),
                # Docker Content Trust is deprecated; images are signed with Notation against the Key Vault key.
                trust_policy=containerregistry.TrustPolicyArgs(status="disabled", type="Notary"),
            ),
            tags=place.tags,
            # Images are state: kept if the stack is ever removed, like the vault, the keys and the logs.
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        lock_against_deletion(
            f"{name}-lock",
            scope=registry.id,
            reason="Holds every region's images and signatures; also guards its replications, tasks and cache rules.",
            opts=child,
        )
        if settings.purge is not None:
            containerregistry.Task(
                f"{name}-purge",
                task_name=place.naming.name("azure-native:containerregistry:Task", "purge"),
                registry_name=registry.name,
                resource_group_name=place.resource_group_name,
                location=place.location,
                platform=containerregistry.PlatformPropertiesArgs(os="Linux", architecture="amd64"),
                agent_configuration=containerregistry.AgentPropertiesArgs(cpu=2),
                step=containerregistry.EncodedTaskStepArgs(
                    type="EncodedTask",
                    encoded_task_content=settings.purge.encoded_task(PURGE_TIMEOUT_SECONDS),
                ),
                trigger=containerregistry.TriggerPropertiesArgs(
                    timer_triggers=[
                        containerregistry.TimerTriggerArgs(
                            name="purge-schedule", schedule=settings.purge.schedule, status="Enabled"
                        )
                    ]
                ),
                status="Enabled",
                is_system_task=False,
                timeout=PURGE_TIMEOUT_SECONDS,
                tags=place.tags,
                opts=child,
            )
        for rule in settings.cache_rules:
            containerregistry.CacheRule(
                f"{name}-cache-{rule.name}",
                cache_rule_name=place.naming.name("azure-native:containerregistry:CacheRule", rule.name),
                registry_name=registry.name,
                resource_group_name=place.resource_group_name,
                source_repository=rule.source,
                target_repository=rule.target,
                opts=child,
            )
        args.observability.send_diagnostics(
            f"{name}-diagnostics", resource_id=registry.id, log_categories=AUDIT_LOG_CATEGORIES, opts=child
        )
        return registry

    def _replica(self, name: str, args: RegistryArgs, place: Placement) -> containerregistry.Replication:
        primary_stack = args.settings.primary_stack
        if primary_stack is None:  # the config model refuses a replica without it; this narrows the type
            raise ValueError("a replica registry needs settings.primary_stack")
        primary = pulumi.StackReference(
            f"{name}-primary", stack_name=primary_stack, opts=pulumi.ResourceOptions(parent=self)
        )
        self.registry_id = primary.require_output(OUTPUT_ID)
        self.registry_name = primary.require_output(OUTPUT_NAME)
        self.login_server = primary.require_output(OUTPUT_LOGIN_SERVER)
        self.registry_resource_group_name = primary.require_output(OUTPUT_RESOURCE_GROUP)
        return containerregistry.Replication(
            f"{name}-replication",
            replication_name=place.naming.name("azure-native:containerregistry:Replication"),
            registry_name=self.registry_name,
            resource_group_name=self.registry_resource_group_name,
            location=place.location,
            # A replica in a region with availability zones is zone redundant; a region without zones (westus)
            # refuses "Enabled" at deployment (Microsoft Learn, reliability-container-registry).
            zone_redundancy="Enabled" if US_REGIONS[place.location].availability_zones else "Disabled",
            region_endpoint_enabled=True,
            tags=place.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
