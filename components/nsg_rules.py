"""Compile the configured inbound allowlists of one subnet into as few NSG rules as Azure allows.

People write rules per purpose ("WinRM from the jump hosts"); Azure bills and limits per rule. Rules that
share protocol and ports become one rule whose source list is the union of their sources, CIDRs collapsed
(`10.8.12.0/27` + `10.8.12.32/27` -> `10.8.12.0/26`), adjacent port ranges merged. Priorities are assigned in
a stable order (protocol, ports, source kind), so the same config always yields the same plan, and a final
rule denies all other inbound traffic ahead of Azure's default AllowVnetInBound.

Limits (Microsoft Learn, "Azure subscription and service limits", networking): 1,000 rules per NSG, and
4,000 source addresses and ranges across all rules of one NSG; priorities run 100-4096.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import defaultdict
from dataclasses import dataclass

from .config.network import InboundRule, NetworkSettings, SubnetRole

MAX_RULES_PER_NSG = 1000
MAX_SOURCE_PREFIXES_PER_NSG = 4000
FIRST_PRIORITY = 100
PRIORITY_STEP = 10
DENY_ALL_PRIORITY = 4096
MAX_RULE_NAME = 80
MAX_DESCRIPTION = 140


# (protocol, destination ports, service tag or None for CIDR sources)
_GroupKey = tuple[str, tuple[str, ...], str | None]


class NsgCapacityError(ValueError):
    """The allowlists of one subnet cannot be expressed within one NSG's limits."""


@dataclass(frozen=True)
class CompiledRule:
    name: str
    priority: int
    access: str
    protocol: str
    destination_ports: tuple[str, ...]
    source_prefixes: tuple[str, ...]
    source_tag: str | None
    destination_prefix: str
    description: str


def compile_inbound(network: NetworkSettings, role: SubnetRole) -> list[CompiledRule]:
    """The NSG rules of subnet `role`: compacted allow rules, then deny-all at the lowest priority."""
    groups: dict[_GroupKey, set[ipaddress.IPv4Network]] = defaultdict(set)
    origins: dict[_GroupKey, list[str]] = defaultdict(list)
    for rule in network.inbound_rules.by_role()[role]:
        ports = _merge_ports(rule.ports)
        prefixes, tags = _resolve_sources(network, rule)
        keys: list[_GroupKey] = [(rule.protocol.value, ports, None)] if prefixes else []
        keys += [(rule.protocol.value, ports, tag) for tag in tags]
        for key in keys:
            groups[key] |= prefixes if key[2] is None else set()
            origins[key].append(rule.name)

    ordered = sorted(groups, key=lambda k: (k[0], _ports_sort_key(k[1]), k[2] or ""))
    if len(ordered) + 1 > MAX_RULES_PER_NSG or FIRST_PRIORITY + PRIORITY_STEP * len(ordered) >= DENY_ALL_PRIORITY:
        capacity = min(MAX_RULES_PER_NSG - 1, (DENY_ALL_PRIORITY - FIRST_PRIORITY - 1) // PRIORITY_STEP + 1)
        raise NsgCapacityError(
            f"{len(ordered)} distinct protocol/port combinations need {len(ordered)} allow rules; "
            f"allowed: at most {capacity} per NSG: share ports between rules or use port ranges"
        )

    compiled: list[CompiledRule] = []
    total_prefixes = 0
    for index, key in enumerate(ordered):
        protocol, ports, tag = key
        collapsed = tuple(str(n) for n in ipaddress.collapse_addresses(groups[key]))
        total_prefixes += len(collapsed)
        compiled.append(
            CompiledRule(
                name=_rule_name(protocol, ports, tag),
                priority=FIRST_PRIORITY + PRIORITY_STEP * index,
                access="Allow",
                protocol=protocol,
                destination_ports=ports,
                source_prefixes=collapsed,
                source_tag=tag,
                # The NSG guards exactly one subnet, so "*" means "this subnet", and it also covers
                # the AKS overlay pod CIDR, which lies outside the subnet's prefix.
                destination_prefix="*",
                description=_truncate("Allowlist: " + ", ".join(sorted(set(origins[key]))), MAX_DESCRIPTION),
            )
        )
    if total_prefixes > MAX_SOURCE_PREFIXES_PER_NSG:
        raise NsgCapacityError(
            f"{total_prefixes} source prefixes after collapsing; allowed: at most {MAX_SOURCE_PREFIXES_PER_NSG} "
            "per NSG: summarise the allowlists into wider CIDRs"
        )
    compiled.append(
        CompiledRule(
            name="deny-all-inbound",
            priority=DENY_ALL_PRIORITY,
            access="Deny",
            protocol="*",
            destination_ports=("*",),
            source_prefixes=(),
            source_tag="*",
            destination_prefix="*",
            description="Deny by default: everything not allowlisted above, including other VNet traffic",
        )
    )
    return compiled


def _resolve_sources(network: NetworkSettings, rule: InboundRule) -> tuple[set[ipaddress.IPv4Network], list[str]]:
    prefixes: set[ipaddress.IPv4Network] = set()
    tags: list[str] = []
    subnets = network.subnets.by_role()
    for source in rule.sources:
        kind, _, ref = source.partition(":")
        if kind == "allowlist":
            prefixes.update(ipaddress.IPv4Network(c) for c in network.allowlists[ref])
        elif kind == "subnet":
            prefixes.add(ipaddress.IPv4Network(subnets[ref].address_prefix))  # type: ignore[index]
        elif kind == "tag":
            tags.append(ref)
        else:
            prefixes.add(ipaddress.IPv4Network(source))
    return prefixes, tags


def _merge_ports(ports: list[str]) -> tuple[str, ...]:
    if ports == ["*"]:
        return ("*",)
    spans = sorted(tuple(int(p) for p in (port.split("-") * 2)[:2]) for port in ports)
    merged: list[list[int]] = []
    for low, high in spans:
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple(str(low) if low == high else f"{low}-{high}" for low, high in merged)


def _ports_sort_key(ports: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(0 if p == "*" else int(p.split("-")[0]) for p in ports)


def _rule_name(protocol: str, ports: tuple[str, ...], tag: str | None) -> str:
    proto = "any" if protocol == "*" else protocol.lower()
    port_text = "all" if ports == ("*",) else "-".join(ports)
    name = f"allow-{proto}-{port_text}" + (f"-from-{tag.lower()}" if tag else "")
    if len(name) > MAX_RULE_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[: MAX_RULE_NAME - 9]}-{digest}"
    return name


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
