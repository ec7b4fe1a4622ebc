"""Role assignments from one catalog of built-in role IDs, with deterministic names at the narrowest scope.

Azure refuses a second assignment of the same role to the same principal at the same scope under a new
name, and refuses to change an assignment's principal or scope in place. Deriving the assignment name
from exactly those three values makes re-runs idempotent and turns a changed principal into a clean
replacement. Role IDs: Microsoft Learn, "Azure built-in roles" (role-based-access-control/built-in-roles).
"""

from __future__ import annotations

import uuid
from typing import Literal

import pulumi
from pulumi_azure_native import authorization

ROLE_IDS: dict[str, str] = {
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrImageSigner": "6cef56e8-d556-48e5-a04f-b8e64114680f",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
}

PrincipalType = Literal["ServicePrincipal", "Group", "User"]

# A fixed namespace so assignment names are the same on every machine and every run.
_ASSIGNMENT_NAMESPACE = uuid.UUID("6f1f4a8e-5d2b-4c38-9a0e-4f0c7c1d2b11")


def assignment_name(scope: str, principal_id: str, role: str) -> str:
    """The deterministic GUID name of the assignment of `role` to `principal_id` at `scope`."""
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, f"{scope.lower()}|{principal_id.lower()}|{ROLE_IDS[role]}"))


def role_definition_id(subscription_id: pulumi.Input[str], role: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(
        "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", ROLE_IDS[role]
    )


def grant(
    logical_name: str,
    *,
    role: str,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    principal_type: PrincipalType,
    subscription_id: pulumi.Input[str],
    description: str,
    opts: pulumi.ResourceOptions | None = None,
) -> authorization.RoleAssignment:
    """Assign built-in `role` to a principal at `scope` (which should be the one resource it needs)."""
    if role not in ROLE_IDS:
        raise KeyError(f"role '{role}' is not in the catalog; known: {', '.join(sorted(ROLE_IDS))}")
    name = pulumi.Output.all(scope, principal_id).apply(lambda v: assignment_name(str(v[0]), str(v[1]), role))
    return authorization.RoleAssignment(
        logical_name,
        role_assignment_name=name,
        role_definition_id=role_definition_id(subscription_id, role),
        scope=scope,
        principal_id=principal_id,
        # Set explicitly: without it, a new identity can fail replication checks ("PrincipalNotFound").
        principal_type=principal_type,
        description=description,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True)),
    )
