"""The whole stack's config: one structured key per concern, validated before any resource exists."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..naming import NAME_RULES, Naming, NamingError
from ..regions import US_REGIONS
from .base import KeyPathError, Settings
from .build_agents import BuildAgentSettings
from .cluster import ClusterField
from .network import NetworkSettings
from .observability import ObservabilitySettings
from .registry import RegistrySettings
from .signing_vault import SigningVaultSettings

# Azure tag limits (Microsoft Learn, azure-resource-manager/management/tag-resources#limitations): 50 tags
# per resource, values up to 256 characters, names up to 512 (128 on storage accounts: we use the lower
# bound so one tag set fits every resource), and no < > % & \ ? / in names.
MAX_TAGS = 50
MAX_TAG_NAME = 128
MAX_TAG_VALUE = 256
FORBIDDEN_TAG_NAME_CHARS = set("<>%&\\?/")

_WORKLOAD_RE = re.compile(r"^[a-z][a-z0-9]{1,5}$")
_SEED_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")


def tag_problem(name: str, value: str) -> str | None:
    """Why Azure would refuse this tag, or None."""
    if not name or len(name) > MAX_TAG_NAME:
        return f"tag name '{name[:40]}' must be 1-{MAX_TAG_NAME} characters"
    bad = sorted(set(name) & FORBIDDEN_TAG_NAME_CHARS)
    if bad:
        return f"tag name '{name}' contains {' '.join(bad)}; allowed: any characters except < > % & \\ ? /"
    if len(value) > MAX_TAG_VALUE:
        return f"tag '{name}' value is {len(value)} characters; allowed: at most {MAX_TAG_VALUE}"
    return None


class NamingSettings(Settings):
    """`wincontainers:naming`: inputs of every physical name."""

    workload: str = Field(description="2-6 lower-case letters/digits, starting with a letter")
    unique_seed: str = Field(description="stable text hashed into globally unique names (registry, vault)")

    @field_validator("workload")
    @classmethod
    def _workload(cls, value: str) -> str:
        if not _WORKLOAD_RE.match(value):
            raise ValueError(
                f"'{value}' is not allowed; allowed: 2-6 lower-case letters or digits, starting with a letter"
            )
        return value

    @field_validator("unique_seed")
    @classmethod
    def _seed(cls, value: str) -> str:
        if not _SEED_RE.match(value):
            raise ValueError(f"'{value}' is not allowed; allowed: 3-63 lower-case letters, digits and '-'")
        return value


class TagSettings(Settings):
    """`wincontainers:tags`: the audit tags every taggable resource carries."""

    owner: str = Field(min_length=3)
    cost_center: str = Field(min_length=1)
    data_classification: Literal["public", "internal", "confidential", "restricted"]
    compliance_scope: str = Field(min_length=1)
    additional: dict[str, str] = {}

    @model_validator(mode="after")
    def _within_azure_limits(self) -> TagSettings:
        for name, value in self.as_tags().items():
            problem = tag_problem(name, value)
            if problem:
                raise ValueError(problem)
        # Leave room for the tags the program adds (environment, region, stack, component, ...).
        if len(self.as_tags()) > MAX_TAGS - 10:
            raise ValueError(f"{len(self.as_tags())} tags configured; allowed: at most {MAX_TAGS - 10}")
        return self

    def as_tags(self) -> dict[str, str]:
        return {
            "owner": self.owner,
            "costCenter": self.cost_center,
            "dataClassification": self.data_classification,
            "complianceScope": self.compliance_scope,
            **self.additional,
        }


class StackSettings(Settings):
    """Everything one regional stack is configured with. Field aliases are the stack file's config keys."""

    stack: str = Field(exclude=True)
    location: str
    environment: Literal["prod", "staging", "dev"]
    naming: NamingSettings
    tags: TagSettings
    network: NetworkSettings
    registry: RegistrySettings
    cluster: ClusterField
    build_agents: BuildAgentSettings
    observability: ObservabilitySettings = ObservabilitySettings()
    signing_vault: SigningVaultSettings = SigningVaultSettings()

    @field_validator("location")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in US_REGIONS:
            raise ValueError(f"'{value}' is not a known US Azure region; allowed: {', '.join(sorted(US_REGIONS))}")
        return value

    @model_validator(mode="after")
    def _stack_name_matches(self) -> StackSettings:
        # One stack per region: the name says which, so a copied stack file cannot deploy to the wrong place.
        expected = f"{self.environment}-{self.location}"
        if self.stack != expected:
            raise KeyPathError(
                "location",
                f"'{self.location}' with environment '{self.environment}' belongs to stack '{expected}', "
                f"not '{self.stack}'; stacks are named <environment>-<location>",
            )
        return self

    @model_validator(mode="after")
    def _names_fit(self) -> StackSettings:
        # Derive every physical name once here, so a workload code that makes a name too long is a config
        # error with the key to change, not a deployment failure halfway through `pulumi up`.
        naming = self.naming_scheme()
        try:
            for type_token, rule in NAME_RULES.items():
                if rule.scope == "global":
                    naming.global_name(type_token, regional=type_token != "azure-native:containerregistry:Registry")
                else:
                    naming.name(type_token)
        except NamingError as exc:
            raise KeyPathError("naming.workload", f"{exc}; choose a shorter workload code") from exc
        return self

    def naming_scheme(self) -> Naming:
        return Naming(
            workload=self.naming.workload,
            environment=self.environment,
            location=self.location,
            unique_seed=self.naming.unique_seed,
        )

    @model_validator(mode="after")
    def _build_agents_fit_their_subnet(self) -> StackSettings:
        usable = self.network.subnets.build_agents.usable_addresses
        if self.build_agents.capacity.maximum > usable:
            raise KeyPathError(
                "buildAgents.capacity.maximum",
                f"{self.build_agents.capacity.maximum} agents exceed the {usable} usable addresses of subnet "
                f"buildAgents ({self.network.subnets.build_agents.address_prefix}); allowed: at most {usable}",
            )
        return self
