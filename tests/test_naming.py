"""Physical names: CAF abbreviations, region and environment in the name, each service's limits."""

from __future__ import annotations

import pytest

from components.naming import NAME_RULES, Naming, NamingError
from components.regions import REGION_CODES, US_REGIONS

GLOBAL_TYPES = [t for t, rule in NAME_RULES.items() if rule.scope == "global"]


def naming(location: str = "eastus", environment: str = "prod", workload: str = "wcp") -> Naming:
    return Naming(workload=workload, environment=environment, location=location, unique_seed="contoso-platform")


def test_every_region_has_a_short_code() -> None:
    assert set(REGION_CODES) == set(US_REGIONS)
    assert len(set(REGION_CODES.values())) == len(REGION_CODES), "region codes must be unique"


@pytest.mark.parametrize("location", sorted(US_REGIONS))
@pytest.mark.parametrize("environment", ["prod", "staging", "dev"])
def test_longest_names_fit_every_service_in_every_region(location: str, environment: str) -> None:
    scheme = naming(location, environment, workload="abcdef")
    for type_token, rule in NAME_RULES.items():
        if rule.scope == "global":
            name = scheme.global_name(type_token, regional=True)
        else:
            # The longest purpose in use, in the form the service allows (some names are alphanumeric only).
            name = scheme.name(type_token, "privateendpoints" if rule.separator == "" else "private-endpoints")
        assert rule.problem(name) is None, (type_token, name)
        assert rule.abbreviation in name


def test_names_carry_abbreviation_workload_environment_and_region() -> None:
    assert naming().name("azure-native:network:VirtualNetwork") == "vnet-wcp-prod-eus"
    assert naming("westus").name("azure-native:network:Subnet", "build-agents") == "snet-wcp-prod-wus-build-agents"


def test_registry_name_is_alphanumeric_and_vault_name_fits_24() -> None:
    registry = naming().global_name("azure-native:containerregistry:Registry", regional=False)
    vault = naming().global_name("azure-native:keyvault:Vault", regional=True)
    assert registry.isalnum() and registry.islower() and registry.startswith("crwcpprod")
    assert len(vault) <= 24 and vault.startswith("kv-wcp-prod-eus-")


def test_global_names_are_stable_and_depend_on_the_seed() -> None:
    first = naming().global_name("azure-native:keyvault:Vault", regional=True)
    again = naming().global_name("azure-native:keyvault:Vault", regional=True)
    other_org = Naming(workload="wcp", environment="prod", location="eastus", unique_seed="fabrikam-platform")
    assert first == again
    assert other_org.global_name("azure-native:keyvault:Vault", regional=True) != first


def test_regional_vault_names_differ_between_regions() -> None:
    names = {naming(loc).global_name("azure-native:keyvault:Vault", regional=True) for loc in US_REGIONS}
    assert len(names) == len(US_REGIONS)


def test_one_registry_name_for_all_regions() -> None:
    names = {naming(loc).global_name("azure-native:containerregistry:Registry", regional=False) for loc in US_REGIONS}
    assert len(names) == 1


@pytest.mark.parametrize(
    ("type_token", "name", "words"),
    [
        ("azure-native:keyvault:Vault", "kv-" + "a" * 22, ["25 characters", "3-24"]),
        ("azure-native:keyvault:Vault", "kv--wcp", ["consecutive hyphens"]),
        ("azure-native:keyvault:Vault", "1kv-wcp", ["does not match"]),
        ("azure-native:containerregistry:Registry", "cr-wcp-prod", ["does not match"]),
        ("azure-native:containerregistry:Registry", "crw", ["3 characters", "5-50"]),
        ("azure-native:network:VirtualNetwork", "vnet-ends-with-.", ["does not match"]),
        ("azure-native:resources:ResourceGroup", "r" * 91, ["91 characters", "1-90"]),
    ],
)
def test_rules_reject_what_azure_rejects(type_token: str, name: str, words: list[str]) -> None:
    problem = NAME_RULES[type_token].problem(name)
    assert problem is not None
    for word in words:
        assert word in problem


def test_a_name_over_the_limit_raises_before_any_resource() -> None:
    with pytest.raises(NamingError, match="allowed: 1-80"):
        naming().name("azure-native:network:Subnet", "x" * 80)
