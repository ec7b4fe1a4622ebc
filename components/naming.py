"""Physical names of every Azure resource: CAF abbreviations, region and environment, each service's limits.

Names follow `<abbreviation>-<workload>-<environment>-<region code>[-<purpose>]` (Cloud Adoption Framework,
"Abbreviation recommendations for Azure resources"). Names that Azure makes globally unique (registry,
Key Vault) carry a short hash of `naming.uniqueSeed`, so two organisations deploying this code do not
collide, and the same stack always gets the same name. Limits come from Microsoft Learn,
"Naming rules and restrictions for Azure resources" (azure-resource-manager/management/resource-name-rules).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .regions import REGION_CODES

# Shared pattern of most Microsoft.Network names: start alphanumeric, end alphanumeric or '_',
# alphanumerics, '_', '.', '-' in between.
_NETWORK_NAME = r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$"


@dataclass(frozen=True)
class NameRule:
    """What Azure accepts as the name of one resource type, and how the plan spells that name."""

    abbreviation: str
    min_length: int
    max_length: int
    pattern: str
    name_input: str
    scope: str = "resource group"
    separator: str = "-"

    def problem(self, name: str) -> str | None:
        if not self.min_length <= len(name) <= self.max_length:
            return f"'{name}' is {len(name)} characters; allowed: {self.min_length}-{self.max_length}"
        if not re.match(self.pattern, name):
            return f"'{name}' does not match {self.pattern}"
        if "--" in name and self.abbreviation == "kv":
            return f"'{name}' has consecutive hyphens, which Key Vault refuses"
        return None


# Keyed by Pulumi type token, so plan checks can look a resource's rule up by its type.
NAME_RULES: dict[str, NameRule] = {
    "azure-native:resources:ResourceGroup": NameRule(
        "rg", 1, 90, r"^[A-Za-z0-9_().-]*[A-Za-z0-9_()-]$", "resourceGroupName", scope="subscription"
    ),
    "azure-native:network:VirtualNetwork": NameRule("vnet", 2, 64, _NETWORK_NAME, "virtualNetworkName"),
    "azure-native:network:Subnet": NameRule("snet", 1, 80, _NETWORK_NAME, "subnetName", scope="virtual network"),
    "azure-native:network:NetworkSecurityGroup": NameRule("nsg", 1, 80, _NETWORK_NAME, "networkSecurityGroupName"),
    "azure-native:network:NatGateway": NameRule("ng", 1, 80, _NETWORK_NAME, "natGatewayName"),
    "azure-native:network:PublicIPAddress": NameRule("pip", 1, 80, _NETWORK_NAME, "publicIpAddressName"),
    "azure-native:network:PrivateEndpoint": NameRule("pe", 2, 64, _NETWORK_NAME, "privateEndpointName"),
    "azure-native:privatedns:VirtualNetworkLink": NameRule(
        "link", 1, 80, _NETWORK_NAME, "virtualNetworkLinkName", scope="private DNS zone"
    ),
    "azure-native:managedidentity:UserAssignedIdentity": NameRule(
        "id", 3, 128, r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "resourceName"
    ),
    "azure-native:compute:VirtualMachineScaleSet": NameRule(
        "vmss", 1, 64, r"^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$", "vmScaleSetName"
    ),
    # resource-name-rules lists no limit for scale-set extensions: held to the VM resource-name bound (64)
    # and the scale set's character set. CAF has no abbreviation for extensions; "ext" is ours.
    "azure-native:compute:VirtualMachineScaleSetExtension": NameRule(
        "ext", 1, 64, r"^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$", "vmssExtensionName", scope="scale set"
    ),
    "azure-native:containerregistry:Registry": NameRule(
        "cr", 5, 50, r"^[a-z0-9]+$", "registryName", scope="global", separator=""
    ),
    # Registry children: replications 5-50 alphanumerics, tasks 5-50 alphanumerics, '-' and '_'
    # (resource-name-rules); cache rules 5-50 alphanumerics and '-' (containerregistry REST API cacheRuleName).
    "azure-native:containerregistry:Replication": NameRule(
        "cr", 5, 50, r"^[A-Za-z0-9]+$", "replicationName", scope="registry", separator=""
    ),
    "azure-native:containerregistry:Task": NameRule("task", 5, 50, r"^[A-Za-z0-9_-]+$", "taskName", scope="registry"),
    "azure-native:containerregistry:CacheRule": NameRule(
        "cache", 5, 50, r"^[A-Za-z0-9-]+$", "cacheRuleName", scope="registry"
    ),
    "azure-native:keyvault:Vault": NameRule("kv", 3, 24, r"^[a-z][a-z0-9-]*[a-z0-9]$", "vaultName", scope="global"),
    # vaults/keys: 1-127 alphanumerics and hyphens, unique in the vault (resource-name-rules#microsoftkeyvault;
    # PSRule Azure.KeyVault.KeyName). CAF has no abbreviation for keys; "key" reads plainly in audit logs.
    "azure-native:keyvault:Key": NameRule("key", 1, 127, r"^[0-9A-Za-z-]+$", "keyName", scope="key vault"),
    "azure-native:containerservice:ManagedCluster": NameRule(
        "aks", 1, 63, r"^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$", "resourceName"
    ),
    # Data collection rules: CAF abbreviation "dcr"; 64 characters is the bound Microsoft's Container insights
    # onboarding template truncates DCR names to (microsoft/Docker-Provider, onboarding-using-msi-auth).
    "azure-native:monitor:DataCollectionRule": NameRule(
        "dcr", 3, 64, r"^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$", "dataCollectionRuleName"
    ),
    "azure-native:operationalinsights:Workspace": NameRule(
        "log", 4, 63, r"^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$", "workspaceName"
    ),
}


# Short environment codes (CAF uses prod/stg/dev): "staging" in full would push vault names past 24.
ENVIRONMENT_CODES = {"prod": "prod", "staging": "stg", "dev": "dev"}


class NamingError(ValueError):
    """A physical name that Azure would refuse; raised while names are derived, before any resource."""


@dataclass(frozen=True)
class Naming:
    workload: str
    environment: str
    location: str
    unique_seed: str

    @property
    def region_code(self) -> str:
        return REGION_CODES[self.location]

    @property
    def environment_code(self) -> str:
        return ENVIRONMENT_CODES[self.environment]

    def name(self, type_token: str, purpose: str = "") -> str:
        """The regional physical name of a resource of `type_token`, optionally qualified by `purpose`."""
        rule = NAME_RULES[type_token]
        parts = [rule.abbreviation, self.workload, self.environment_code, self.region_code, purpose]
        return self._checked(rule, rule.separator.join(p for p in parts if p))

    def global_name(self, type_token: str, regional: bool) -> str:
        """A globally unique name: the registry is one per environment, a vault one per region."""
        rule = NAME_RULES[type_token]
        scope = self.location if regional else "global"
        digest = hashlib.sha256(f"{self.unique_seed}/{self.workload}/{self.environment}/{scope}".encode()).hexdigest()
        parts = [rule.abbreviation, self.workload, self.environment_code]
        if regional:
            parts.append(self.region_code)
        parts.append(digest[: 6 if rule.separator == "" else 4])
        return self._checked(rule, rule.separator.join(parts))

    @staticmethod
    def _checked(rule: NameRule, name: str) -> str:
        problem = rule.problem(name)
        if problem:
            raise NamingError(f"{rule.abbreviation} name {problem}")
        return name
