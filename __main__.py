"""One regional stack of the Windows container platform: config -> components -> grants -> exports."""

import pulumi
from pulumi_azure_native import resources

from components.config import load_settings, raw_config_from_pulumi
from components.network import Network, NetworkArgs
from components.observability import Observability, ObservabilityArgs
from components.tags import base_tags, component_tags

# 1. Config: validated as a whole before any resource exists.
settings = load_settings(pulumi.get_project(), pulumi.get_stack(), raw_config_from_pulumi())
naming = settings.naming_scheme()
tags = base_tags(settings, pulumi.get_project())

# 2. The region's resource group. Protected: deleting it would take the vault and logs with it.
resource_group = resources.ResourceGroup(
    "resource-group",
    resource_group_name=naming.name("azure-native:resources:ResourceGroup"),
    location=settings.location,
    tags=component_tags(tags, "foundation"),
    opts=pulumi.ResourceOptions(protect=True),
)

# 3. Network: VNet, subnets, NSGs, NAT egress.
network = Network(
    "network",
    NetworkArgs(
        settings=settings.network,
        resource_group_name=resource_group.name,
        location=settings.location,
        naming=naming,
        tags=tags,
    ),
)

# 4. Observability: the region's audit log store; other components send their diagnostics here.
observability = Observability(
    "observability",
    ObservabilityArgs(
        settings=settings.observability,
        resource_group_name=resource_group.name,
        location=settings.location,
        naming=naming,
        tags=tags,
    ),
)

# 9. Exports: what other stacks, pipelines and people read.
pulumi.export("resourceGroupName", resource_group.name)
pulumi.export("vnetId", network.vnet.id)
pulumi.export("subnetIds", network.subnet_ids)
pulumi.export("egressIp", network.egress_ip.ip_address)
pulumi.export("logAnalyticsWorkspaceId", observability.workspace.id)
