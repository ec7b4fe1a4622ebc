"""Config of the regional AKS cluster: Kubernetes version, Linux system pool, Windows user pools, network.

AKS Windows nodes run containers with process isolation only, so an image runs on a node only when both
share one Windows Server release. The Windows Server version of a pool is its `osSku`, and which SKUs a
Kubernetes version supports is fixed by AKS: the table below is the one place that knows it.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from ..regions import US_REGIONS
from .base import PRIVATE_IPV4_RANGES, Ipv4Cidr, KeyPathError, Settings, as_text, parse_ipv4_network
from .network import NetworkSettings, SubnetRole


@dataclass(frozen=True)
class WindowsSku:
    """What AKS supports for one Windows Server node image."""

    first_minor: int  # first Kubernetes 1.x minor version that offers the SKU
    last_minor: int | None  # last one, or None while AKS has announced no end
    ltsc_tag: str  # the base-image tag family (mcr.microsoft.com/windows/servercore:<tag>) that runs there


# Microsoft Learn, AKS "Upgrade the OS version" (azure-aks-docs articles/aks/upgrade-os-version.md, table
# "Supported OS versions") and the Windows quickstart (learn/quick-windows-container-deploy-cli.md):
# Windows2022 runs Kubernetes 1.23-1.36 and is not available from 1.37; Windows2025 from 1.32 (and is the
# default from 1.36); Windows2019 is unsupported from 1.33 (AKS release notes 2023-07-16) and refused here.
WINDOWS_SKUS: dict[str, WindowsSku] = {
    "Windows2022": WindowsSku(first_minor=23, last_minor=36, ltsc_tag="ltsc2022"),
    "Windows2025": WindowsSku(first_minor=32, last_minor=None, ltsc_tag="ltsc2025"),
}
RETIRED_WINDOWS_SKUS = {
    "Windows2019": "Windows Server 2019 node pools are unsupported on AKS from Kubernetes 1.33 and retired",
}
# The system pool must be Linux (AKS use-system-pools.md). AzureLinux/Ubuntu follow the Kubernetes version.
LINUX_SKUS = ("AzureLinux", "Ubuntu")

# Pool names (AKS use-system-pools.md): lower-case letters and digits, starting with a letter; 1-12
# characters for Linux pools, 1-6 for Windows pools (the Windows computer-name prefix).
_LINUX_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_WINDOWS_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,5}$")
_KUBERNETES_MINOR = re.compile(r"^1\.(\d{2})$")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_UTC_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")

# Azure CNI overlay: at most 250 pods per node, 110 the recommended maximum for Windows; AKS refuses a
# maxPods below 10 (concepts-network-azure-cni-overlay.md, concepts-network-ip-address-planning.md).
WINDOWS_MAX_PODS = 110
LINUX_MAX_PODS = 250
MIN_MAX_PODS = 10
# Pod CIDRs: RFC 1918 or RFC 6598 shared space (concepts-network-azure-cni-overlay.md, "Pod CIDR").
POD_CIDR_RANGES = (*PRIVATE_IPV4_RANGES, ipaddress.IPv4Network("100.64.0.0/10"))

Zone = Annotated[str, BeforeValidator(as_text)]
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _kubernetes_version(value: Any) -> Any:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} was read as a number; quote the version (YAML reads 1.30 as 1.3); allowed: a string like '1.36'"
        )
    if not isinstance(value, str) or not _KUBERNETES_MINOR.match(value):
        raise ValueError(
            f"{value!r} is not a Kubernetes minor version; allowed: '1.<minor>' such as '1.36' (AKS picks the "
            "latest patch, and the 'patch' upgrade channel keeps it current)"
        )
    return value


KubernetesVersion = Annotated[str, BeforeValidator(_kubernetes_version)]


def kubernetes_minor(version: str) -> int:
    return int(version.split(".")[1])


def _zones(value: list[str]) -> list[str]:
    bad = [z for z in value if z not in ("1", "2", "3")]
    if bad:
        raise ValueError(f"zones {bad} are not availability zones; allowed: '1', '2', '3'")
    if len(set(value)) != len(value):
        raise ValueError(f"zones {value} list a zone twice; allowed: each of '1', '2', '3' at most once")
    return value


Zones = Annotated[list[Zone], AfterValidator(_zones)]


def _max_pods_within(value: int, ceiling: int, why: str) -> int:
    if not MIN_MAX_PODS <= value <= ceiling:
        raise ValueError(
            f"{value} pods per node is outside what AKS accepts here ({ceiling} is {why}, {MIN_MAX_PODS} the "
            f"minimum AKS enforces); allowed: {MIN_MAX_PODS}-{ceiling}"
        )
    return value


class Autoscale(Settings):
    """Node count bounds; the cluster autoscaler owns the count in between."""

    min_count: int = Field(ge=0, le=1000)
    max_count: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> Autoscale:
        if self.min_count > self.max_count:
            raise KeyPathError(
                "minCount", f"{self.min_count} exceeds maxCount {self.max_count}; allowed: minCount <= maxCount"
            )
        return self


class SystemPool(Autoscale):
    """The inline Linux system pool: CoreDNS, metrics-server, konnectivity and the add-ons' agents."""

    name: str = "system"
    vm_size: str = Field(min_length=1)
    os_sku: str = "AzureLinux"
    zones: Zones = []
    max_pods: int = 110
    # Taint the pool CriticalAddonsOnly so application pods never land on it (use-system-pools.md).
    only_critical_addons: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _LINUX_POOL_NAME.match(value):
            raise ValueError(
                f"'{value}' is not a Linux pool name; "
                "allowed: 1-12 lower-case letters or digits, starting with a letter"
            )
        return value

    @field_validator("max_pods")
    @classmethod
    def _max_pods(cls, value: int) -> int:
        return _max_pods_within(value, LINUX_MAX_PODS, "the Azure CNI overlay maximum")

    @field_validator("os_sku")
    @classmethod
    def _linux(cls, value: str) -> str:
        if value in WINDOWS_SKUS or value in RETIRED_WINDOWS_SKUS or value.startswith("Windows"):
            raise ValueError(
                f"'{value}' would make a Windows system pool; AKS system pools must run Linux (Windows pools are "
                f"user pools under windowsPools); allowed: {', '.join(LINUX_SKUS)}"
            )
        if value not in LINUX_SKUS:
            raise ValueError(f"'{value}' is not a Linux OS SKU offered here; allowed: {', '.join(LINUX_SKUS)}")
        return value


