"""Config of the region's image-build agent pool (a Windows Server Core scale set for Azure DevOps)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from ..sizes import VM_SIZES, allowed_sizes_text
from .base import KeyPathError, Settings

# Disallowed admin user names, from the Compute API's `osProfile.adminUsername` documentation (the same
# list is in the SDK docstring), plus `azdevops`: the Azure DevOps scale-set agent extension creates a
# user of that name and resets its password (learn.microsoft.com/azure/devops/pipelines/agents/
# scale-set-agents, FAQ "If you specify AzDevOps as the primary administrator...").
RESERVED_ADMIN_NAMES = frozenset(
    {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123",
        "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner",
        "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5",
        "azdevops",
    }
)  # fmt: skip
# Windows: at most 20 characters and no trailing '.'; SAM account names also refuse " / \ [ ] : ; | = , + * ? < > @.
_ADMIN_NAME_RE = re.compile(r'^[^"/\\\[\]:;|=,+*?<>@\s]{1,20}$')

# Windows time zone IDs (TimeZoneInfo.Id) of the US regions this platform deploys to.
WINDOWS_US_TIME_ZONES = (
    "Eastern Standard Time",
    "Central Standard Time",
    "Mountain Standard Time",
    "US Mountain Standard Time",
    "Pacific Standard Time",
    "Alaskan Standard Time",
    "Hawaiian Standard Time",
    "UTC",
)

# Server Core SKUs of Windows Server 2022 Datacenter that exist as a Gen1 image with a `-g2` twin. Azure
# Edition Core is Gen2 only and has no `-g2` name, so appending one would name no image (Marketplace
# WindowsServer offer; Azure/azure-quickstart-templates quickstarts/microsoft.compute/vm-simple-windows).
GEN1_CORE_SKUS = ("2022-datacenter-core", "2022-datacenter-core-smalldisk")

_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_IMAGE_PART_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ImageSettings(Settings):
    """Marketplace image. `sku` is the Generation 1 SKU; `-g2` is appended when the size runs Generation 2."""

    publisher: str = "MicrosoftWindowsServer"
    offer: str = "WindowsServer"
    sku: str = "2022-datacenter-core"
    version: str = "latest"

    @field_validator("publisher", "offer")
    @classmethod
    def _image_part(cls, value: str) -> str:
        if not _IMAGE_PART_RE.match(value):
            raise ValueError(f"'{value}' is not allowed; allowed: letters, digits, '.', '_' and '-'")
        return value

    @field_validator("sku")
    @classmethod
    def _core_gen1_sku(cls, value: str) -> str:
        # The agents are Server Core by design (smaller attack surface, fewer patches to reboot for).
        if value.endswith("-g2") and value.removesuffix("-g2") in GEN1_CORE_SKUS:
            raise ValueError(
                f"'{value}' names the Gen2 variant; allowed: the Gen1 SKU "
                f"('{value.removesuffix('-g2')}'): the Gen2 variant is chosen from the VM size"
            )
        if value not in GEN1_CORE_SKUS:
            raise ValueError(f"'{value}' is not allowed; allowed: {', '.join(GEN1_CORE_SKUS)}")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value != "latest" and not _VERSION_RE.match(value):
            raise ValueError(f"'{value}' is not allowed; allowed: 'latest' or a version such as 20348.2849.241206")
        return value

    def sku_for(self, generation: str) -> str:
        return f"{self.sku}-g2" if generation == "V2" else self.sku


class CapacitySettings(Settings):
    """Bounds the Azure DevOps agent pool works within; the pool service sets the scale set's capacity."""

    # A scale set without a single placement group holds up to 1,000 VMs (virtual-machine-scale-sets/
    # virtual-machine-scale-sets-placement-groups).
    maximum: int = Field(ge=1, le=1000)
    standby: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _standby_within_maximum(self) -> CapacitySettings:
        if self.standby > self.maximum:
            raise KeyPathError("standby", f"{self.standby} exceeds maximum {self.maximum}; allowed: 0-{self.maximum}")
        return self


