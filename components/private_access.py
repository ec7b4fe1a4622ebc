"""Private access to a PaaS resource from one region's VNet: private endpoint, private DNS zone, VNet link.

Each regional stack owns its own endpoint and zone, so a region can be added or removed without
touching another stack. The zone group lets Azure keep the A records in step with the endpoint's IPs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns

from .placement import Placement


@dataclass(frozen=True)
class PrivateAccessArgs:
    placement: Placement
    target_id: pulumi.Input[str]
    group_id: str  # the target's private-link sub-resource: "registry", "vault", ...
    dns_zone: str  # e.g. privatelink.azurecr.io (Microsoft Learn, private-link/private-endpoint-dns)
    purpose: str  # short name used in physical names: "registry", "vault"
    subnet_id: pulumi.Input[str]
    vnet_id: pulumi.Input[str]


class PrivateAccess(pulumi.ComponentResource):
    endpoint: network.PrivateEndpoint
    zone: privatedns.PrivateZone

    def __init__(self, name: str, args: PrivateAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:network:PrivateAccess", name, None, opts)
        place = args.placement
        child = pulumi.ResourceOptions(parent=self)
        self.zone = privatedns.PrivateZone(
            f"{name}-zone",
            private_zone_name=args.dns_zone,
            resource_group_name=place.resource_group_name,
            location="global",
            tags=dict(place.tags),
            opts=child,
        )
        self.link = privatedns.VirtualNetworkLink(
            f"{name}-zone-link",
            virtual_network_link_name=place.naming.name("azure-native:privatedns:VirtualNetworkLink", args.purpose),
            private_zone_name=self.zone.name,
            resource_group_name=place.resource_group_name,
            location="global",
            virtual_network=privatedns.SubResourceArgs(id=args.vnet_id),
            # Resolution only: VMs must not auto-register records in a privatelink zone.
            registration_enabled=False,
            tags=dict(place.tags),
            opts=child,
        )
        endpoint_name = place.naming.name("azure-native:network:PrivateEndpoint", args.purpose)
        self.endpoint = network.PrivateEndpoint(
            f"{name}-endpoint",
            private_endpoint_name=endpoint_name,
            resource_group_name=place.resource_group_name,
            location=place.location,
            subnet=network.SubnetArgs(id=args.subnet_id),
            custom_network_interface_name=f"{endpoint_name}-nic",
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=endpoint_name,
                    private_link_service_id=args.target_id,
                    group_ids=[args.group_id],
                )
            ],
            tags=dict(place.tags),
            opts=child,
        )
        self.zone_group = network.PrivateDnsZoneGroup(
            f"{name}-dns",
            private_dns_zone_group_name="default",
            private_endpoint_name=self.endpoint.name,
            resource_group_name=place.resource_group_name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=args.dns_zone.replace(".", "-"), private_dns_zone_id=self.zone.id)
            ],
            opts=child,
        )
        self.register_outputs({"endpointId": self.endpoint.id, "zoneId": self.zone.id})
