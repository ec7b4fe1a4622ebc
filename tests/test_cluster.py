"""The AKS cluster: Linux system pool inline, Windows user pools as AgentPools, CNI overlay + Calico, Entra RBAC."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.config.cluster import WINDOWS_SKUS
from offline import engine
from offline.mocks import SUBSCRIPTION_ID, TENANT_ID

from .conftest import config_error

CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
MAINTENANCE = "azure-native:containerservice:MaintenanceConfiguration"
DCR = "azure-native:monitor:DataCollectionRule"
DCRA = "azure-native:monitor:DataCollectionRuleAssociation"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
SUBNET = "azure-native:network:Subnet"
NSG = "azure-native:network:NetworkSecurityGroup"
WORKSPACE = "azure-native:operationalinsights:Workspace"

Runner = Callable[..., engine.Plan]


def _cluster_config(raw: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = raw["wincontainers:cluster"]
    return block


def _by_name(plan: engine.Plan, type_token: str, name: str) -> dict[str, Any]:
    return next(r for r in plan.of_type(type_token) if r["name"] == name)


def _own(plan: engine.Plan, type_token: str) -> list[dict[str, Any]]:
    """Resources of a type created by the cluster component (other components create identities, grants...)."""
    return [
        r for r in plan.of_type(type_token) if (r["parent"] or "").endswith("wincontainers:cluster:Cluster::cluster")
    ]


def _config_error(run_with: Runner, mutate: Callable[[dict[str, Any]], None], stack: str = "prod-eastus") -> str:
    return config_error(lambda: run_with(mutate, stack))


# --- the plan -------------------------------------------------------------------------------------------


def test_one_standard_tier_cluster_with_user_assigned_identities(stack_plan: engine.Plan) -> None:
    cluster = stack_plan.one(CLUSTER)
    inputs = cluster["inputs"]
    region = {"prod-eastus": "eus", "prod-westus": "wus"}[stack_plan.stack]
    assert inputs["resourceName"] == f"aks-wcp-prod-{region}"
    assert inputs["sku"] == {"name": "Base", "tier": "Standard"}
    assert inputs["kubernetesVersion"] == "1.36"
    assert inputs["nodeResourceGroup"] == f"rg-wcp-prod-{region}-aks-nodes"
    identities = {r["name"]: r for r in _own(stack_plan, IDENTITY)}
    control_plane = identities["cluster-control-plane-identity"]["inputs"]["resourceName"]
    kubelet = identities["cluster-kubelet-identity"]["inputs"]["resourceName"]
    assert inputs["identity"]["type"] == "UserAssigned"
    assert [i.rsplit("/", 1)[-1] for i in inputs["identity"]["userAssignedIdentities"]] == [control_plane]
    assert inputs["identityProfile"]["kubeletidentity"]["resourceId"].endswith(f"/{kubelet}")
    assert cluster["options"]["protect"] is True


def test_system_pool_is_the_only_inline_pool_and_linux(stack_plan: engine.Plan) -> None:
    cluster = stack_plan.one(CLUSTER)
    profiles = cluster["inputs"]["agentPoolProfiles"]
    assert len(profiles) == 1
    system = profiles[0]
    assert system["mode"] == "System"
    assert system["osType"] == "Linux"
    assert system["enableNodePublicIP"] is False
    assert system["enableAutoScaling"] is True
    assert system["vnetSubnetID"].endswith("-aks-system")
    expected_zones = {"prod-eastus": ["1", "2", "3"], "prod-westus": None}[stack_plan.stack]
    assert system.get("availabilityZones") == expected_zones
    assert cluster["options"]["ignoreChanges"] == ["agentPoolProfiles[0].count"]


def test_windows_pools_are_separate_agent_pools(stack_plan: engine.Plan) -> None:
    pools = stack_plan.of_type(POOL)
    assert pools, "at least one Windows pool"
    cluster = stack_plan.one(CLUSTER)
    for pool in pools:
        inputs = pool["inputs"]
        assert 1 <= len(inputs["agentPoolName"]) <= 6
        assert inputs["resourceName"] == cluster["inputs"]["resourceName"]
        assert inputs["osType"] == "Windows"
        assert inputs["osSKU"] in WINDOWS_SKUS
        assert inputs["mode"] == "User"
        assert inputs["enableAutoScaling"] is True
        assert inputs["minCount"] <= inputs["maxCount"]
        assert inputs["maxPods"] <= 110
        assert inputs["nodeTaints"] == ["os=windows:NoSchedule"]
        assert inputs["vnetSubnetID"].endswith("-aks-windows")
        assert inputs["enableNodePublicIP"] is False
        assert inputs["enableFIPS"] is True
        assert inputs["orchestratorVersion"] == cluster["inputs"]["kubernetesVersion"]
        assert inputs["windowsProfile"] == {"disableOutboundNat": True}
        expected_zones = {"prod-eastus": ["1", "2", "3"], "prod-westus": None}[stack_plan.stack]
        assert inputs.get("availabilityZones") == expected_zones
        assert pool["options"]["ignoreChanges"] == ["count"]
        assert cluster["urn"] in pool["dependencies"]


def test_network_is_cni_overlay_with_calico_and_nat_egress(stack_plan: engine.Plan) -> None:
    cluster = stack_plan.one(CLUSTER)
    profile = cluster["inputs"]["networkProfile"]
    assert profile["networkPlugin"] == "azure"
    assert profile["networkPluginMode"] == "overlay"
    assert profile["networkPolicy"] == "calico"
    assert profile["outboundType"] == "userAssignedNATGateway"
    assert profile["podCidr"] == "10.244.0.0/16"
    assert profile["serviceCidr"] == "10.0.0.0/16"
    assert profile["dnsServiceIP"] == "10.0.0.10"
    # The NAT gateway sits on the AKS subnets; AKS checks that when the cluster is created.
    aks_subnets = [r for r in stack_plan.of_type(SUBNET) if r["name"].startswith("network-snet-aks-")]
    assert len(aks_subnets) == 2
    for subnet in aks_subnets:
        assert "natGateway" in subnet["inputs"]
        assert subnet["urn"] in cluster["dependencies"]


def test_aks_nsgs_admit_the_pod_cidr_on_every_port(stack_plan: engine.Plan) -> None:
    pod_cidr = stack_plan.one(CLUSTER)["inputs"]["networkProfile"]["podCidr"]
    for name in ("network-nsg-aks-system", "network-nsg-aks-windows"):
        rules = _by_name(stack_plan, NSG, name)["inputs"]["securityRules"]
        admitting = [
            r
            for r in rules
            if r["access"] == "Allow"
            and r["protocol"] == "*"
            and r.get("destinationPortRange") == "*"
            and pod_cidr in r.get("sourceAddressPrefixes", [])
        ]
        assert admitting, f"{name} drops pod traffic"


def test_api_server_is_private_and_local_accounts_are_off(stack_plan: engine.Plan) -> None:
    inputs = stack_plan.one(CLUSTER)["inputs"]
    assert inputs["apiServerAccessProfile"] == {
        "enablePrivateCluster": True,
        "enablePrivateClusterPublicFQDN": False,
        "privateDNSZone": "system",
    }
    assert inputs["disableLocalAccounts"] is True
    assert inputs["enableRBAC"] is True


def test_entra_rbac_oidc_and_workload_identity(stack_plan: engine.Plan) -> None:
    inputs = stack_plan.one(CLUSTER)["inputs"]
    assert inputs["aadProfile"] == {
        "managed": True,
        "enableAzureRBAC": True,
        "adminGroupObjectIDs": ["5f0c8e2a-7b3d-4c1e-9a6f-2d8b4e7c1a90"],
        "tenantID": TENANT_ID,
    }
    assert inputs["oidcIssuerProfile"] == {"enabled": True}
    assert inputs["securityProfile"]["workloadIdentity"] == {"enabled": True}


def test_policy_monitoring_and_defender_report_to_the_regions_workspace(stack_plan: engine.Plan) -> None:
    inputs = stack_plan.one(CLUSTER)["inputs"]
    workspace_name = stack_plan.one(WORKSPACE)["inputs"]["workspaceName"]
    addons = inputs["addonProfiles"]
    assert addons["azurepolicy"] == {"enabled": True}
    assert addons["omsagent"]["enabled"] is True
    assert addons["omsagent"]["config"]["useAADAuth"] == "true"
    assert addons["omsagent"]["config"]["logAnalyticsWorkspaceResourceID"].endswith(f"/{workspace_name}")
    defender = inputs["securityProfile"]["defender"]
    assert defender["securityMonitoring"] == {"enabled": True}
    assert (
        defender["logAnalyticsWorkspaceResourceId"] == addons["omsagent"]["config"]["logAnalyticsWorkspaceResourceID"]
    )
    # Managed identity auth reads what to collect from a data collection rule associated with the cluster.
    rule = stack_plan.one(DCR)["inputs"]
    assert rule["kind"] == "Linux"
    assert rule["dataSources"]["extensions"][0]["extensionName"] == "ContainerInsights"
    assert rule["destinations"]["logAnalytics"][0]["workspaceResourceId"].endswith(f"/{workspace_name}")
    association = stack_plan.one(DCRA)["inputs"]
    assert association["associationName"] == "ContainerInsightsExtension"
    assert association["resourceUri"].endswith(f"/managedClusters/{inputs['resourceName']}")


def test_audit_logs_go_to_the_workspace(stack_plan: engine.Plan) -> None:
    diagnostics = _own(stack_plan, DIAGNOSTICS)
    assert len(diagnostics) == 1
    categories = {log["category"] for log in diagnostics[0]["inputs"]["logs"] if log["enabled"]}
    assert categories == {"kube-audit-admin", "guard"}
    cluster_name = stack_plan.one(CLUSTER)["inputs"]["resourceName"]
    assert diagnostics[0]["inputs"]["resourceUri"].endswith(f"/managedClusters/{cluster_name}")


def test_upgrade_channels_and_maintenance_windows(stack_plan: engine.Plan) -> None:
    inputs = stack_plan.one(CLUSTER)["inputs"]
    assert inputs["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    windows = {r["inputs"]["configName"]: r["inputs"]["maintenanceWindow"] for r in stack_plan.of_type(MAINTENANCE)}
    assert set(windows) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}
    offset = {"prod-eastus": "-05:00", "prod-westus": "-08:00"}[stack_plan.stack]
    assert windows["aksManagedAutoUpgradeSchedule"] == {
        "schedule": {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}},
        "startTime": "02:00",
        "durationHours": 4,
        "utcOffset": offset,
    }
    assert windows["aksManagedNodeOSUpgradeSchedule"]["schedule"]["weekly"]["dayOfWeek"] == "Saturday"


def test_control_plane_holds_its_documented_roles_before_the_cluster(stack_plan: engine.Plan) -> None:
    cluster = stack_plan.one(CLUSTER)
    identities = {r["name"]: r for r in _own(stack_plan, IDENTITY)}
    kubelet_id = cluster["inputs"]["identityProfile"]["kubeletidentity"]["resourceId"]
    grants = {r["name"]: r for r in _own(stack_plan, ASSIGNMENT)}
    region = {"prod-eastus": "eus", "prod-westus": "wus"}[stack_plan.stack]
    assert set(grants) == {
        "cluster-control-plane-operates-kubelet-identity",
        "cluster-control-plane-joins-system-subnet",
        "cluster-control-plane-joins-windows-subnet",
    }
    operator = grants["cluster-control-plane-operates-kubelet-identity"]["inputs"]
    assert operator["scope"] == kubelet_id
    assert operator["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/"
        "f1a07417-d97a-45cb-824c-7a7467783830"
    )
    for subnet in ("system", "windows"):
        network_grant = grants[f"cluster-control-plane-joins-{subnet}-subnet"]["inputs"]
        assert network_grant["scope"].endswith(f"/subnets/snet-wcp-prod-{region}-aks-{subnet}")
        assert network_grant["roleDefinitionId"].endswith("/4d97b98b-1d4f-4787-a291-c67834d212e7")
    principal_urn = identities["cluster-control-plane-identity"]["urn"]
    for grant in grants.values():
        assert grant["inputs"]["principalType"] == "ServicePrincipal"
        assert principal_urn in grant["dependencies"]
        assert grant["urn"] in cluster["dependencies"]


def test_outputs_name_the_cluster_issuer_kubelet_and_image_targets(stack_plan: engine.Plan) -> None:
    outputs = stack_plan.outputs
    cluster = stack_plan.one(CLUSTER)["inputs"]
    assert outputs["clusterName"] == cluster["resourceName"]
    assert outputs["clusterId"].endswith(f"/Microsoft.ContainerService/managedClusters/{cluster['resourceName']}")
    assert outputs["oidcIssuerUrl"].startswith(f"https://{cluster['location']}.oic.prod-aks.azure.com/")
    assert outputs["kubeletIdentityObjectId"] == cluster["identityProfile"]["kubeletidentity"]["objectId"]
    assert outputs["nodeResourceGroup"] == cluster["nodeResourceGroup"]
    assert outputs["windowsPoolImageTags"] == {"win22": "ltsc2022"}


def test_windows2025_pool_targets_ltsc2025(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _cluster_config(raw)["windowsPools"].append(
            {"name": "win25", "osSku": "Windows2025", "vmSize": "Standard_D8ds_v5", "minCount": 0, "maxCount": 4}
        )

    plan = run_with(mutate)
    pool = _by_name(plan, POOL, "cluster-pool-win25")["inputs"]
    assert pool["osSKU"] == "Windows2025"
    assert pool["enableFIPS"] is True
    assert plan.outputs["windowsPoolImageTags"] == {"win22": "ltsc2022", "win25": "ltsc2025"}


# --- config errors ---------------------------------------------------------------------------------------


def _windows_pool(raw: dict[str, Any], _version: str | None = None, **changes: Any) -> None:
    if _version is not None:
        _cluster_config(raw)["kubernetesVersion"] = _version
    _cluster_config(raw)["windowsPools"][0].update(changes)


@pytest.mark.parametrize(
    ("mutate", "key", "fragment"),
    [
        (lambda raw: _windows_pool(raw, name="windows"), "windowsPools[0].name", "allowed: 1-6 lower-case"),
        (lambda raw: _windows_pool(raw, osSku="Windows2019"), "windowsPools[0].osSku", "unsupported on AKS"),
        (lambda raw: _windows_pool(raw, maxPods=111), "windowsPools[0].maxPods", "allowed: 10-110"),
        (lambda raw: _windows_pool(raw, mode="System"), "windowsPools[0].mode", "cannot be a system pool"),
        (
            lambda raw: _cluster_config(raw)["systemPool"].update(osSku="Windows2022"),
            "systemPool.osSku",
            "system pools must run Linux",
        ),
        (
            lambda raw: _cluster_config(raw)["network"].update(plugin="kubenet"),
            "network.plugin",
            "no Windows node support",
        ),
        (
            lambda raw: _cluster_config(raw)["network"].update(policy="azure"),
            "network.policy",
            "Azure NPM is unsupported on Windows",
        ),
        (
            lambda raw: _cluster_config(raw).update(kubernetesVersion="1.37"),
            "windowsPools[0].osSku",
            "Windows2022 runs on Kubernetes 1.23-1.36, not 1.37; allowed for 1.37: Windows2025",
        ),
        (
            lambda raw: _windows_pool(raw, osSku="Windows2025", _version="1.31"),
            "windowsPools[0].osSku",
            "Windows2025 runs on Kubernetes 1.32 and later, not 1.31",
        ),
        (lambda raw: _cluster_config(raw).update(kubernetesVersion=1.3), "kubernetesVersion", "quote the version"),
        (
            lambda raw: _cluster_config(raw)["upgrades"].update(channel="stable"),
            "upgrades.channel",
            "past Kubernetes 1.36",
        ),
        (
            lambda raw: _cluster_config(raw)["upgrades"].update(nodeOsChannel="Unmanaged"),
            "upgrades.nodeOsChannel",
            "leaves Windows nodes unpatched",
        ),
        (
            lambda raw: _cluster_config(raw)["apiServer"].update(private=False),
            "apiServer.authorizedIpRanges",
            "open to the internet",
        ),
        (
            lambda raw: _cluster_config(raw)["network"].update(serviceCidr="10.244.0.0/16"),
            "network.serviceCidr",
            "overlaps podCidr",
        ),
        (
            lambda raw: _cluster_config(raw)["network"].update(dnsServiceIp="10.1.0.10"),
            "network.dnsServiceIp",
            "must lie inside serviceCidr",
        ),
        (
            lambda raw: _cluster_config(raw)["entra"].update(adminGroupObjectIds=["platform-admins"]),
            "entra.adminGroupObjectIds",
            "not an Entra ID object ID",
        ),
    ],
    ids=[
        "windows-pool-name-7-chars",
        "windows2019",
        "max-pods-over-110",
        "windows-pool-as-system",
        "windows-system-pool",
        "kubenet",
        "azure-npm",
        "windows2022-on-1.37",
        "windows2025-on-1.31",
        "unquoted-version",
        "minor-upgrading-channel",
        "node-os-unmanaged",
        "public-api-without-ranges",
        "service-overlaps-pods",
        "dns-outside-services",
        "admin-group-not-guid",
    ],
)
def test_config_errors_name_the_key_and_what_is_allowed(
    run_with: Runner, mutate: Callable[[dict[str, Any]], None], key: str, fragment: str
) -> None:
    line = _config_error(run_with, mutate)
    assert line.startswith(f"prod-eastus: config 'wincontainers:cluster.{key}': "), line
    assert fragment in line, line
    assert "allowed" in line, line


def test_pod_cidr_must_stay_out_of_the_vnet(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _cluster_config(raw)["network"]["podCidr"] = "10.40.0.0/16"
        raw["wincontainers:network"]["allowlists"]["aks-pods"] = ["10.40.0.0/16"]

    line = _config_error(run_with, mutate)
    assert "'wincontainers:cluster.network.podCidr'" in line
    assert "overlaps network.addressSpace 10.40.0.0/16" in line


def test_pod_cidr_must_not_hide_a_network_the_cluster_reaches(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _cluster_config(raw)["network"]["podCidr"] = "10.9.0.0/16"
        raw["wincontainers:network"]["allowlists"]["aks-pods"] = ["10.9.0.0/16"]

    line = _config_error(run_with, mutate)
    assert "'wincontainers:cluster.network.podCidr'" in line
    assert "overlaps network.allowlists.corporate" in line


def test_pod_cidr_and_the_network_allowlist_cannot_drift(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _cluster_config(raw)["network"]["podCidr"] = "10.250.0.0/16"

    line = _config_error(run_with, mutate)
    assert "'wincontainers:cluster.network.podCidr'" in line
    assert "not admitted on every port by network.inboundRules.aksSystem" in line
    assert "aks-pods: [10.250.0.0/16]" in line


def test_zones_are_refused_in_a_region_without_them(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _windows_pool(raw, zones=["1", "2"])

    line = _config_error(run_with, mutate, "prod-westus")
    assert line.startswith("prod-westus: config 'wincontainers:cluster.windowsPools[0].zones': westus has no")


def test_duplicate_pool_names_are_refused(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _windows_pool(raw, name="system")

    line = _config_error(run_with, mutate)
    assert "'wincontainers:cluster.windowsPools[0].name'" in line
    assert "already used by systemPool" in line


def test_windows_nodes_must_fit_the_subnet(run_with: Runner) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        raw["wincontainers:network"]["subnets"]["aksWindows"]["addressPrefix"] = "10.40.8.0/24"
        _windows_pool(raw, maxCount=300)

    line = _config_error(run_with, mutate)
    assert "'wincontainers:cluster.windowsPools'" in line
    assert "300 nodes at maxCount exceed the 251 usable addresses of subnet aksWindows" in line