class WindowsPool(Autoscale):
    """One Windows user pool, a separate AgentPool resource on the AKS Windows subnet."""

    name: str
    os_sku: str
    vm_size: str = Field(min_length=1)
    zones: Zones = []
    max_pods: int = 30
    mode: str = "User"
    # `os=windows:NoSchedule` keeps Linux pods that lack a nodeSelector off Windows nodes.
    taint_windows: bool = True
    labels: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _WINDOWS_POOL_NAME.match(value):
            raise ValueError(
                f"'{value}' is {len(value)} characters; a Windows pool name is the prefix of its nodes' computer "
                "names; allowed: 1-6 lower-case letters or digits, starting with a letter"
            )
        return value

    @field_validator("max_pods")
    @classmethod
    def _max_pods(cls, value: int) -> int:
        return _max_pods_within(value, WINDOWS_MAX_PODS, "the recommended maximum for Windows nodes")

    @field_validator("os_sku")
    @classmethod
    def _windows(cls, value: str) -> str:
        if value in RETIRED_WINDOWS_SKUS:
            raise ValueError(f"'{value}': {RETIRED_WINDOWS_SKUS[value]}; allowed: {', '.join(WINDOWS_SKUS)}")
        if value not in WINDOWS_SKUS:
            raise ValueError(f"'{value}' is not a Windows OS SKU; allowed: {', '.join(WINDOWS_SKUS)}")
        return value

    @field_validator("mode")
    @classmethod
    def _user(cls, value: str) -> str:
        if value != "User":
            raise ValueError(
                f"'{value}': a Windows pool cannot be a system pool; AKS runs system pods on Linux only; allowed: User"
            )
        return value

    @property
    def ltsc_tag(self) -> str:
        return WINDOWS_SKUS[self.os_sku].ltsc_tag


