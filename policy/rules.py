"""Guardrails as policy as code: rules every preview and deployment of this project must pass.

The rules see what the Pulumi engine sees (resource type, camelCase inputs, options), so the same module
runs inside the policy pack (`pulumi preview --policy-pack policy`) and inside the offline engine. They
restate the compliance promises independently of the components, so a future change to a component
that breaks one fails here even if its own tests were changed with it.
Control references are NIST SP 800-171 Rev. 2 requirement numbers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

AUDIT_TAGS = ("owner", "costCenter", "dataClassification", "complianceScope")
STATEFUL_TYPES = (
    "azure-native:containerregistry:Registry",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
    "azure-native:operationalinsights:Workspace",
)
# Owner, Contributor, User Access Administrator, Role Based Access Control Administrator: roles that can
# grant themselves anything have no place in an automated, least-privilege deployment.
BROAD_ROLE_IDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
OPEN_SOURCES = {"*", "internet", "any", "0.0.0.0/0"}

Validate = Callable[[ResourceValidationArgs, ReportViolation], None]


def _nist(requirement: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(name="NIST SP 800-171", version="r2", reference=requirement)


def _for_types(*types: str) -> Callable[[Validate], Validate]:
    """Run a validation only on resources of the given Pulumi types."""

    def wrap(validate: Validate) -> Validate:
        def run(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if args.resource_type in types:
                validate(args, report)

        return run

    return wrap


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return [item for k, v in value.items() for item in _walk(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _walk(v, f"{path}[{i}]")]
    return [(path, value)]


def _public_network_access_disabled(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for path, value in _walk(args.props):
        if path.rsplit(".", 1)[-1] == "publicNetworkAccess" and str(value).lower() != "disabled":
            report(f"{path} is '{value}'; PaaS endpoints are reached through private endpoints only", None)


@_for_types("azure-native:network:PublicIPAddress")
def _public_ip_only_for_nat_egress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (args.props.get("tags") or {}).get("purpose") != "nat-egress":
        report("public IP addresses are allowed only for the NAT gateway's fixed egress (tag purpose=nat-egress)", None)


@_for_types("azure-native:network:NetworkSecurityGroup")
def _nsg_denies_by_default(args: ResourceValidationArgs, report: ReportViolation) -> None:
    rules = [r for r in args.props.get("securityRules") or [] if r.get("direction") == "Inbound"]
    denies_all = any(
        r.get("access") == "Deny"
        and r.get("sourceAddressPrefix") == "*"
        and r.get("destinationPortRange") == "*"
        and r.get("protocol") == "*"
        for r in rules
    )
    if not denies_all:
        report("no inbound rule denies all traffic: every NSG must deny by default and allow by exception", None)
    for rule in rules:
        if rule.get("access") != "Allow":
            continue
        sources = [rule.get("sourceAddressPrefix"), *(rule.get("sourceAddressPrefixes") or [])]
        if OPEN_SOURCES & {str(s).lower() for s in sources if s}:
            report(f"rule '{rule.get('name')}' allows inbound traffic from anywhere", None)


def _ipv4_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for path, value in _walk(args.props):
        if path.rsplit(".", 1)[-1] in ("publicIPAddressVersion", "privateIPAddressVersion") and value != "IPv4":
            report(f"{path} is '{value}'; the build network is IPv4-only", None)
        if isinstance(value, str) and ":" in value and "/" in value:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                continue
            if network.version == 6:
                report(f"{path} is the IPv6 prefix '{value}'; the build network is IPv4-only", None)


def _audit_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    tags = args.props.get("tags")
    if tags is None or not args.resource_type.startswith("azure-native:"):
        return
    missing = [t for t in AUDIT_TAGS if not tags.get(t)]
    if missing:
        report(f"missing audit tags: {', '.join(missing)}", None)


@_for_types(*STATEFUL_TYPES)
def _stateful_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.opts.protect:
        report("stateful resource without `protect`: a `pulumi destroy` or a rename would delete it", None)


@_for_types("azure-native:keyvault:Key")
def _hsm_keys(args: ResourceValidationArgs, report: ReportViolation) -> None:
    kty = (args.props.get("properties") or {}).get("kty")
    if kty not in ("RSA-HSM", "EC-HSM"):
        report(f"key type '{kty}' is software-protected; signing keys must be RSA-HSM or EC-HSM", None)


@_for_types("azure-native:keyvault:Vault")
def _vault_hardened(args: ResourceValidationArgs, report: ReportViolation) -> None:
    properties = args.props.get("properties") or {}
    if properties.get("enablePurgeProtection") is not True:
        report("purge protection is off: a deleted vault and its keys could be purged", None)
    if properties.get("enableRbacAuthorization") is not True:
        report("access policies instead of Azure RBAC: access would bypass the role assignment audit trail", None)
    if (properties.get("sku") or {}).get("name", "").lower() != "premium":
        report("vault SKU is not Premium: HSM-backed keys need Premium", None)


@_for_types("azure-native:containerregistry:Registry")
def _registry_no_shared_credentials(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.props.get("adminUserEnabled") is not False:
        report("the registry admin user must be off: pushes and pulls use Entra ID identities", None)
    if args.props.get("anonymousPullEnabled") is True:
        report("anonymous pull is on", None)


@_for_types("azure-native:containerservice:ManagedCluster")
def _aks_entra_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.props.get("disableLocalAccounts") is not True:
        report("local Kubernetes accounts are enabled: all access must go through Entra ID", None)
    if not (args.props.get("aadProfile") or {}).get("enableAzureRBAC"):
        report("Azure RBAC for Kubernetes authorization is off", None)


@_for_types("azure-native:compute:VirtualMachineScaleSet")
def _vmss_host_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    profile = args.props.get("virtualMachineProfile") or {}
    if (profile.get("securityProfile") or {}).get("encryptionAtHost") is not True:
        report("encryption at host is off: temp disks and caches would be unencrypted", None)


@_for_types("azure-native:authorization:RoleAssignment")
def _no_broad_roles(args: ResourceValidationArgs, report: ReportViolation) -> None:
    role_id = str(args.props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
    if role_id in BROAD_ROLE_IDS:
        report(f"assigns {BROAD_ROLE_IDS[role_id]}; grant a narrow built-in role at the narrowest scope", None)


def _policy(name: str, description: str, validate: Validate, requirement: str) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        framework=_nist(requirement),
    )


POLICIES: list[ResourceValidationPolicy] = [
    _policy(
        "public-network-access-disabled",
        "PaaS resources disable public network access.",
        _public_network_access_disabled,
        "3.13.1",
    ),
    _policy(
        "public-ip-only-for-nat-egress",
        "The only public IP is the NAT gateway's egress address.",
        _public_ip_only_for_nat_egress,
        "3.13.1",
    ),
    _policy(
        "nsg-deny-by-default", "NSGs deny inbound by default, allow by exception.", _nsg_denies_by_default, "3.13.6"
    ),
    _policy("ipv4-only", "No IPv6 address, prefix or IP version anywhere.", _ipv4_only, "3.13.1"),
    _policy("audit-tags", "Taggable resources carry owner, cost center, classification, scope.", _audit_tags, "3.4.1"),
    _policy("stateful-resources-protected", "Registry, vault, keys, logs are protected.", _stateful_protected, "3.3.1"),
    _policy("signing-keys-in-hsm", "Key Vault keys are HSM-backed (FIPS 140 validated).", _hsm_keys, "3.13.11"),
    _policy("vault-hardened", "Premium vault, purge protection, Azure RBAC.", _vault_hardened, "3.13.10"),
    _policy(
        "registry-no-shared-credentials",
        "No registry admin user or anonymous pull.",
        _registry_no_shared_credentials,
        "3.5.1",
    ),
    _policy("aks-entra-only", "AKS: local accounts off, Azure RBAC on.", _aks_entra_only, "3.5.1"),
    _policy("vmss-host-encryption", "Scale sets encrypt at host.", _vmss_host_encryption, "3.13.16"),
    _policy("no-broad-roles", "No Owner, Contributor or access-administration roles.", _no_broad_roles, "3.1.5"),
]
