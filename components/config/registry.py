"""Config of the one geo-replicated registry: who owns it, how it is cleaned, what it caches, who may reach it.

The primary region's stack owns the registry (`role: primary`) and everything that is registry-wide: SKU,
retention, the purge task, cache rules, IP rules, export and quarantine policies. Every other regional stack
is a replica (`role: replica`): it names the primary stack and owns only its replication and private
endpoint, so adding a region never edits the primary's config. Facts: Microsoft Learn, container-registry
docs (retention-policy, soft-delete-policy, auto-purge, artifact-cache-overview, access-selected-networks).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..regions import US_REGIONS
from .base import Ipv4Cidr, KeyPathError, Settings

# Geo-replication, private endpoints, zone redundancy, retention and IP rules are Premium-only features
# (Microsoft Learn, container-registry-skus); the design needs all of them.
REQUIRED_SKU = "Premium"

# Upstreams that artifact cache pulls from without a credential set (Microsoft Learn,
# artifact-cache-overview, "Upstream support"). Docker Hub needs a credential set (Key Vault secrets),
# which this program does not manage, so it is refused rather than failing on the first pull.
UNAUTHENTICATED_UPSTREAMS = ("mcr.microsoft.com", "public.ecr.aws", "ghcr.io", "quay.io", "registry.k8s.io", "gcr.io")
MAX_CACHE_RULES = 1000  # artifact-cache-overview, "Current limitations"
MAX_IP_RULES = 100  # container-registry-access-selected-networks

# `<org>/<project>/<stack>`: the fully qualified form a StackReference needs outside the current org.
_STACK_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+/([a-z]+)-([a-z0-9]+)$")
_RULE_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$")
_REPOSITORY_RE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
# `acr purge --ago` takes a Go-style duration with d, h and m units (container-registry-auto-purge).
_AGO_RE = re.compile(r"^(?:\d+(?:\.\d+)?[dhm])+$")
_CRON_FIELD_RE = re.compile(r"^[0-9A-Za-z*/,-]+$")

# Keys only the primary's registry config may carry: a replica follows the primary's registry.
PRIMARY_ONLY_KEYS = (
    "sku",
    "retention",
    "softDelete",
    "purge",
    "cacheRules",
    "ipRules",
    "exportEnabled",
    "quarantineEnabled",
)


class RetentionSettings(Settings):
    """Registry retention policy: untagged manifests are deleted this many days after they lose their tag."""

    enabled: bool = True
    untagged_days: int = 7

    @field_validator("untagged_days")
    @classmethod
    def _days_in_range(cls, value: int) -> int:
        # container-registry-retention-policy: "a number of days between 0 and 365".
        if not 0 <= value <= 365:
            raise ValueError(f"{value} days is out of range; allowed: 0-365 (0 deletes a manifest once untagged)")
        return value


class SoftDeleteSettings(Settings):
    """Present so that asking for soft delete is an explicit error, not a silently ignored wish."""

    enabled: bool = False
    retention_days: int = Field(default=7, ge=1, le=90)


class PurgeSettings(Settings):
    """A scheduled ACR Task running `acr purge`: what the retention policy cannot reach (old tags, OCI artifacts)."""

    schedule: str = Field(description="5-field cron expression, UTC")
    filters: list[str] = Field(min_length=1, description="'<repository regex>:<tag regex>' per entry")
    ago: str = Field(description="Go-style duration, e.g. 30d or 2d12h")
    keep: int = Field(default=10, ge=0, description="latest matching tags kept per repository")
    untagged: bool = True

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD_RE.match(f) for f in fields):
            raise ValueError(
                f"'{value}' is not a cron schedule; allowed: 5 fields 'minute hour day-of-month month day-of-week' "
                "in UTC, e.g. '0 3 * * Sun'"
            )
        return value

    @field_validator("filters")
    @classmethod
    def _filters(cls, value: list[str]) -> list[str]:
        for entry in value:
            repository, sep, tag = entry.partition(":")
            if not sep or not repository or not tag:
                raise ValueError(f"filter '{entry}' is not '<repository regex>:<tag regex>'; e.g. 'builds/.*:.*'")
            # The filter is single-quoted inside the task's command line.
            if "'" in entry:
                raise ValueError(f"filter '{entry}' contains a single quote; allowed: regexes without '")
            # The command line is a plain YAML scalar in the task: ": " ends it in an error, " #" cuts it short.
            # Repository names and tags never contain whitespace, so a filter needs none.
            if any(c.isspace() for c in entry):
                raise ValueError(f"filter '{entry}' contains whitespace; allowed: regexes without spaces")
            for part in (repository, tag):
                try:
                    re.compile(part)
                except re.error as exc:
                    raise ValueError(f"filter '{entry}': '{part}' is not a regular expression ({exc})") from exc
        return value

    @field_validator("ago")
    @classmethod
    def _ago(cls, value: str) -> str:
        if not _AGO_RE.match(value):
            raise ValueError(f"'{value}' is not a duration; allowed: numbers with units d, h, m, e.g. 30d or 1d12h")
        return value

    def command(self) -> str:
        """The `acr purge` command line the task runs."""
        parts = ["acr purge", *(f"--filter '{f}'" for f in self.filters), f"--ago {self.ago}", f"--keep {self.keep}"]
        if self.untagged:
            parts.append("--untagged")
        return " ".join(parts)

    def encoded_task(self, timeout_seconds: int) -> str:
        """The task definition (ACR Tasks YAML, base64) that `az acr task create --cmd ... --context /dev/null`
        would build; `disableWorkingDirectoryOverride` lets the purge image keep its own working directory."""
        yaml_text = (
            "version: v1.1.0\n"
            "steps:\n"
            f"  - cmd: {self.command()}\n"
            "    disableWorkingDirectoryOverride: true\n"
            f"    timeout: {timeout_seconds}\n"
        )
        return base64.b64encode(yaml_text.encode()).decode()


class CacheRule(Settings):
    """Pull-through cache of one upstream repository, so builds pull base layers through the registry."""

    name: str = Field(description="1-24 lower-case letters, digits and '-'")
    source: str = Field(description="upstream repository, e.g. mcr.microsoft.com/windows/servercore")
    target: str = Field(description="repository in this registry, e.g. windows/servercore")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # 24 keeps `cache-<workload>-<environment>-<region>-<name>` within the 50-character cache rule limit.
        if not _RULE_NAME_RE.match(value):
            raise ValueError(f"'{value}' is not a rule name; allowed: 1-24 lower-case letters, digits and '-'")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        host, _, repository = value.partition("/")
        if host not in UNAUTHENTICATED_UPSTREAMS:
            raise ValueError(
                f"'{value}' is not on an upstream that allows unauthenticated pulls; allowed hosts: "
                f"{', '.join(UNAUTHENTICATED_UPSTREAMS)} (Docker Hub needs a credential set)"
            )
        if not _REPOSITORY_RE.match(repository):
            raise ValueError(f"'{value}': '{repository}' is not a repository path; allowed: e.g. windows/servercore")
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if not _REPOSITORY_RE.match(value):
            raise ValueError(f"'{value}' is not a repository path; allowed: lower-case path such as windows/servercore")
        return value


def _public_ipv4(value: str) -> str:
    network = ipaddress.IPv4Network(value)
    if not network.is_global:
        raise ValueError(
            f"'{value}' is not a public range; registry IP rules apply to the public endpoint only "
            "(private clients use the private endpoint); allowed: public IPv4 addresses or CIDRs"
        )
    return value


class RegistrySettings(Settings):
    """`wincontainers:registry`: the primary owns the Premium registry; replicas add their region to it."""

    role: Literal["primary", "replica"]
    primary_stack: str | None = Field(default=None, description="replica only: '<org>/<project>/<primary stack>'")
    sku: str = REQUIRED_SKU
    retention: RetentionSettings = RetentionSettings()
    soft_delete: SoftDeleteSettings = SoftDeleteSettings()
    purge: PurgeSettings | None = None
    cache_rules: list[CacheRule] = []
    ip_rules: list[Ipv4Cidr] = Field(default=[], description="public IPv4 addresses/CIDRs, e.g. the NAT egress IP")
    export_enabled: bool = False
    quarantine_enabled: bool = False

    @field_validator("sku")
    @classmethod
    def _premium(cls, value: str) -> str:
        if value != REQUIRED_SKU:
            raise ValueError(
                f"'{value}' is not allowed; allowed: {REQUIRED_SKU} (geo-replication, private endpoints, zone "
                "redundancy, retention and network rules need it)"
            )
        return value

    @field_validator("ip_rules")
    @classmethod
    def _ip_rules(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_IP_RULES:
            raise ValueError(f"{len(value)} IP rules; allowed: at most {MAX_IP_RULES} per registry")
        return [_public_ipv4(v) for v in value]

    @model_validator(mode="after")
    def _role_keys(self) -> RegistrySettings:
        if self.role == "replica":
            if self.primary_stack is None:
                raise KeyPathError(
                    "primaryStack",
                    "a replica reads the registry from the primary stack and is missing its name; "
                    "allowed: '<org>/<project>/<primary stack>', e.g. 'contoso/wincontainers/prod-eastus'",
                )
            match = _STACK_REF_RE.match(self.primary_stack)
            if not match or match.group(2) not in US_REGIONS:
                raise KeyPathError(
                    "primaryStack",
                    f"'{self.primary_stack}' is not a stack reference; allowed: '<org>/<project>/<environment>-"
                    "<region>' naming a known region, e.g. 'contoso/wincontainers/prod-eastus'",
                )
            set_aliases = {type(self).model_fields[f].alias or f for f in self.model_fields_set}
            for key in PRIMARY_ONLY_KEYS:
                if key in set_aliases:
                    raise KeyPathError(
                        key,
                        "only the primary stack's registry config takes this key (the registry is one, shared); "
                        "allowed on a replica: role, primaryStack",
                    )
        elif self.primary_stack is not None:
            raise KeyPathError(
                "primaryStack",
                "the primary owns the registry and references no other stack; remove primaryStack, "
                "or set role: replica",
            )
        return self

    @model_validator(mode="after")
    def _no_soft_delete(self) -> RegistrySettings:
        # Soft delete (preview) is not supported on a geo-replicated registry and cannot be enabled together
        # with the retention policy (container-registry-soft-delete-policy, "Preview limitations"). Every
        # regional stack adds a replica without touching this config, so the registry is always geo-replicated.
        if self.soft_delete.enabled:
            raise KeyPathError(
                "softDelete.enabled",
                "soft delete is not supported on a geo-replicated registry, and every other regional stack "
                "replicates this one; it also excludes the retention policy; allowed: false",
            )
        return self

    @model_validator(mode="after")
    def _unique_cache_rules(self) -> RegistrySettings:
        if len(self.cache_rules) > MAX_CACHE_RULES:
            raise KeyPathError("cacheRules", f"{len(self.cache_rules)} rules; allowed: at most {MAX_CACHE_RULES}")
        for field in ("name", "source", "target"):
            seen: set[str] = set()
            for index, rule in enumerate(self.cache_rules):
                value = getattr(rule, field)
                if value in seen:
                    raise KeyPathError(
                        f"cacheRules.{index}.{field}",
                        f"'{value}' is used by another cache rule; allowed: one rule per {field}",
                    )
                seen.add(value)
        return self
