"""The benchmark's generated stacks stay valid, so `make bench` measures what it says it measures."""

from __future__ import annotations

from benchmarks.preview_bench import import_floor_script, with_cidrs, with_rules
from offline import engine

from .conftest import plan_of


def nsg_rules(plan: engine.Plan, name: str) -> list[dict[str, object]]:
    nsg = next(r for r in plan.of_type("azure-native:network:NetworkSecurityGroup") if r["name"] == name)
    rules: list[dict[str, object]] = nsg["inputs"]["securityRules"]
    return rules


def test_two_hundred_cidrs_stay_in_the_same_rules() -> None:
    plan = engine.run("prod-eastus", raw_config=with_cidrs(200))
    https = nsg_rules(plan, "network-nsg-private-endpoints")[0]
    assert len(https["sourceAddressPrefixes"]) == 200 + 3  # type: ignore[arg-type]
    assert len(nsg_rules(plan, "network-nsg-build-agents")) == 2


def test_two_hundred_rules_become_two_hundred_nsg_rules() -> None:
    plan = engine.run("prod-eastus", raw_config=with_rules(200))
    assert len(nsg_rules(plan, "network-nsg-build-agents")) == 200 + 1


def test_floor_script_imports_every_provider_class_the_plan_uses() -> None:
    plan = plan_of("prod-eastus")
    script = import_floor_script(plan)
    compile(script, "floor", "exec")
    for type_token in {r["type"] for r in plan.resources if r["custom"]}:
        assert f".{type_token.split(':')[-1]}" in script, type_token
