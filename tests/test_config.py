"""Stack config validation: each rule, with the one line a user sees, before any resource is registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.config import ConfigError, load_settings
from offline import engine

from .conftest import PROJECT, STACKS, raw_config

Mutation = Callable[[dict[str, Any]], None]


def net(raw: dict[str, Any]) -> dict[str, Any]:
    network: dict[str, Any] = raw["wincontainers:network"]
    return network


def error_lines(mutate: Mutation, stack: str = "prod-eastus") -> list[str]:
    raw = raw_config(stack)
    mutate(raw)
    with pytest.raises(ConfigError) as caught:
        load_settings(PROJECT, stack, raw)
    return caught.value.lines


@pytest.mark.parametrize("stack", STACKS)
def test_committed_stack_files_are_valid(stack: str) -> None:
    settings = load_settings(PROJECT, stack, raw_config(stack))
    assert settings.stack == stack
    assert f"{settings.environment}-{settings.location}" == stack


# Each case: how the stack file is broken, the key the error must name, and words it must contain.
CASES: list[tuple[str, Mutation, str, list[str]]] = [
    (
        "ipv6 subnet",
        lambda r: net(r)["subnets"]["aksSystem"].update(addressPrefix="fd00:40::/64"),
        "wincontainers:network.subnets.aksSystem.addressPrefix",
        ["IPv6", "IPv4-only"],
    ),
    (
        "ipv6 address space",
        lambda r: net(r).update(addressSpace="fd00::/48"),
        "wincontainers:network.addressSpace",
        ["IPv6"],
    ),
    (
        "ipv6 allowlist entry",
        lambda r: net(r)["allowlists"]["corporate"].append("2001:db8::/32"),
        "wincontainers:network.allowlists.corporate[3]",
        ["IPv6"],
    ),
    (
        "ipv6 literal source",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(sources=["2001:db8::/64"]),
        "wincontainers:network.inboundRules.buildAgents[0].sources",
        ["IPv6"],
    ),
    (
        "public address space",
        lambda r: net(r).update(addressSpace="20.40.0.0/16"),
        "wincontainers:network.addressSpace",
        ["not a private range", "10.0.0.0/8"],
    ),
    (
        "host bits",
        lambda r: net(r)["allowlists"]["corporate"].append("10.1.2.3/16"),
        "wincontainers:network.allowlists.corporate[3]",
        ["host bits", "10.1.0.0/16"],
    ),
    (
        "overlapping subnets",
        lambda r: net(r)["subnets"]["aksSystem"].update(addressPrefix="10.40.0.0/22"),
        "wincontainers:network.subnets.aksSystem.addressPrefix",
        ["overlaps subnets.buildAgents.addressPrefix", "do not overlap"],
    ),
    (
        "subnet outside the vnet",
        lambda r: net(r)["subnets"]["privateEndpoints"].update(addressPrefix="10.99.1.0/26"),
        "wincontainers:network.subnets.privateEndpoints.addressPrefix",
        ["outside addressSpace 10.40.0.0/16", "allowed: a prefix inside 10.40.0.0/16"],
    ),
    (
        "port 70000",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(ports=[70000]),
        "wincontainers:network.inboundRules.buildAgents[0].ports[0]",
        ["port 70000 is out of range", "1-65535"],
    ),
    (
        "port 0 in a range",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(ports=["0-80"]),
        "wincontainers:network.inboundRules.buildAgents[0].ports[0]",
        ["port 0 is out of range"],
    ),
    (
        "backwards range",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(ports=["9000-80"]),
        "wincontainers:network.inboundRules.buildAgents[0].ports[0]",
        ["runs backwards"],
    ),
    (
        "not a port",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(ports=["https"]),
        "wincontainers:network.inboundRules.buildAgents[0].ports[0]",
        ["not a port"],
    ),
    (
        "unknown nested key",
        lambda r: net(r).update(dnsServers=["10.0.0.4"]),
        "wincontainers:network.dnsServers",
        ["unknown key", "allowed: addressSpace, allowlists, inboundRules"],
    ),
    (
        "unknown top-level key",
        lambda r: r.update({"wincontainers:netwrok": {}}),
        "wincontainers:netwrok",
        ["unknown key", "wincontainers:network"],
    ),
    (
        "missing subnet",
        lambda r: net(r)["subnets"].pop("aksWindows"),
        "wincontainers:network.subnets.aksWindows",
        ["required key is missing"],
    ),
    (
        "unknown region",
        lambda r: r.update({"azure-native:location": "westeurope"}),
        "azure-native:location",
        ["not a known US Azure region", "eastus"],
    ),
    (
        "region of another stack",
        lambda r: r.update({"azure-native:location": "westus"}),
        "azure-native:location",
        ["belongs to stack 'prod-westus'"],
    ),
    (
        "allowlist that does not exist",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(sources=["allowlist:vendors"]),
        "wincontainers:network.inboundRules.buildAgents[0].sources",
        ["names no allowlist", "known: admin-jump-hosts, aks-pods, corporate"],
    ),
    (
        "broad service tag",
        lambda r: net(r)["inboundRules"]["buildAgents"][0].update(sources=["tag:Internet"]),
        "wincontainers:network.inboundRules.buildAgents[0].sources",
        ["not an allowed service tag", "AzureLoadBalancer"],
    ),
    (
        "tag name with a slash",
        lambda r: r["wincontainers:tags"].update(additional={"team/name": "x"}),
        "wincontainers:tags",
        ["contains /"],
    ),
    (
        "tag value too long",
        lambda r: r["wincontainers:tags"].update(owner="x" * 257),
        "wincontainers:tags",
        ["257 characters", "at most 256"],
    ),
    (
        "data classification",
        lambda r: r["wincontainers:tags"].update(dataClassification="secret"),
        "wincontainers:tags.dataClassification",
        ["'confidential'"],
    ),
    (
        "workload code too long",
        lambda r: r["wincontainers:naming"].update(workload="platform"),
        "wincontainers:naming.workload",
        ["2-6 lower-case letters"],
    ),
    (
        "more agents than the build subnet holds",
        lambda r: (
            net(r)["subnets"]["buildAgents"].update(addressPrefix="10.40.0.0/28")
            or r["wincontainers:buildAgents"]["capacity"].update(maximum=20)
        ),
        "wincontainers:buildAgents.capacity.maximum",
        ["20 agents exceed the 11 usable addresses", "at most 11"],
    ),
    (
        "log retention below audit minimum",
        lambda r: r["wincontainers:observability"].update(retentionDays=30),
        "wincontainers:observability.retentionDays",
        ["greater than or equal to 90"],
    ),
]


@pytest.mark.parametrize(("case", "mutate", "key", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_value_gives_one_line_naming_stack_key_and_allowed(
    case: str, mutate: Mutation, key: str, words: list[str]
) -> None:
    lines = error_lines(mutate)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"prod-eastus: config '{key}': "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "\n" not in lines[0]


def test_several_problems_are_all_reported() -> None:
    def two_problems(raw: dict[str, Any]) -> None:
        net(raw)["inboundRules"]["buildAgents"][0].update(ports=[70000])
        raw["wincontainers:tags"].update(dataClassification="secret")

    lines = error_lines(two_problems)
    assert len(lines) == 2
    assert any("ports[0]" in line for line in lines)
    assert any("dataClassification" in line for line in lines)


def test_yaml_integers_are_accepted_as_ports() -> None:
    raw = raw_config()
    net(raw)["inboundRules"]["buildAgents"][0].update(ports=[5986, "8080-8090"])
    settings = load_settings(PROJECT, "prod-eastus", raw)
    assert settings.network.inbound_rules.build_agents[0].ports == ["5986", "8080-8090"]


def test_bare_address_becomes_host_prefix() -> None:
    raw = raw_config()
    net(raw)["allowlists"]["corporate"].append("192.0.2.7")
    settings = load_settings(PROJECT, "prod-eastus", raw)
    assert "192.0.2.7/32" in settings.network.allowlists["corporate"]


def test_allowlist_too_big_for_one_nsg_is_a_config_error() -> None:
    # 4,001 distinct /32s that cannot collapse (every other address) exceed the 4,000-prefix NSG limit.
    many = [f"10.{(i * 2) // 65536 % 256}.{(i * 2) // 256 % 256}.{(i * 2) % 256}/32" for i in range(4001)]
    lines = error_lines(lambda r: net(r)["allowlists"]["corporate"].extend(many))
    assert len(lines) == 1
    assert "wincontainers:network.inboundRules.privateEndpoints" in lines[0]
    assert "at most 4000 per NSG" in lines[0]


def test_too_many_port_combinations_is_a_config_error() -> None:
    rules = [
        {"name": f"port-{p}", "protocol": "Tcp", "ports": [str(p)], "sources": ["allowlist:corporate"]}
        for p in range(1000, 1000 + 2 * 400, 2)
    ]
    lines = error_lines(lambda r: net(r)["inboundRules"].update(buildAgents=rules))
    assert len(lines) == 1
    assert "wincontainers:network.inboundRules.buildAgents" in lines[0]
    assert "allowed: at most" in lines[0]


def test_bad_config_registers_no_resource() -> None:
    raw = raw_config()
    net(raw)["subnets"]["aksSystem"].update(addressPrefix="fd00:40::/64")
    registered: list[dict[str, Any]] = []
    with pytest.raises(ConfigError):
        engine.run("prod-eastus", raw_config=raw, registrations=registered)
    assert registered == []
