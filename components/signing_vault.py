"""The region's signing vault: a Premium Key Vault holding the HSM-backed key that signs container images.

Access is Azure RBAC only (no access policies); the lead wires Key Vault Crypto User / Crypto Officer
grants in `__main__.py` against `vault_id`. The vault is reached through a private endpoint; its firewall
denies by default and names only the platform subnets (service endpoints), so turning public access on
never opens it to the internet.

Creating the key does not need the data plane: `Microsoft.KeyVault/vaults/keys` is an Azure Resource
Manager (control-plane) resource ("deploy key through control plane", Microsoft Learn
key-vault/keys/how-to-configure-key-rotation), and the vault firewall filters data-plane requests only
(key-vault/general/network-security; MicrosoftDocs/azure-docs#68668). So `pulumi up` from a GitHub runner
outside the VNet can create the key with public network access disabled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import pulumi
from pulumi_azure_native import authorization, keyvault, monitor

from .config.network import SubnetRole
from .config.signing_vault import SigningVaultSettings, iso_days
from .locks import lock_against_deletion
from .observability import Observability
from .placement import Placement
from .private_access import PrivateAccess, PrivateAccessArgs

# Subnets whose workloads sign (build agents) or verify (AKS admission, e.g. Ratify) with the key. They carry
# the Microsoft.KeyVault service endpoint (components/network.py), which a VNet rule requires.
CLIENT_SUBNETS: tuple[SubnetRole, ...] = ("buildAgents", "aksSystem", "aksWindows")

# Private Link sub-resource and zone for Key Vault (Microsoft Learn, private-link/private-endpoint-dns).
PRIVATE_LINK_GROUP = "vault"
PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net"


@dataclass(frozen=True)
class SigningVaultArgs:
    placement: Placement
    settings: SigningVaultSettings
    subnet_ids: Mapping[SubnetRole, pulumi.Input[str]]
    vnet_id: pulumi.Input[str]
    observability: Observability


class SigningVault(pulumi.ComponentResource):
    """Premium Key Vault (RBAC, purge protection, deny-by-default), HSM signing key, private endpoint, lock."""

    vault: keyvault.Vault
    key: keyvault.Key
    private_access: PrivateAccess
    diagnostics: monitor.DiagnosticSetting
    lock: authorization.ManagementLockByScope

    def __init__(self, name: str, args: SigningVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:keyvault:SigningVault", name, None, opts)
        place = args.placement.for_component("signing-vault")
        settings = args.settings
        tags = place.tags
        vault_name = place.naming.global_name("azure-native:keyvault:Vault", regional=True)

        self.vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=vault_name,
            resource_group_name=place.resource_group_name,
            location=place.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=authorization.get_client_config_output().tenant_id,
                # HSM-protected keys (RSA-HSM, EC-HSM) exist only in the Premium SKU.
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.PREMIUM),
                enable_rbac_authorization=True,
                access_policies=[],
                enable_soft_delete=True,
                soft_delete_retention_in_days=settings.soft_delete_retention_days,
                enable_purge_protection=settings.purge_protection,
                # Nothing reads secrets from this vault on anyone's behalf: it holds one signing key.
                enabled_for_deployment=False,
                enabled_for_template_deployment=False,
                enabled_for_disk_encryption=False,
                public_network_access=settings.public_network_access,
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action=keyvault.NetworkRuleAction.DENY,
                    bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
                    ip_rules=[],
                    virtual_network_rules=[
                        keyvault.VirtualNetworkRuleArgs(
                            id=args.subnet_ids[role], ignore_missing_vnet_service_endpoint=False
                        )
                        for role in CLIENT_SUBNETS
                    ],
                ),
            ),
            tags=tags,
            # The key verifies every signature ever made with it: never deleted by a Pulumi run, and kept
            # (soft-deleted at worst, purge-protected) if the stack is removed.
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )

        key_settings = settings.key
        rotation = key_settings.rotation
        self._key_name = place.naming.name("azure-native:keyvault:Key", "signing")
        self.key = keyvault.Key(
            f"{name}-signing-key",
            key_name=self._key_name,
            vault_name=self.vault.name,
            resource_group_name=place.resource_group_name,
            properties=keyvault.KeyPropertiesArgs(
                kty=key_settings.type,
                key_size=key_settings.key_size,
                curve_name=key_settings.curve_name,
                # A signing key signs and verifies; it never encrypts, wraps or leaves the HSM.
                key_ops=[keyvault.JsonWebKeyOperation.SIGN, keyvault.JsonWebKeyOperation.VERIFY],
                attributes=keyvault.KeyAttributesArgs(enabled=True, exportable=False),
                rotation_policy=keyvault.RotationPolicyArgs(
                    attributes=keyvault.KeyRotationPolicyAttributesArgs(expiry_time=iso_days(rotation.expiry_days)),
                    lifetime_actions=[
                        keyvault.LifetimeActionArgs(
                            trigger=keyvault.TriggerArgs(time_after_create=iso_days(rotation.rotate_after_create_days)),
                            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                        ),
                        keyvault.LifetimeActionArgs(
                            trigger=keyvault.TriggerArgs(
                                time_before_expiry=iso_days(rotation.notify_before_expiry_days)
                            ),
                            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.NOTIFY),
                        ),
                    ],
                ),
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )

        self.private_access = PrivateAccess(
            f"{name}-private",
            PrivateAccessArgs(
                target_id=self.vault.id,
                group_id=PRIVATE_LINK_GROUP,
                dns_zone=PRIVATE_DNS_ZONE,
                purpose="vault",
                subnet_id=args.subnet_ids["privateEndpoints"],
                vnet_id=args.vnet_id,
                placement=place,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.diagnostics = args.observability.send_diagnostics(
            f"{name}-diagnostics",
            resource_id=self.vault.id,
            log_categories=["AuditEvent"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.lock = lock_against_deletion(
            f"{name}-lock",
            scope=self.vault.id,
            reason="Holds the image-signing key; deleting it breaks signature verification for every image.",
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs(
            {
                "vaultId": self.vault.id,
                "vaultUri": self.vault_uri,
                "keyId": self.key_id,
                "keyIdWithVersion": self.key.key_uri_with_version,
                "cosignKeyRef": self.cosign_key_ref,
            }
        )

    @property
    def vault_id(self) -> pulumi.Output[str]:
        return self.vault.id

    @property
    def vault_uri(self) -> pulumi.Output[str]:
        return self.vault.properties.vault_uri

    @property
    def key_id(self) -> pulumi.Output[str]:
        """The versionless key identifier (`https://<vault>.vault.azure.net/keys/<key>`): always the newest version."""
        return self.key.key_uri

    @property
    def cosign_key_ref(self) -> pulumi.Output[str]:
        """The key as cosign names it: `azurekms://<vault>.vault.azure.net/<key>` (sigstore KMS docs)."""
        # Derived from the vault URI, so the host is right in any Azure cloud (vault.usgovcloudapi.net, ...).
        return self.vault_uri.apply(lambda uri: f"azurekms://{urlparse(uri).netloc}/{self._key_name}")
