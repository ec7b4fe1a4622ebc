"""What the mock engine answers in place of Azure: realistic IDs, computed outputs and invoke results.

Values are fake but shaped like the real ones (ARM resource IDs, GUIDs, login servers), so code that
parses or concatenates them behaves as it will against Azure.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pulumi

SUBSCRIPTION_ID = "00000000-0000-4000-8000-0000000c0a57"
TENANT_ID = "00000000-0000-4000-8000-00000000e1d0"
CLIENT_ID = "00000000-0000-4000-8000-0000000c11e7"
OBJECT_ID = "00000000-0000-4000-8000-000000000b1d"

# Pulumi type -> (ARM provider/type path, name input, parent name input or None). Children hang under a
# parent resource's ID; everything else sits in its resource group.
ARM_TYPES: dict[str, tuple[str, str, str | None]] = {
    "azure-native:network:VirtualNetwork": ("Microsoft.Network/virtualNetworks", "virtualNetworkName", None),
    "azure-native:network:Subnet": ("subnets", "subnetName", "virtualNetworkName"),
    "azure-native:network:NetworkSecurityGroup": (
        "Microsoft.Network/networkSecurityGroups",
        "networkSecurityGroupName",
        None,
    ),
    "azure-native:network:NatGateway": ("Microsoft.Network/natGateways", "natGatewayName", None),
    "azure-native:network:PublicIPAddress": ("Microsoft.Network/publicIPAddresses", "publicIpAddressName", None),
    "azure-native:containerservice:ManagedCluster": (
        "Microsoft.ContainerService/managedClusters",
        "resourceName",
        None,
    ),
    "azure-native:containerservice:AgentPool": ("agentPools", "agentPoolName", "resourceName"),
    "azure-native:containerservice:MaintenanceConfiguration": (
        "maintenanceConfigurations",
        "configName",
        "resourceName",
    ),
    "azure-native:containerregistry:Registry": ("Microsoft.ContainerRegistry/registries", "registryName", None),
    "azure-native:containerregistry:Replication": ("replications", "replicationName", "registryName"),
    "azure-native:containerregistry:Task": ("tasks", "taskName", "registryName"),
    "azure-native:containerregistry:CacheRule": ("cacheRules", "cacheRuleName", "registryName"),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults", "vaultName", None),
    "azure-native:keyvault:Key": ("keys", "keyName", "vaultName"),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "resourceName",
        None,
    ),
    "azure-native:compute:VirtualMachineScaleSet": (
        "Microsoft.Compute/virtualMachineScaleSets",
        "vmScaleSetName",
        None,
    ),
    "azure-native:compute:VirtualMachineScaleSetExtension": ("extensions", "vmssExtensionName", "vmScaleSetName"),
}


def _stable_guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _password(logical_name: str, length: int) -> str:
    """A stable password with all four character classes, as `RandomPassword` with min_* set would make."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, f"password/{logical_name}").hex
    return ("Aa1!" + digest * 4)[:length]


def _secret(value: Any) -> dict[str, Any]:
    """A value wrapped the way the engine marks secrets on the wire."""
    return {pulumi.runtime.rpc._special_sig_key: pulumi.runtime.rpc._special_secret_sig, "value": value}


def arm_id(type_token: str, logical_name: str, inputs: dict[str, Any]) -> str:
    """An ARM resource ID for a mocked resource."""
    if type_token == "azure-native:resources:ResourceGroup":
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{inputs.get('resourceGroupName', logical_name)}"
    group = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{inputs.get('resourceGroupName', 'rg-unknown')}"
    known = ARM_TYPES.get(type_token)
    if known:
        path, name_key, parent_key = known
        name = inputs.get(name_key, logical_name)
        if parent_key:
            parent_type = next(p for p, k, _ in ARM_TYPES.values() if k == parent_key)
            return f"{group}/providers/{parent_type}/{inputs.get(parent_key)}/{path}/{name}"
        return f"{group}/providers/{path}/{name}"
    # Generic: azure-native:<module>:<Type> -> Microsoft.<Module>/<types>/<name>.
    _, module, kind = type_token.split(":")
    plural = kind[:1].lower() + kind[1:] + "s"
    name = next(
        (v for k, v in inputs.items() if k.endswith("Name") and k != "resourceGroupName" and isinstance(v, str)),
        logical_name,
    )
    return f"{group}/providers/Microsoft.{module[:1].upper() + module[1:]}/{plural}/{name}"


class AzureMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes the way Azure and Entra ID would, offline."""

    def __init__(self, stack_outputs: dict[str, dict[str, Any]] | None = None) -> None:
        # Outputs other stacks would return to a StackReference, keyed by the referenced stack's name.
        self.stack_outputs = stack_outputs or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs.get("name", args.name)
            return name, {
                "name": name,
                "outputs": self.stack_outputs.get(name.split("/")[-1], {}),
                "secretOutputNames": [],
            }
        if args.typ == "random:index/randomPassword:RandomPassword":
            # The random provider's ID is "none"; the result is a secret, as the engine returns it.
            return "none", {**args.inputs, "result": _secret(_password(args.name, int(args.inputs.get("length", 16))))}
        state = dict(args.inputs)
        resource_id = arm_id(args.typ, args.name, state)
        state.setdefault("name", resource_id.rsplit("/", 1)[-1])
        state.update(self._computed(args.typ, resource_id, state))
        return resource_id, state

    @staticmethod
    def _computed(type_token: str, resource_id: str, state: dict[str, Any]) -> dict[str, Any]:
        """Outputs Azure computes on create that the program reads."""
        if type_token == "azure-native:network:PublicIPAddress":
            # 20.x is Microsoft-owned space; the last octet is stable per resource for readable plans.
            return {"ipAddress": f"20.0.{len(resource_id) % 250}.{sum(map(ord, resource_id)) % 250 + 1}"}
        if type_token == "azure-native:containerregistry:Registry":
            return {"loginServer": f"{state['name']}.azurecr.io"}
        if type_token == "azure-native:containerservice:ManagedCluster":
            # AKS issuer URLs: https://<region>.oic.prod-aks.azure.com/<tenant>/<cluster guid>/
            cluster_guid = _stable_guid("oidc", resource_id)
            issuer = f"https://{state.get('location')}.oic.prod-aks.azure.com/{TENANT_ID}/{cluster_guid}/"
            return {
                "oidcIssuerProfile": {**state.get("oidcIssuerProfile", {}), "issuerURL": issuer},
                "privateFQDN": f"{state.get('dnsPrefix')}.privatelink.{state.get('location')}.azmk8s.io",
                # ARM answers the identity list it was sent as a map of identity ID -> principal and client IDs.
                "identity": {
                    **state.get("identity", {}),
                    "userAssignedIdentities": {
                        i: {"principalId": _stable_guid("principal", i), "clientId": _stable_guid("client", i)}
                        for i in state.get("identity", {}).get("userAssignedIdentities", [])
                    },
                },
            }
        if type_token == "azure-native:managedidentity:UserAssignedIdentity":
            return {
                "principalId": _stable_guid("principal", resource_id),
                "clientId": _stable_guid("client", resource_id),
                "tenantId": TENANT_ID,
            }
        if type_token == "azure-native:compute:VirtualMachineScaleSet":
            # Inputs list user-assigned identity IDs; Azure returns a map of ID -> principal and client IDs.
            identity = state.get("identity", {})
            assigned = {
                identity_id: {
                    "principalId": _stable_guid("principal", identity_id),
                    "clientId": _stable_guid("client", identity_id),
                }
                for identity_id in identity.get("userAssignedIdentities", [])
            }
            return {
                "identity": {**identity, "userAssignedIdentities": assigned},
                "uniqueId": _stable_guid("vmss", resource_id),
            }
        if type_token == "azure-native:keyvault:Vault":
            return {
                "properties": {**state.get("properties", {}), "vaultUri": f"https://{state['name']}.vault.azure.net/"}
            }
        if type_token == "azure-native:keyvault:Key":
            # Key Vault's key identifiers: versionless, and with a 32-hex-digit version.
            key_uri = f"https://{state.get('vaultName')}.vault.azure.net/keys/{state['name']}"
            version = uuid.UUID(_stable_guid("key-version", resource_id)).hex
            return {"keyUri": key_uri, "keyUriWithVersion": f"{key_uri}/{version}"}
        return {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        token = args.token
        if re.search(r":getClientConfig$", token):
            # azure-native:authorization:getClientConfig and azuread:index/getClientConfig:getClientConfig.
            return {
                "clientId": CLIENT_ID,
                "objectId": OBJECT_ID,
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
            }, []  # no check failures; pulumi's MockMonitor iterates this list, so None would crash the invoke
        raise NotImplementedError(f"the offline engine has no answer for invoke {token}; add one in offline/mocks.py")
