"""One regional stack of the Windows container platform: config -> components -> grants -> exports."""

import pulumi
from pulumi_azure_native import authorization, resources

from components.access import grant
from components.build_agents import BuildAgents, BuildAgentsArgs
from components.cluster import Cluster, ClusterArgs
from components.config import load_settings, raw_config_from_pulumi
from components.network import Network, NetworkArgs
from components.observability import Observability, ObservabilityArgs
from components.placement import Placement
from components.registry import Registry, RegistryArgs
from components.signing_vault import SigningVault, SigningVaultArgs
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
placement = Placement(resource_group_name=resource_group.name, location=settings.location, naming=naming, tags=tags)

# 3. Network: VNet, subnets, NSGs, NAT egress.
network = Network(
    "network",
    NetworkArgs(
        settings=settings.network,
        placement=placement,
    ),
)

# 4. Observability: the region's audit log store; other components send their diagnostics here.
observability = Observability(
    "observability",
    ObservabilityArgs(
        settings=settings.observability,
        placement=placement,
    ),
)

# 5. Signing vault: Premium Key Vault with the region's HSM-backed image-signing key.
signing_vault = SigningVault(
    "signing-vault",
    SigningVaultArgs(
        settings=settings.signing_vault,
        placement=placement,
        subnet_ids=network.subnet_ids,
        vnet_id=network.vnet.id,
        observability=observability,
    ),
)

# 6. Registry: the primary stack owns the geo-replicated registry; other stacks add their replica. Every
#    stack reaches it through its own private endpoint.
registry = Registry(
    "registry",
    RegistryArgs(
        settings=settings.registry,
        placement=placement,
        private_endpoint_subnet_id=network.subnet_ids["privateEndpoints"],
        vnet_id=network.vnet.id,
        observability=observability,
    ),
)

# 7. Build agents: the Hyper-V capable Windows Server Core scale set an Azure DevOps pool drives.
build_agents = BuildAgents(
    "build-agents",
    BuildAgentsArgs(
        settings=settings.build_agents,
        placement=placement,
        subnet_id=network.subnet_ids["buildAgents"],
    ),
)

# 8. Cluster: AKS with a Linux system pool and Windows user pools on the AKS subnets.
cluster = Cluster(
    "cluster",
    ClusterArgs(
        settings=settings.cluster,
        placement=placement,
        system_subnet=network.subnets["aksSystem"],
        windows_subnet=network.subnets["aksWindows"],
        observability=observability,
    ),
)

# 9. Grants: cross-component access, each role at the narrowest scope that works.
subscription_id = authorization.get_client_config_output().subscription_id
grant(
    "build-agents-push-images",
    role="AcrPush",
    scope=registry.registry_id,
    principal_id=build_agents.identity_principal_id,
    principal_type="ServicePrincipal",
    subscription_id=subscription_id,
    description="Build agents push the images they build (and their signatures) to the registry.",
)
grant(
    "build-agents-sign-images",
    role="Key Vault Crypto User",
    scope=signing_vault.key.id,
    principal_id=build_agents.identity_principal_id,
    principal_type="ServicePrincipal",
    subscription_id=subscription_id,
    description="Build agents sign images with this region's signing key, and with no other key.",
)
grant(
    "cluster-pull-images",
    role="AcrPull",
    scope=registry.registry_id,
    principal_id=cluster.kubelet_identity_object_id,
    principal_type="ServicePrincipal",
    subscription_id=subscription_id,
    description="AKS nodes pull images from the registry; nothing else.",
)

# 10. Exports: what other stacks, pipelines and people read.
pulumi.export("resourceGroupName", resource_group.name)
pulumi.export("vnetId", network.vnet.id)
pulumi.export("subnetIds", network.subnet_ids)
pulumi.export("egressIp", network.egress_ip.ip_address)
pulumi.export("logAnalyticsWorkspaceId", observability.workspace.id)
pulumi.export("signingVaultId", signing_vault.vault_id)
pulumi.export("signingVaultUri", signing_vault.vault_uri)
pulumi.export("signingKeyId", signing_vault.key_id)
pulumi.export("signingKeyCosignRef", signing_vault.cosign_key_ref)
pulumi.export("registryId", registry.registry_id)
pulumi.export("registryName", registry.registry_name)
pulumi.export("registryLoginServer", registry.login_server)
pulumi.export("registryResourceGroupName", registry.registry_resource_group_name)
pulumi.export("registryReplicationId", registry.replication.id if registry.replication else None)
pulumi.export("registryPrivateEndpointId", registry.private_access.endpoint.id)
pulumi.export("buildAgentsScaleSetId", build_agents.scale_set.id)
pulumi.export("buildAgentsScaleSetName", build_agents.scale_set.name)
pulumi.export("buildAgentsPrincipalId", build_agents.identity_principal_id)
pulumi.export("buildAgentsClientId", build_agents.identity_client_id)
# Azure DevOps owns the agent pool; these are the values to enter there (max agents, standby agents).
pulumi.export("buildAgentsPoolCapacity", settings.build_agents.capacity.model_dump(by_alias=True))
pulumi.export("clusterName", cluster.cluster.name)
pulumi.export("clusterId", cluster.cluster.id)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeletIdentityObjectId", cluster.kubelet_identity_object_id)
pulumi.export("nodeResourceGroup", cluster.node_resource_group)
pulumi.export("windowsPoolImageTags", cluster.windows_ltsc_tags)
