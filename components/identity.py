"""User-assigned managed identities: created before what uses them, so their grants exist on first boot."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import managedidentity

from .placement import Placement


def user_assigned_identity(
    logical_name: str, *, purpose: str, place: Placement, opts: pulumi.ResourceOptions
) -> managedidentity.UserAssignedIdentity:
    return managedidentity.UserAssignedIdentity(
        logical_name,
        resource_name_=place.naming.name("azure-native:managedidentity:UserAssignedIdentity", purpose),
        resource_group_name=place.resource_group_name,
        location=place.location,
        tags=place.tags,
        opts=opts,
    )
