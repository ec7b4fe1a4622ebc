"""The regional AKS cluster: a Linux system pool inline, Windows user pools as separate AgentPool resources.

Windows pools live outside `agentPoolProfiles` because changing that inline list after creation either fails
or rolls every pool (pulumi-azure-native issues 579, 2719, 4264); the inline list holds only the system pool
the API requires at creation. Control-plane and kubelet identities are user-assigned, so their grants exist
before the cluster does and survive a cluster replacement.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, containerservice, managedidentity, monitor, network

from .access import grant
from .config.cluster import ClusterSettings, MaintenanceWindow
from .identity import user_assigned_identity
from .observability import Observability
from .placement import Placement

# AKS audit categories (azure-aks-docs monitor-aks.md): kube-audit-admin is kube-audit without get/list
# events; guard records Entra ID and Azure RBAC authorization decisions.
AUDIT_LOG_CATEGORIES = ("kube-audit-admin", "guard")

# Container insights with managed identity auth, as Microsoft's ARM onboarding template builds it
# (microsoft/Docker-Provider scripts/onboarding/aks/onboarding-using-msi-auth; azure-monitor-docs
# kubernetes-monitoring-enable.md): the omsagent add-on with useAADAuth, a Linux-kind data collection rule
# with the ContainerInsights extension, and an association named ContainerInsightsExtension on the cluster.
CONTAINER_INSIGHTS_STREAMS = ["Microsoft-ContainerInsights-Group-Default"]
CONTAINER_INSIGHTS_ASSOCIATION = "ContainerInsightsExtension"
CONTAINER_INSIGHTS_DESTINATION = "ciworkspace"

# AKS reads these maintenance configurations by name (azure-aks-docs planned-maintenance.md).
AUTO_UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule"
NODE_OS_UPGRADE_SCHEDULE = "aksManagedNodeOSUpgradeSchedule"

WINDOWS_TAINT = "os=windows:NoSchedule"
CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly=true:NoSchedule"


@dataclass(frozen=True)
class ClusterArgs:
    placement: Placement
    settings: ClusterSettings
    system_subnet: network.Subnet
    windows_subnet: network.Subnet
    observability: Observability


class Cluster(pulumi.ComponentResource):
    """AKS with Entra ID RBAC, no local accounts, private API server, CNI overlay + Calico, Windows pools."""

    control_plane_identity: managedidentity.UserAssignedIdentity
    kubelet_identity: managedidentity.UserAssignedIdentity
    cluster: containerservice.ManagedCluster
    windows_pools: dict[str, containerservice.AgentPool]
    windows_ltsc_tags: dict[str, str]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:cluster:Cluster", name, None, opts)
        place = args.placement.for_component("cluster")
        settings = args.settings
        tags = place.tags
        child = pulumi.ResourceOptions(parent=self)
        client = authorization.get_client_config_output()
        self.control_plane_identity = user_assigned_identity(
            f"{name}-control-plane-identity", purpose="aks-control-plane", place=place, opts=child
        )
        self.kubelet_identity = user_assigned_identity(
            f"{name}-kubelet-identity", purpose="aks-kubelet", place=place, opts=child
        )

        # Documented prerequisites of a bring-your-own kubelet identity (Managed Identity Operator on it) and
        # of a custom VNet (Network Contributor on the node subnets), granted at exactly those scopes.
        grants = [
            grant(
                f"{name}-control-plane-operates-kubelet-identity",
                role="Managed Identity Operator",
                scope=self.kubelet_identity.id,
                principal_id=self.control_plane_identity.principal_id,
                principal_type="ServicePrincipal",
                subscription_id=client.subscription_id,
                description="AKS control plane assigns the kubelet identity to nodes",
                opts=child,
            )
        ]
        for role_name, subnet in (("system", args.system_subnet), ("windows", args.windows_subnet)):
            grants.append(
                grant(
                    f"{name}-control-plane-joins-{role_name}-subnet",
                    role="Network Contributor",
                    scope=subnet.id,
                    principal_id=self.control_plane_identity.principal_id,
                    principal_type="ServicePrincipal",
                    subscription_id=client.subscription_id,
                    description=f"AKS control plane joins nodes and internal load balancers to the {role_name} subnet",
                    opts=child,
                )
            )

        system = settings.system_pool
        api = settings.api_server
        net = settings.network
        workspace_id = args.observability.workspace.id
        self.cluster = containerservice.ManagedCluster(
            f"{name}-aks",
            resource_name_=place.naming.name("azure-native:containerservice:ManagedCluster"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier="Standard"),
            kubernetes_version=settings.kubernetes_version,
            dns_prefix=place.naming.name("azure-native:containerservice:ManagedCluster"),
            node_resource_group=place.naming.name("azure-native:resources:ResourceGroup", "aks-nodes"),
            # Nobody edits the AKS-managed node resources by hand; changes go through the AKS API.
            node_resource_group_profile=containerservice.ManagedClusterNodeResourceGroupProfileArgs(
                restriction_level="ReadOnly"
            ),
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[self.control_plane_identity.id],
            ),
            identity_profile={
                "kubeletidentity": containerservice.UserAssignedIdentityArgs(
                    resource_id=self.kubelet_identity.id,
                    client_id=self.kubelet_identity.client_id,
                    object_id=self.kubelet_identity.principal_id,
                )
            },
            enable_rbac=True,
            disable_local_accounts=True,
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True,
                enable_azure_rbac=True,
                admin_group_object_ids=list(settings.entra.admin_group_object_ids),
                tenant_id=client.tenant_id,
            ),
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                defender=containerservice.ManagedClusterSecurityProfileDefenderArgs(
                    log_analytics_workspace_resource_id=workspace_id,
                    security_monitoring=containerservice.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(
                        enabled=True
                    ),
                ),
            ),
            api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=api.private,
                enable_private_cluster_public_fqdn=False if api.private else None,
                private_dns_zone="system" if api.private else None,
                authorized_ip_ranges=list(api.authorized_ip_ranges) or None,
            ),
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin=net.plugin,
                network_plugin_mode=net.plugin_mode,
                network_policy=net.policy,
                network_dataplane="azure",
                ip_families=["IPv4"],
                pod_cidr=net.pod_cidr,
                service_cidr=net.service_cidr,
                dns_service_ip=net.dns_service_ip,
                load_balancer_sku="standard",
                # The network component attaches its NAT gateway to both AKS subnets; egress leaves through its
                # one static IP. AKS requires the gateway on the subnet before the cluster is created.
                outbound_type="userAssignedNATGateway",
            ),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=system.name,
                    mode="System",
                    os_type="Linux",
                    os_sku=system.os_sku,
                    vm_size=system.vm_size,
                    type="VirtualMachineScaleSets",
                    orchestrator_version=settings.kubernetes_version,
                    enable_auto_scaling=True,
                    count=system.min_count,
                    min_count=system.min_count,
                    max_count=system.max_count,
                    max_pods=system.max_pods,
                    availability_zones=list(system.zones) or None,
                    enable_node_public_ip=False,
                    vnet_subnet_id=args.system_subnet.id,
                    node_taints=[CRITICAL_ADDONS_TAINT] if system.only_critical_addons else None,
                    tags=tags,
                )
            ],
            addon_profiles={
                "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(enabled=True),
                # The workspace refuses shared keys (local auth off), so the agent authenticates with its
                # managed identity and reads what to collect from the data collection rule below.
                "omsagent": containerservice.ManagedClusterAddonProfileArgs(
                    enabled=True,
                    config={"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"},
                ),
            },
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=settings.upgrades.channel,
                node_os_upgrade_channel=settings.upgrades.node_os_channel,
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                # The NAT gateway must already sit on the subnets, and the control plane must hold its roles
                # before AKS validates the subnets and the kubelet identity.
                depends_on=[args.system_subnet, args.windows_subnet, *grants],
                # The autoscaler owns the node count.
                ignore_changes=["agentPoolProfiles[0].count"],
                protect=True,
            ),
        )

        self.windows_pools = {}
        for pool in settings.windows_pools:
            self.windows_pools[pool.name] = containerservice.AgentPool(
                f"{name}-pool-{pool.name}",
                agent_pool_name=pool.name,
                resource_name_=self.cluster.name,
                resource_group_name=place.resource_group_name,
                mode="User",
                os_type="Windows",
                os_sku=pool.os_sku,
                vm_size=pool.vm_size,
                type="VirtualMachineScaleSets",
                orchestrator_version=settings.kubernetes_version,
                enable_auto_scaling=True,
                count=pool.min_count,
                min_count=pool.min_count,
                max_count=pool.max_count,
                max_pods=pool.max_pods,
                availability_zones=list(pool.zones) or None,
                enable_node_public_ip=False,
                # FIPS 140-2: on by default for Windows2022 and required by Windows2025 (azure-aks-docs
                # upgrade-os-version.md); set explicitly so the plan shows it.
                enable_fips=True,
                vnet_subnet_id=args.windows_subnet.id,
                node_taints=[WINDOWS_TAINT] if pool.taint_windows else None,
                node_labels=dict(pool.labels) or None,
                # Egress already leaves through the NAT gateway; Windows OutboundNAT would only add a second
                # translation with its port-exhaustion issues (azure-aks-docs nat-gateway.md).
                windows_profile=containerservice.AgentPoolWindowsProfileArgs(disable_outbound_nat=True),
                tags={**tags, "windowsImageTag": pool.ltsc_tag},
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
            )
        self.windows_ltsc_tags = settings.ltsc_tags()

        for config_name, window, purpose in (
            (AUTO_UPGRADE_SCHEDULE, settings.upgrades.cluster_window, "upgrade"),
            (NODE_OS_UPGRADE_SCHEDULE, settings.upgrades.node_os_window, "node-os-upgrade"),
        ):
            containerservice.MaintenanceConfiguration(
                f"{name}-{purpose}-window",
                config_name=config_name,
                resource_group_name=place.resource_group_name,
                resource_name_=self.cluster.name,
                maintenance_window=_window(window),
                opts=child,
            )

        rule = monitor.DataCollectionRule(
            f"{name}-container-insights",
            data_collection_rule_name=place.naming.name("azure-native:monitor:DataCollectionRule", "aks-insights"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            kind="Linux",
            description="Container insights for the AKS cluster (managed identity auth)",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                extensions=[
                    monitor.ExtensionDataSourceArgs(
                        name="ContainerInsightsExtension",
                        extension_name="ContainerInsights",
                        streams=CONTAINER_INSIGHTS_STREAMS,
                        extension_settings={
                            "dataCollectionSettings": {
                                "interval": "1m",
                                "namespaceFilteringMode": "Off",
                                "enableContainerLogV2": True,
                            }
                        },
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                log_analytics=[
                    monitor.LogAnalyticsDestinationArgs(
                        name=CONTAINER_INSIGHTS_DESTINATION, workspace_resource_id=workspace_id
                    )
                ]
            ),
            data_flows=[
                monitor.DataFlowArgs(streams=CONTAINER_INSIGHTS_STREAMS, destinations=[CONTAINER_INSIGHTS_DESTINATION])
            ],
            tags=tags,
            opts=child,
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-container-insights-association",
            association_name=CONTAINER_INSIGHTS_ASSOCIATION,
            resource_uri=self.cluster.id,
            data_collection_rule_id=rule.id,
            description="Container insights collection for this AKS cluster; deleting it stops the collection",
            opts=child,
        )
        args.observability.send_diagnostics(
            f"{name}-diagnostics",
            resource_id=self.cluster.id,
            log_categories=AUDIT_LOG_CATEGORIES,
            opts=child,
        )

        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "clusterId": self.cluster.id,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeletIdentityObjectId": self.kubelet_identity_object_id,
                "nodeResourceGroup": self.node_resource_group,
                "windowsPoolImageTags": self.windows_ltsc_tags,
            }
        )

    @property
    def oidc_issuer_url(self) -> pulumi.Output[str]:
        """Issuer for workload identity federated credentials."""
        return self.cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else "")

    @property
    def kubelet_identity_object_id(self) -> pulumi.Output[str]:
        """Principal that pulls images: grant it AcrPull on the registry."""
        return self.kubelet_identity.principal_id

    @property
    def node_resource_group(self) -> pulumi.Output[str]:
        return self.cluster.node_resource_group.apply(lambda g: g or "")


def _window(window: MaintenanceWindow) -> containerservice.MaintenanceWindowArgs:
    return containerservice.MaintenanceWindowArgs(
        schedule=containerservice.ScheduleArgs(
            weekly=containerservice.WeeklyScheduleArgs(
                day_of_week=window.day_of_week, interval_weeks=window.interval_weeks
            )
        ),
        start_time=window.start_time,
        duration_hours=window.duration_hours,
        utc_offset=window.utc_offset,
    )
