"""The region's audit log store (Log Analytics) and the diagnostic settings that feed it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from .config.observability import ObservabilitySettings
from .placement import Placement


@dataclass(frozen=True)
class ObservabilityArgs:
    placement: Placement
    settings: ObservabilitySettings


class Observability(pulumi.ComponentResource):
    workspace: operationalinsights.Workspace

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wincontainers:observability:Observability", name, None, opts)
        place = args.placement.for_component("observability")
        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=place.naming.name("azure-native:operationalinsights:Workspace"),
            resource_group_name=place.resource_group_name,
            location=place.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=args.settings.retention_days,
            workspace_capping=operationalinsights.WorkspaceCappingArgs(daily_quota_gb=args.settings.daily_quota_gb),
            # Ingestion and query stay on public endpoints (Entra ID-authenticated): closing them needs an
            # Azure Monitor Private Link Scope, which is shared DNS-wide and out of this stack's scope.
            public_network_access_for_ingestion="Enabled",
            public_network_access_for_query="Enabled",
            features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
            tags=place.tags,
            # Audit evidence (SOX, SOC 2): never deleted by a Pulumi run, and kept if the stack is removed.
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        self.register_outputs({"workspaceId": self.workspace.id})

    def send_diagnostics(
        self,
        logical_name: str,
        *,
        resource_id: pulumi.Input[str],
        log_categories: Sequence[str],
        metrics: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> monitor.DiagnosticSetting:
        """Send a resource's audit log categories (and metrics) to this region's workspace."""
        return monitor.DiagnosticSetting(
            logical_name,
            name="to-log-analytics",
            resource_uri=resource_id,
            workspace_id=self.workspace.id,
            log_analytics_destination_type="Dedicated",
            logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in log_categories],
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)] if metrics else None,
            opts=opts,
        )
