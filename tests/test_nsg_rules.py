"""Allowlist compaction into NSG rules: collapsed CIDRs, shared rules, stable priorities, deny-all last."""

from __future__ import annotations

from typing import Any

from components.config.network import NetworkSettings
from components.nsg_rules import DENY_ALL_PRIORITY, FIRST_PRIORITY, PRIORITY_STEP, compile_inbound

from .conftest import raw_config


def network_with(**changes: Any) -> NetworkSettings:
    # The network model alone: these cases rewrite allowlists that other concerns (the cluster's pod CIDR)
    # cross-check at stack level.
    raw = raw_config()
    raw["wincontainers:network"].update(changes)
    return NetworkSettings.model_validate(raw["wincontainers:network"])


def rule(name: str, ports: list[str], sources: list[str], protocol: str = "Tcp") -> dict[str, Any]:
    return {"name": name, "protocol": protocol, "ports": ports, "sources": sources}


def test_adjacent_cidrs_collapse_into_one_prefix() -> None:
    network = network_with()
    allow = compile_inbound(network, "buildAgents")[0]
    # admin-jump-hosts is 10.8.12.0/27 + 10.8.12.32/27 in the stack file.
    assert allow.source_prefixes == ("10.8.12.0/26",)


def test_rules_sharing_protocol_and_ports_share_one_nsg_rule() -> None:
    rules = compile_inbound(network_with(), "privateEndpoints")
    https = [r for r in rules if r.destination_ports == ("443",)]
    assert len(https) == 1
    assert "https-from-corporate" in https[0].description
    assert "https-from-platform-subnets" in https[0].description
    # corporate 10.8.0.0/16 + 10.9.0.0/16 collapse; the three platform subnets stay distinct.
    assert https[0].source_prefixes == ("10.8.0.0/15", "10.40.0.0/24", "10.40.4.0/22", "10.40.8.0/21", "172.20.16.0/20")


def test_priorities_are_deterministic_and_deny_all_is_last() -> None:
    inbound = {
        "buildAgents": [
            rule("b", ["443"], ["10.1.0.0/16"]),
            rule("a", ["22"], ["10.2.0.0/16"]),
            rule("c", ["53"], ["10.3.0.0/16"], protocol="Udp"),
        ]
    }
    first = compile_inbound(network_with(inboundRules=inbound), "buildAgents")
    inbound["buildAgents"].reverse()
    second = compile_inbound(network_with(inboundRules=inbound), "buildAgents")
    assert first == second
    assert [r.priority for r in first] == [FIRST_PRIORITY + PRIORITY_STEP * i for i in range(3)] + [DENY_ALL_PRIORITY]
    assert [r.name for r in first] == ["allow-tcp-22", "allow-tcp-443", "allow-udp-53", "deny-all-inbound"]
    deny = first[-1]
    assert (deny.access, deny.protocol, deny.source_tag, deny.destination_ports) == ("Deny", "*", "*", ("*",))


def test_adjacent_port_ranges_merge() -> None:
    inbound = {"buildAgents": [rule("web", ["443", "444", "8080-8089", "8090", "22"], ["10.1.0.0/16"])]}
    allow = compile_inbound(network_with(inboundRules=inbound), "buildAgents")[0]
    assert allow.destination_ports == ("22", "443-444", "8080-8090")


def test_service_tags_get_their_own_rule() -> None:
    rules = compile_inbound(network_with(), "aksSystem")
    tagged = [r for r in rules if r.source_tag == "AzureLoadBalancer"]
    assert len(tagged) == 1 and tagged[0].source_prefixes == ()
    assert all(r.source_tag in (None, "AzureLoadBalancer", "*") for r in rules)


def test_subnet_without_rules_denies_everything() -> None:
    rules = compile_inbound(network_with(inboundRules={}), "buildAgents")
    assert [r.name for r in rules] == ["deny-all-inbound"]


def test_two_hundred_scattered_cidrs_stay_one_rule() -> None:
    scattered = [f"10.{i}.{i}.0/24" for i in range(200)]
    inbound = {"buildAgents": [rule("many", ["443"], ["allowlist:many"])]}
    rules = compile_inbound(network_with(allowlists={"many": scattered}, inboundRules=inbound), "buildAgents")
    assert len(rules) == 2
    assert len(rules[0].source_prefixes) == 200
