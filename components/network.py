"""The isolated regional network: an IPv4-only VNet, one subnet per role, an NSG on each, fixed NAT egress."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .config.network import SUBNET_ROLES, NetworkSettings, SubnetRole
from .nsg_rules import CompiledRule, compile_inbound
from .placement import Placement

# Service endpoints keep traffic to Key Vault and Storage on the Azure backbone and let those services'
# firewalls name our subnets (Key Vault VNet rules). Microsoft.ContainerRegistry is deliberately absent:
# the registry is reached through private endpoints, and ACR's service-endpoint rules are a preview that
# cannot be combined with Private Link (see README, "Registry network access").
SERVICE_ENDPOINTS: dict[SubnetRole, tuple[str, ...]] = {
    "buildAgents": ("Microsoft.KeyVault", "Microsoft.Storage"),
    "aksSystem": ("Microsoft.KeyVault", "Microsoft.Storage"),
    "aksWindows": ("Microsoft.KeyVault", "Microsoft.Storage"),
    "privateEndpoints": (),
}

# Subnets whose outbound traffic leaves through the NAT gateway's one static IP, so that upstream
# allowlists (package feeds, Azure DevOps) can name it. Private endpoints need no egress.
NAT_EGRESS_ROLES: tuple[SubnetRole, ...] = ("buildAgents", "aksSystem", "aksWindows")


def kebab(role: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", role).lower()


@dataclass(frozen=True)
class NetworkArgs:
    placement: Placement
    settings: NetworkSettings


class Network(pulumi.ComponentResource):
    """VNet (IPv4 only), subnets, deny-by-default NSGs, service endpoints and a NAT gateway."""

    vnet: network.VirtualNetwork
    subnets: dict[SubnetRole, network.Subnet]
    security_groups: dict[SubnetRole, network.NetworkSecurityGroup]
    nat_gateway: network.NatGateway
    egress_ip: network.PublicIPAddress

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:network:Network", name, None, opts)
        place = args.placement.for_component("network")
        tags = place.tags
        child = pulumi.ResourceOptions(parent=self)

        self.egress_ip = network.PublicIPAddress(
            f"{name}-egress-ip",
            public_ip_address_name=place.naming.name("azure-native:network:PublicIPAddress", "nat-egress"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            tags={**tags, "purpose": "nat-egress"},
            opts=child,
        )
        self.nat_gateway = network.NatGateway(
            f"{name}-nat",
            nat_gateway_name=place.naming.name("azure-native:network:NatGateway"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            idle_timeout_in_minutes=args.settings.nat_idle_timeout_minutes,
            public_ip_addresses=[network.SubResourceArgs(id=self.egress_ip.id)],
            tags=tags,
            opts=child,
        )
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=place.naming.name("azure-native:network:VirtualNetwork"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            # IPv4 only: one private prefix, no IPv6 space. Subnets are separate resources (never also
            # inline here: mixing both makes every update fight over the subnet list).
            address_space=network.AddressSpaceArgs(address_prefixes=[args.settings.address_space]),
            tags=tags,
            # Subnets are declared as separate resources; without this the next `pulumi up` after an
            # out-of-band refresh would try to remove them from the VNet's inline list.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
        )

        self.security_groups = {}
        self.subnets = {}
        previous: network.Subnet | None = None
        for role in SUBNET_ROLES:
            nsg = network.NetworkSecurityGroup(
                f"{name}-nsg-{kebab(role)}",
                network_security_group_name=place.naming.name("azure-native:network:NetworkSecurityGroup", kebab(role)),
                resource_group_name=place.resource_group_name,
                location=place.location,
                security_rules=[_security_rule(rule) for rule in compile_inbound(args.settings, role)],
                tags=tags,
                opts=child,
            )
            subnet = network.Subnet(
                f"{name}-snet-{kebab(role)}",
                subnet_name=place.naming.name("azure-native:network:Subnet", kebab(role)),
                resource_group_name=place.resource_group_name,
                virtual_network_name=self.vnet.name,
                address_prefix=args.settings.subnets.by_role()[role].address_prefix,
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                nat_gateway=network.SubResourceArgs(id=self.nat_gateway.id) if role in NAT_EGRESS_ROLES else None,
                service_endpoints=[
                    network.ServiceEndpointPropertiesFormatArgs(service=s) for s in SERVICE_ENDPOINTS[role]
                ],
                # No implicit outbound IP: egress is the NAT gateway or nothing.
                default_outbound_access=False,
                # Private endpoints honour the subnet's NSG only with network policies on
                # (Microsoft Learn, private-link/disable-private-endpoint-network-policy).
                private_endpoint_network_policies="NetworkSecurityGroupEnabled"
                if role == "privateEndpoints"
                else "Disabled",
                private_link_service_network_policies="Enabled",
                # Azure serialises writes to one VNet; creating its subnets one after another avoids
                # "AnotherOperationInProgress" failures on the first `pulumi up`.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[previous] if previous else []),
            )
            self.security_groups[role] = nsg
            self.subnets[role] = subnet
            previous = subnet

        self.register_outputs(
            {
                "vnetId": self.vnet.id,
                "subnetIds": {role: subnet.id for role, subnet in self.subnets.items()},
                "egressIp": self.egress_ip.ip_address,
            }
        )

    @property
    def subnet_ids(self) -> dict[SubnetRole, pulumi.Output[str]]:
        return {role: subnet.id for role, subnet in self.subnets.items()}


def _security_rule(rule: CompiledRule) -> network.SecurityRuleArgs:
    many_ports = rule.destination_ports != ("*",)
    return network.SecurityRuleArgs(
        name=rule.name,
        priority=rule.priority,
        direction="Inbound",
        access=rule.access,
        protocol=rule.protocol,
        description=rule.description,
        source_address_prefix=rule.source_tag,
        source_address_prefixes=list(rule.source_prefixes) or None,
        source_port_range="*",
        destination_address_prefix=rule.destination_prefix,
        destination_port_range=None if many_ports else "*",
        destination_port_ranges=list(rule.destination_ports) if many_ports else None,
    )
