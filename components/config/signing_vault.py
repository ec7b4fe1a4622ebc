"""Config of the region's signing vault: Premium Key Vault, its HSM-backed image-signing key and rotation policy.

Limits come from Microsoft Learn (MicrosoftDocs/azure-security-docs, articles/key-vault):
- keys/how-to-configure-key-rotation.md: a rotation trigger is at least seven days after creation and at
  least seven days before expiry; a rotate-before-expiry or notify trigger needs an expiry time.
- Azure.Security.KeyVault.Keys `KeyRotationPolicy.ExpiresIn` (and the ARM/PowerShell `ExpiresIn`): the
  expiry of a rotated version "should be at least 28 days".
- general/soft-delete-overview.md and the ARM schema (`softDeleteRetentionInDays`): 7-90 days, fixed at creation.
- keys/about-keys.md: HSM-protected key types are RSA-HSM and EC-HSM (Premium SKU only).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import KeyPathError, Settings

HSM_KEY_TYPES = ("RSA-HSM", "EC-HSM")
SOFTWARE_KEY_TYPES = ("RSA", "EC", "oct")
# Signing keys at or above NIST SP 800-57's 128-bit security strength: RSA 3072/4096, ECDSA P-384.
RSA_HSM_SIZES = (3072, 4096)
EC_HSM_CURVES = ("P-384",)

MIN_TRIGGER_DAYS = 7  # how-to-configure-key-rotation.md: "minimum value is seven days"
MIN_EXPIRY_DAYS = 28  # KeyRotationPolicy.ExpiresIn: "It should be at least 28 days"
MIN_SOFT_DELETE_DAYS = 7
MAX_SOFT_DELETE_DAYS = 90


def iso_days(days: int) -> str:
    """An ISO 8601 duration in days, the form Key Vault's rotation policy takes (`P90D`)."""
    return f"P{days}D"


class RotationSettings(Settings):
    """`signingVault.key.rotation`: when Key Vault makes a new key version and warns before one expires.

    Durations are whole days (rendered as ISO 8601 `P<n>D`), so limits are checked exactly.
    """

    # Each new version expires this long after it is created (`attributes.expiryTime`).
    expiry_days: int = Field(default=730, description="lifetime of each new key version")
    # Rotate this long after a version is created (`timeAfterCreate`): works for the first version too,
    # which Azure Resource Manager creates without an expiration date.
    rotate_after_create_days: int = Field(default=540, description="rotate this many days after creation")
    # Event Grid `KeyNearExpiry` this long before a version expires (`timeBeforeExpiry`, Notify action).
    notify_before_expiry_days: int = Field(default=30, description="notify this many days before expiry")

    @field_validator("expiry_days")
    @classmethod
    def _expiry(cls, value: int) -> int:
        if value < MIN_EXPIRY_DAYS:
            raise ValueError(
                f"{value} days is too short for a key version's expiry; allowed: at least {MIN_EXPIRY_DAYS} days"
            )
        return value

    @field_validator("rotate_after_create_days")
    @classmethod
    def _rotation_interval(cls, value: int) -> int:
        if value < MIN_TRIGGER_DAYS:
            raise ValueError(
                f"rotation interval of {value} days is below Key Vault's minimum; allowed: at least "
                f"{MIN_TRIGGER_DAYS} days after creation"
            )
        return value

    @field_validator("notify_before_expiry_days")
    @classmethod
    def _notify(cls, value: int) -> int:
        if value < MIN_TRIGGER_DAYS:
            raise ValueError(
                f"a notification {value} days before expiry is below Key Vault's minimum; allowed: at least "
                f"{MIN_TRIGGER_DAYS} days before expiry"
            )
        return value

    @model_validator(mode="after")
    def _triggers_inside_lifetime(self) -> RotationSettings:
        # Every trigger must fall at least seven days after creation and seven days before expiry, so the
        # key is always rotated before the version it replaces expires.
        latest = self.expiry_days - MIN_TRIGGER_DAYS
        if self.rotate_after_create_days > latest:
            raise KeyPathError(
                "rotateAfterCreateDays",
                f"rotating {self.rotate_after_create_days} days after creation leaves less than "
                f"{MIN_TRIGGER_DAYS} days before the {self.expiry_days}-day expiry; allowed: "
                f"{MIN_TRIGGER_DAYS}-{latest} days",
            )
        if self.notify_before_expiry_days > latest:
            raise KeyPathError(
                "notifyBeforeExpiryDays",
                f"notifying {self.notify_before_expiry_days} days before a {self.expiry_days}-day expiry falls "
                f"less than {MIN_TRIGGER_DAYS} days after creation; allowed: {MIN_TRIGGER_DAYS}-{latest} days",
            )
        return self