class PasswordPolicySettings(Settings):
    """Local account policy on every agent (NIST SP 800-171 3.1.8 and 3.5.7; FedRAMP AC-7)."""

    # `net accounts /minpwlen` accepts 0-14 without the RelaxMinimumPasswordLengthLimits policy.
    min_length: int = Field(default=14, ge=12, le=14)
    lockout_threshold: int = Field(default=3, ge=1, le=10)
    lockout_window_minutes: int = Field(default=15, ge=1, le=99999)
    lockout_duration_minutes: int = Field(default=30, ge=1, le=99999)

    @model_validator(mode="after")
    def _duration_covers_window(self) -> PasswordPolicySettings:
        # Windows refuses a lockout duration shorter than the observation window.
        if self.lockout_duration_minutes < self.lockout_window_minutes:
            raise KeyPathError(
                "lockoutDurationMinutes",
                f"{self.lockout_duration_minutes} is shorter than lockoutWindowMinutes "
                f"{self.lockout_window_minutes}; allowed: at least {self.lockout_window_minutes}",
            )
        return self


class BuildAgentSettings(Settings):
    """`wincontainers:buildAgents`: the Hyper-V isolated image-build pool of one region."""

    vm_size: str
    admin_username: str
    time_zone: str
    nuget_feed_url: str = Field(description="the only NuGet source on the agents (nuget.org is removed)")
    capacity: CapacitySettings
    image: ImageSettings = ImageSettings()
    password_policy: PasswordPolicySettings = PasswordPolicySettings()
    os_disk_size_gb: int = Field(default=256, ge=128, le=4095)
    docker_version: str = "27.5.1"
    powershell_version: str = "7.4.6"

    @field_validator("vm_size")
    @classmethod
    def _size_from_catalog(cls, value: str) -> str:
        size = VM_SIZES.get(value)
        allowed = f"allowed: {allowed_sizes_text()}"
        if size is None:
            raise ValueError(f"'{value}' is not in the build-agent size catalog; {allowed}")
        if size.problem:
            raise ValueError(f"'{value}' {size.problem}; {allowed}")
        return value

    @field_validator("admin_username")
    @classmethod
    def _admin_name(cls, value: str) -> str:
        if value.lower() in RESERVED_ADMIN_NAMES:
            raise ValueError(
                f"'{value}' is reserved by Azure or Azure DevOps; allowed: any other name, 1-20 characters"
            )
        if not _ADMIN_NAME_RE.match(value) or value.endswith("."):
            raise ValueError(
                f"'{value}' is not a Windows user name; allowed: 1-20 characters, no spaces, "
                'none of " / \\ [ ] : ; | = , + * ? < > @, not ending in "."'
            )
        return value

    @field_validator("time_zone")
    @classmethod
    def _windows_time_zone(cls, value: str) -> str:
        if value not in WINDOWS_US_TIME_ZONES:
            raise ValueError(
                f"'{value}' is not a known Windows time zone ID; allowed: {', '.join(WINDOWS_US_TIME_ZONES)}"
            )
        return value

    @field_validator("nuget_feed_url")
    @classmethod
    def _feed(cls, value: str) -> str:
        parts = urlsplit(value)
        allowed = (
            "allowed: an https:// URL of a NuGet v3 feed, at most 512 characters, without credentials, "
            "spaces or any of ' \" < > & ` %"
        )
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"'{value}' is not an https URL; {allowed}")
        if parts.username or parts.password:
            raise ValueError(f"the feed URL carries credentials; {allowed}")
        # The URL travels in a cmd.exe command line (% expands there), a PowerShell single-quoted argument
        # and an XML attribute.
        if len(value) > 512 or any(c in value for c in "'\"<>&`% "):
            raise ValueError(f"'{value}' is not allowed; {allowed}")
        return value

    @field_validator("docker_version", "powershell_version")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not _VERSION_RE.match(value):
            raise ValueError(f"'{value}' is not allowed; allowed: a pinned version such as 27.5.1")
        return value

    @model_validator(mode="after")
    def _command_fits(self) -> BuildAgentSettings:
        from ..build_agents import COMMAND_LINE_LIMIT, prepare_command

        length = len(prepare_command(self))
        if length > COMMAND_LINE_LIMIT:
            raise KeyPathError(
                "nugetFeedUrl",
                f"the agent preparation command (script and settings) would be {length} characters; "
                f"allowed: at most {COMMAND_LINE_LIMIT} (cmd.exe's limit): shorten the feed URL or the script",
            )
        return self
