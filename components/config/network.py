"""Config of the isolated regional network: address plan, named allowlists and inbound rules per subnet."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from .base import Ipv4Cidr, KeyPathError, PrivateIpv4Cidr, Settings, as_text, parse_ipv4_network

SubnetRole = Literal["buildAgents", "aksSystem", "aksWindows", "privateEndpoints"]
SUBNET_ROLES: tuple[SubnetRole, ...] = ("buildAgents", "aksSystem", "aksWindows", "privateEndpoints")

# Service tags a rule may name as a source. Broad tags such as Internet or VirtualNetwork are left out
# on purpose: an allowlist names who may connect, and "all of the VNet" is not an allowlist.
ALLOWED_SERVICE_TAGS = ("AzureLoadBalancer",)

_PORT_RE = re.compile(r"^(\d+)(?:-(\d+))?$")
_RULE_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$")


# Azure keeps 5 addresses of every subnet (Microsoft Learn, virtual-network FAQ).
AZURE_RESERVED_SUBNET_ADDRESSES = 5


class Protocol(StrEnum):
    TCP = "Tcp"
    UDP = "Udp"
    ICMP = "Icmp"
    ANY = "*"


def _port_range(value: str) -> str:
    allowed = "allowed: a port 1-65535, a range 'low-high' within 1-65535, or '*' for all ports"
    if value == "*":
        return value
    match = _PORT_RE.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a port; {allowed}")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    for port in (low, high):
        if not 1 <= port <= 65535:
            raise ValueError(f"port {port} is out of range; {allowed}")
    if low > high:
        raise ValueError(f"range '{value}' runs backwards; {allowed}")
    return str(low) if low == high else f"{low}-{high}"


PortRange = Annotated[str, BeforeValidator(as_text), AfterValidator(_port_range)]


class Subnet(Settings):
    address_prefix: PrivateIpv4Cidr

    @property
    def usable_addresses(self) -> int:
        return ipaddress.IPv4Network(self.address_prefix).num_addresses - AZURE_RESERVED_SUBNET_ADDRESSES


class Subnets(Settings):
    build_agents: Subnet
    aks_system: Subnet
    aks_windows: Subnet
    private_endpoints: Subnet

    def by_role(self) -> dict[SubnetRole, Subnet]:
        return {
            "buildAgents": self.build_agents,
            "aksSystem": self.aks_system,
            "aksWindows": self.aks_windows,
            "privateEndpoints": self.private_endpoints,
        }


class InboundRule(Settings):
    """One allow rule as people think of it: who may reach this subnet, on which protocol and ports.

    `sources` entries are `allowlist:<name>`, `subnet:<role>`, `tag:AzureLoadBalancer`, or a literal IPv4 CIDR.
    """

    name: Annotated[str, Field(description="lower-case words joined by '-', at most 50 characters")]
    protocol: Protocol
    ports: list[PortRange] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _RULE_NAME_RE.match(value):
            raise ValueError(
                f"'{value}' is not a rule name; allowed: lower-case letters, digits and '-', 1-50 characters"
            )
        return value

    @field_validator("ports")
    @classmethod
    def _star_alone(cls, value: list[str]) -> list[str]:
        if "*" in value and len(value) > 1:
            raise ValueError("'*' already means every port; list it alone")
        return value


class InboundRules(Settings):
    build_agents: list[InboundRule] = []
    aks_system: list[InboundRule] = []
    aks_windows: list[InboundRule] = []
    private_endpoints: list[InboundRule] = []

    def by_role(self) -> dict[SubnetRole, list[InboundRule]]:
        return {
            "buildAgents": self.build_agents,
            "aksSystem": self.aks_system,
            "aksWindows": self.aks_windows,
            "privateEndpoints": self.private_endpoints,
        }


class NetworkSettings(Settings):
    """`wincontainers:network`: the VNet address plan and its deny-by-default inbound allowlists."""

    address_space: PrivateIpv4Cidr
    subnets: Subnets
    allowlists: dict[str, list[Ipv4Cidr]] = {}
    inbound_rules: InboundRules = InboundRules()
    nat_idle_timeout_minutes: int = Field(default=4, ge=4, le=120)

    @field_validator("allowlists")
    @classmethod
    def _allowlist_names(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, cidrs in value.items():
            if not _RULE_NAME_RE.match(name):
                raise ValueError(f"allowlist name '{name}' is not allowed; use lower-case letters, digits and '-'")
            if not cidrs:
                raise ValueError(f"allowlist '{name}' is empty; list at least one IPv4 CIDR or remove it")
        return value

    @model_validator(mode="after")
    def _address_plan(self) -> NetworkSettings:
        vnet = ipaddress.IPv4Network(self.address_space)
        placed: list[tuple[str, ipaddress.IPv4Network]] = []
        for role, subnet in self.subnets.by_role().items():
            prefix = ipaddress.IPv4Network(subnet.address_prefix)
            if not prefix.subnet_of(vnet):
                raise KeyPathError(
                    f"subnets.{role}.addressPrefix",
                    f"{prefix} lies outside addressSpace {vnet}; allowed: a prefix inside {vnet}",
                )
            for other_role, other in placed:
                if prefix.overlaps(other):
                    raise KeyPathError(
                        f"subnets.{role}.addressPrefix",
                        f"{prefix} overlaps subnets.{other_role}.addressPrefix {other}; "
                        "allowed: prefixes that do not overlap",
                    )
            placed.append((role, prefix))
        return self

    @model_validator(mode="after")
    def _sources_resolve(self) -> NetworkSettings:
        for role, rules in self.inbound_rules.by_role().items():
            for index, rule in enumerate(rules):
                for source in rule.sources:
                    problem = self._source_problem(source)
                    if problem:
                        raise KeyPathError(f"inboundRules.{role}[{index}].sources", f"rule '{rule.name}': {problem}")
        return self

    def _source_problem(self, source: str) -> str | None:
        kind, _, ref = source.partition(":")
        if kind == "allowlist":
            known = ", ".join(sorted(self.allowlists)) or "none defined"
            return None if ref in self.allowlists else f"'{source}' names no allowlist; known: {known}"
        if kind == "subnet":
            return None if ref in SUBNET_ROLES else f"'{source}' names no subnet; known: {', '.join(SUBNET_ROLES)}"
        if kind == "tag":
            ok = ref in ALLOWED_SERVICE_TAGS
            return (
                None if ok else f"'{source}' is not an allowed service tag; allowed: {', '.join(ALLOWED_SERVICE_TAGS)}"
            )
        try:
            parse_ipv4_network(source)
        except ValueError as exc:
            return (
                f"'{source}' is neither 'allowlist:<name>', 'subnet:<role>', 'tag:<service tag>' "
                f"nor an IPv4 CIDR ({exc})"
            )
        return None

    @model_validator(mode="after")
    def _rules_fit_one_nsg(self) -> NetworkSettings:
        from ..nsg_rules import NsgCapacityError, compile_inbound

        for role in SUBNET_ROLES:
            try:
                compile_inbound(self, role)
            except NsgCapacityError as exc:
                raise KeyPathError(f"inboundRules.{role}", f"does not fit one NSG: {exc}") from exc
        return self
