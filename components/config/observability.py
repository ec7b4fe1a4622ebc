"""Config of the region's audit log store."""

from __future__ import annotations

from pydantic import Field

from .base import Settings


class ObservabilitySettings(Settings):
    """`wincontainers:observability`: Log Analytics retention for audit and diagnostics."""

    # Log Analytics keeps data interactively for 30-730 days (Microsoft Learn, azure-monitor/logs/
    # data-retention-configure). FedRAMP Moderate AU-11 asks for at least 90 days online.
    retention_days: int = Field(default=365, ge=90, le=730)
    daily_quota_gb: float = Field(default=-1, description="-1 for no cap; a cap drops audit data when reached")