class ClusterNetwork(Settings):
    """Azure CNI overlay with Calico: the only combination that serves Windows nodes and network policy."""

    plugin: str = "azure"
    plugin_mode: str = "overlay"
    policy: str = "calico"
    pod_cidr: Ipv4Cidr
    service_cidr: Ipv4Cidr = "10.0.0.0/16"
    dns_service_ip: str = "10.0.0.10"

    @field_validator("plugin")
    @classmethod
    def _azure_cni(cls, value: str) -> str:
        if value == "kubenet":
            raise ValueError("'kubenet' has no Windows node support on AKS; allowed: azure (Azure CNI)")
        if value != "azure":
            raise ValueError(f"'{value}' is not supported here; allowed: azure (Azure CNI)")
        return value

    @field_validator("plugin_mode")
    @classmethod
    def _overlay(cls, value: str) -> str:
        if value != "overlay":
            raise ValueError(
                f"'{value}' is not supported here; allowed: overlay (pods take IPs from podCidr, not the subnet)"
            )
        return value

    @field_validator("policy")
    @classmethod
    def _calico(cls, value: str) -> str:
        reasons = {
            "azure": "Azure NPM is unsupported on Windows nodes from 2026-09-30",
            "cilium": "Cilium (eBPF data plane) supports Linux nodes only",
            "none": "without a network policy engine NetworkPolicy objects are silently ignored",
        }
        if value != "calico":
            raise ValueError(f"'{value}': {reasons.get(value, 'not supported here')}; allowed: calico")
        return value

    @field_validator("pod_cidr")
    @classmethod
    def _pod_range(cls, value: str) -> str:
        network = ipaddress.IPv4Network(value)
        if not any(network.subnet_of(r) for r in POD_CIDR_RANGES):
            raise ValueError(
                f"'{value}' is not private; allowed: a prefix inside {', '.join(str(r) for r in POD_CIDR_RANGES)}"
            )
        if network.prefixlen > 24:
            raise ValueError(f"'{value}' cannot hold one node's /24 pod block; allowed: /24 or wider")
        return value

    @field_validator("dns_service_ip", mode="before")
    @classmethod
    def _address(cls, value: Any) -> Any:
        try:
            ipaddress.IPv4Address(str(value))
        except ValueError as exc:
            raise ValueError(f"'{value}' is not an IPv4 address; allowed: an address inside serviceCidr") from exc
        return value

    @model_validator(mode="after")
    def _service_range(self) -> ClusterNetwork:
        service = ipaddress.IPv4Network(self.service_cidr)
        pods = ipaddress.IPv4Network(self.pod_cidr)
        if service.prefixlen <= 12:
            raise KeyPathError("serviceCidr", f"{service} is too wide; allowed: a prefix smaller than /12")
        if service.overlaps(pods):
            raise KeyPathError(
                "serviceCidr", f"{service} overlaps podCidr {pods}; allowed: a range apart from the pod CIDR"
            )
        dns = ipaddress.IPv4Address(self.dns_service_ip)
        # The first address is kubernetes.default (concepts-network-azure-cni-overlay.md).
        if dns not in service or dns in (service.network_address, service.network_address + 1):
            raise KeyPathError(
                "dnsServiceIp",
                f"{dns} must lie inside serviceCidr {service} and not be its network or first address; "
                f"allowed: {service.network_address + 2}-{service.broadcast_address - 1}",
            )
        return self


class ApiServer(Settings):
    """Private API server by default; authorized public ranges only where a private cluster is not wanted."""

    private: bool = True
    authorized_ip_ranges: list[Ipv4Cidr] = []

    @model_validator(mode="after")
    def _one_mode(self) -> ApiServer:
        if self.private and self.authorized_ip_ranges:
            raise KeyPathError(
                "authorizedIpRanges",
                "authorized IP ranges do not apply to a private API server; allowed: [] with private: true, "
                "or private: false with ranges",
            )
        if not self.private and not self.authorized_ip_ranges:
            raise KeyPathError(
                "authorizedIpRanges",
                "a public API server without authorized ranges is open to the internet; allowed: at least one "
                "IPv4 CIDR, or private: true",
            )
        return self