class SigningKeySettings(Settings):
    """`signingVault.key`: the HSM-backed image-signing key. Its name comes from `Naming` (`key-...-signing`)."""

    type: Literal["RSA-HSM", "EC-HSM"] = "RSA-HSM"
    size: int | None = Field(default=None, description="RSA-HSM only: 3072 (default) or 4096")
    curve: Literal["P-384"] | None = Field(default=None, description="EC-HSM only: P-384 (default)")
    rotation: RotationSettings = RotationSettings()

    @field_validator("type", mode="before")
    @classmethod
    def _hsm_only(cls, value: object) -> object:
        if value in SOFTWARE_KEY_TYPES:
            raise ValueError(
                f"'{value}' is a software-protected key type; allowed: {', '.join(HSM_KEY_TYPES)} "
                "(HSM-backed, FIPS 140-3 Level 3 on a Premium vault)"
            )
        if value not in HSM_KEY_TYPES:
            raise ValueError(
                f"'{value}' is not an asymmetric HSM signing key type; allowed: {', '.join(HSM_KEY_TYPES)}"
            )
        return value

    @model_validator(mode="after")
    def _shape_matches_type(self) -> SigningKeySettings:
        if self.type == "RSA-HSM":
            if self.curve is not None:
                raise KeyPathError("curve", "an RSA-HSM key has no curve; allowed: omit it, or use type EC-HSM")
            if self.size is not None and self.size not in RSA_HSM_SIZES:
                raise KeyPathError(
                    "size", f"{self.size} bits; allowed: {', '.join(str(s) for s in RSA_HSM_SIZES)} for RSA-HSM"
                )
        elif self.size is not None:
            raise KeyPathError("size", "an EC-HSM key has a curve, not a size; allowed: omit it, or use type RSA-HSM")
        return self

    @property
    def key_size(self) -> int | None:
        return (self.size or RSA_HSM_SIZES[0]) if self.type == "RSA-HSM" else None

    @property
    def curve_name(self) -> str | None:
        return (self.curve or EC_HSM_CURVES[0]) if self.type == "EC-HSM" else None


class SigningVaultSettings(Settings):
    """`wincontainers:signingVault`: the region's Premium Key Vault and its image-signing key."""

    # `managedHsm` (a single-tenant FIPS 140-3 Level 3 pool) is reserved; see the README for why it is not
    # built yet and what activating one takes.
    mode: Literal["premiumVault", "managedHsm"] = "premiumVault"
    soft_delete_retention_days: int = Field(default=MAX_SOFT_DELETE_DAYS)
    purge_protection: bool = True
    # `Disabled` admits only the private endpoint and trusted Azure services; the subnet rules stay declared
    # so that `Enabled` falls back to "these subnets only", never to an open vault.
    public_network_access: Literal["Disabled", "Enabled"] = "Disabled"
    key: SigningKeySettings = SigningKeySettings()

    @field_validator("mode")
    @classmethod
    def _supported_mode(cls, value: str) -> str:
        if value == "managedHsm":
            raise ValueError(
                "'managedHsm' is not yet supported: a Managed HSM must be activated by hand (security domain "
                "download) before any key exists, and its keys and roles live in its own data plane; "
                "allowed: premiumVault"
            )
        return value

    @field_validator("soft_delete_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if not MIN_SOFT_DELETE_DAYS <= value <= MAX_SOFT_DELETE_DAYS:
            raise ValueError(
                f"{value} days; allowed: {MIN_SOFT_DELETE_DAYS}-{MAX_SOFT_DELETE_DAYS} days "
                "(Key Vault soft-delete retention, fixed when the vault is created)"
            )
        return value

    @field_validator("purge_protection")
    @classmethod
    def _purge_protection(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                "purge protection cannot be turned off: without it a deleted signing key can be purged before "
                "its soft-delete retention ends (and Azure cannot turn it off once it is on); allowed: true"
            )
        return value
