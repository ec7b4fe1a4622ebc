"""Role assignments: the catalog, deterministic names, and the cross-component grants in each stack's plan."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from components.access import ROLE_IDS, assignment_name

from .conftest import PROJECT_DIR, STACKS, plan_of

AZURE_FACTS = PROJECT_DIR.parent / "shared" / "guide" / "azure-facts.md"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def test_catalog_matches_the_recorded_built_in_role_ids() -> None:
    if not AZURE_FACTS.exists():
        pytest.skip("shared/guide is not beside this checkout")
    text = AZURE_FACTS.read_text().replace("\n", " ")
    for role, role_id in ROLE_IDS.items():
        assert re.search(re.escape(role) + r"\s+" + role_id, text), f"{role} {role_id} not in azure-facts.md"


def test_assignment_names_are_stable_guids_of_scope_principal_and_role() -> None:
    name = assignment_name("/subscriptions/s/rg/x", "P", "AcrPull")
    assert name == assignment_name("/SUBSCRIPTIONS/S/RG/X", "p", "AcrPull"), "ARM IDs are case-insensitive"
    assert name != assignment_name("/subscriptions/s/rg/x", "p", "AcrPush")
    assert name != assignment_name("/subscriptions/s/rg/y", "p", "AcrPull")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", name)


def grants(stack: str) -> dict[str, dict[str, object]]:
    return {r["name"]: r["inputs"] for r in plan_of(stack).of_type(ROLE_ASSIGNMENT)}


@pytest.mark.parametrize("stack", STACKS)
def test_build_agents_push_and_sign_and_nodes_pull(stack: str) -> None:
    plan = plan_of(stack)
    outputs = plan.outputs
    found = grants(stack)
    push, sign, pull = (
        found["build-agents-push-images"],
        found["build-agents-sign-images"],
        found["cluster-pull-images"],
    )
    assert str(push["roleDefinitionId"]).endswith(ROLE_IDS["AcrPush"])
    assert push["scope"] == outputs["registryId"] and push["principalId"] == outputs["buildAgentsPrincipalId"]
    assert str(sign["roleDefinitionId"]).endswith(ROLE_IDS["Key Vault Crypto User"])
    # The narrowest scope: the one signing key, not the vault.
    key_name = plan.one("azure-native:keyvault:Key")["inputs"]["keyName"]
    assert sign["scope"] == f"{outputs['signingVaultId']}/keys/{key_name}"
    assert str(pull["roleDefinitionId"]).endswith(ROLE_IDS["AcrPull"])
    assert pull["scope"] == outputs["registryId"] and pull["principalId"] == outputs["kubeletIdentityObjectId"]
    for inputs in (push, sign, pull):
        assert inputs["principalType"] == "ServicePrincipal"


@pytest.mark.parametrize("stack", STACKS)
def test_every_assignment_name_is_derived_and_unique(stack: str) -> None:
    names: Counter[object] = Counter()
    for inputs in grants(stack).values():
        role_id = str(inputs["roleDefinitionId"]).rsplit("/", 1)[-1]
        role = next(r for r, i in ROLE_IDS.items() if i == role_id)
        assert inputs["roleAssignmentName"] == assignment_name(str(inputs["scope"]), str(inputs["principalId"]), role)
        names[inputs["roleAssignmentName"]] += 1
    assert names and max(names.values()) == 1


def test_no_owner_or_contributor_anywhere() -> None:
    for stack in STACKS:
        for inputs in grants(stack).values():
            assert str(inputs["roleDefinitionId"]).rsplit("/", 1)[-1] in ROLE_IDS.values()