class Entra(Settings):
    """Entra ID integration with Azure RBAC: who may administer the cluster."""

    admin_group_object_ids: list[str] = Field(min_length=1)

    @field_validator("admin_group_object_ids")
    @classmethod
    def _guids(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                uuid.UUID(item)
            except ValueError as exc:
                raise ValueError(f"'{item}' is not an Entra ID object ID; allowed: a GUID") from exc
        return value


class MaintenanceWindow(Settings):
    """A weekly window (AKS planned-maintenance.md); auto-upgrade needs four hours or more."""

    day_of_week: Weekday
    start_time: str
    duration_hours: int = Field(default=4, ge=4, le=24)
    utc_offset: str = "+00:00"
    interval_weeks: int = Field(default=1, ge=1, le=4)

    @field_validator("start_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _HH_MM.match(value):
            raise ValueError(f"'{value}' is not a time; allowed: 'HH:MM' from 00:00 to 23:59")
        return value

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        if not _UTC_OFFSET.match(value):
            raise ValueError(f"'{value}' is not a UTC offset; allowed: '+HH:MM' or '-HH:MM', such as '-05:00'")
        return value


class Upgrades(Settings):
    """Auto-upgrade channels and the windows they may act in."""

    channel: str = "patch"
    node_os_channel: str = "NodeImage"
    cluster_window: MaintenanceWindow
    node_os_window: MaintenanceWindow

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value == "node-image":
            raise ValueError(
                "'node-image' is a legacy channel; set nodeOsChannel instead; allowed: patch, stable, rapid"
            )
        if value not in ("patch", "stable", "rapid"):
            raise ValueError(f"'{value}' leaves the cluster unpatched or is unknown; allowed: patch, stable, rapid")
        return value

    @field_validator("node_os_channel")
    @classmethod
    def _node_os(cls, value: str) -> str:
        if value in ("Unmanaged", "None"):
            raise ValueError(
                f"'{value}' leaves Windows nodes unpatched (Windows does not patch itself on AKS); "
                "allowed: NodeImage, SecurityPatch"
            )
        if value not in ("NodeImage", "SecurityPatch"):
            raise ValueError(f"'{value}' is not a node OS channel; allowed: NodeImage, SecurityPatch")
        return value


class ClusterSettings(Settings):
    """`wincontainers:cluster`: the regional AKS cluster."""

    kubernetes_version: KubernetesVersion
    system_pool: SystemPool
    windows_pools: list[WindowsPool] = Field(min_length=1)
    network: ClusterNetwork
    api_server: ApiServer = ApiServer()
    entra: Entra
    upgrades: Upgrades

    @model_validator(mode="after")
    def _pools(self) -> ClusterSettings:
        seen = {self.system_pool.name: "systemPool"}
        minor = kubernetes_minor(self.kubernetes_version)
        for index, pool in enumerate(self.windows_pools):
            if pool.name in seen:
                raise KeyPathError(
                    f"windowsPools[{index}].name",
                    f"'{pool.name}' is already used by {seen[pool.name]}; allowed: a name unique in the cluster",
                )
            seen[pool.name] = f"windowsPools[{index}]"
            sku = WINDOWS_SKUS[pool.os_sku]
            last = "" if sku.last_minor is None else f"-1.{sku.last_minor}"
            if minor < sku.first_minor or (sku.last_minor is not None and minor > sku.last_minor):
                fits = [name for name, s in WINDOWS_SKUS.items() if s.first_minor <= minor <= (s.last_minor or minor)]
                raise KeyPathError(
                    f"windowsPools[{index}].osSku",
                    f"{pool.os_sku} runs on Kubernetes 1.{sku.first_minor}{last or ' and later'}, not "
                    f"{self.kubernetes_version}; allowed for {self.kubernetes_version}: {', '.join(fits) or 'none'}",
                )
            if self.upgrades.channel in ("stable", "rapid") and sku.last_minor is not None:
                raise KeyPathError(
                    "upgrades.channel",
                    f"'{self.upgrades.channel}' upgrades minor versions on its own and would move "
                    f"windowsPools[{index}] ({pool.os_sku}) past Kubernetes 1.{sku.last_minor}; allowed: patch "
                    "(upgrade minors deliberately, together with the pool's osSku)",
                )
        return self

    def ltsc_tags(self) -> dict[str, str]:
        """Per Windows pool, the LTSC tag family its images must target (process isolation only)."""
        return {pool.name: pool.ltsc_tag for pool in self.windows_pools}


def _fits_stack(cluster: ClusterSettings, info: ValidationInfo) -> ClusterSettings:
    """Checks against sibling keys of the stack: the VNet plan, its NSG allowlists and the region's zones."""
    network: NetworkSettings | None = info.data.get("network")
    location: str | None = info.data.get("location")
    # A stack file copied to the wrong region is reported by the stack-name check, not as a zone problem.
    own_region = info.data.get("stack") == f"{info.data.get('environment')}-{location}"
    if own_region and location in US_REGIONS and not US_REGIONS[location].availability_zones:
        pools = [("systemPool", cluster.system_pool.zones)] + [
            (f"windowsPools[{i}]", p.zones) for i, p in enumerate(cluster.windows_pools)
        ]
        for key, zones in pools:
            if zones:
                raise KeyPathError(
                    f"{key}.zones", f"{location} has no availability zones; allowed: [] (no zones) in {location}"
                )
    if network is not None:
        _fits_network(cluster, network)
    return cluster


def _fits_network(cluster: ClusterSettings, network: NetworkSettings) -> None:
    vnet = ipaddress.IPv4Network(network.address_space)
    pods = ipaddress.IPv4Network(cluster.network.pod_cidr)
    service = ipaddress.IPv4Network(cluster.network.service_cidr)
    for key, cidr in (("network.podCidr", pods), ("network.serviceCidr", service)):
        if cidr.overlaps(vnet):
            raise KeyPathError(key, f"{cidr} overlaps network.addressSpace {vnet}; allowed: a range outside the VNet")
        # Allowlists name the networks the cluster talks to (on-premises, jump hosts); a pod or service range
        # that overlaps one makes those addresses unreachable from pods.
        for name, cidrs in network.allowlists.items():
            nets = [ipaddress.IPv4Network(c) for c in cidrs]
            # An allowlist wholly inside the pod CIDR describes the pods themselves (the NSG allowlist for them).
            if all(n.subnet_of(pods) for n in nets):
                continue
            clash = [str(n) for n in nets if n.overlaps(cidr)]
            if clash:
                raise KeyPathError(
                    key,
                    f"{cidr} overlaps network.allowlists.{name} {clash}; allowed: a range apart from every network "
                    "the cluster must reach",
                )

    # CNI overlay does not encapsulate pod traffic, so the AKS subnets' deny-by-default NSGs must admit the
    # pod CIDR on every port (concepts-network-azure-cni-overlay.md, "Network security groups").
    aks_roles: tuple[SubnetRole, ...] = ("aksSystem", "aksWindows")
    for role in aks_roles:
        if not _admits_everything_from(network, role, pods):
            raise KeyPathError(
                "network.podCidr",
                f"{pods} is not admitted on every port by network.inboundRules.{role}, so pod-to-pod traffic "
                f"would be dropped; allowed: add `aks-pods: [{pods}]` under network.allowlists and a rule "
                f"(protocol '*', ports ['*'], sources ['allowlist:aks-pods']) to inboundRules.{role}",
            )

    subnets = network.subnets.by_role()
    node_counts: list[tuple[SubnetRole, str, int]] = [
        ("aksSystem", "systemPool.maxCount", cluster.system_pool.max_count),
        ("aksWindows", "windowsPools", sum(p.max_count for p in cluster.windows_pools)),
    ]
    for role, key, nodes in node_counts:
        usable = subnets[role].usable_addresses
        if nodes > usable:
            raise KeyPathError(
                key,
                f"{nodes} nodes at maxCount exceed the {usable} usable addresses of subnet {role}; "
                "allowed: lower maxCount or widen the subnet",
            )


def _admits_everything_from(network: NetworkSettings, role: SubnetRole, source: ipaddress.IPv4Network) -> bool:
    subnets = network.subnets.by_role()
    for rule in network.inbound_rules.by_role()[role]:
        if rule.protocol.value != "*" or rule.ports != ["*"]:
            continue
        for entry in rule.sources:
            kind, _, ref = entry.partition(":")
            if kind == "allowlist":
                cidrs = network.allowlists.get(ref, [])
            elif kind == "subnet":
                cidrs = [subnets[ref].address_prefix] if ref in subnets else []
            elif kind == "tag":
                cidrs = []
            else:
                cidrs = [str(parse_ipv4_network(entry))]
            if any(source.subnet_of(ipaddress.IPv4Network(c)) for c in cidrs):
                return True
    return False


ClusterField = Annotated[ClusterSettings, AfterValidator(_fits_stack)]
"""The `cluster` field of `StackSettings`: validated on its own, then against network and location."""
