"""One base tag set, merged into every taggable resource with the owning component's name."""

from __future__ import annotations

from collections.abc import Mapping

from .config.stack import StackSettings


def base_tags(settings: StackSettings, project: str) -> dict[str, str]:
    """Audit tags (owner, cost center, classification, compliance scope) plus where the resource came from."""
    return {
        **settings.tags.as_tags(),
        "environment": settings.environment,
        "region": settings.location,
        "managedBy": "pulumi",
        "pulumiProject": project,
        "pulumiStack": settings.stack,
    }


def component_tags(base: Mapping[str, str], component: str) -> dict[str, str]:
    """The base set with the component that owns the resource, so cost and audit reports can group by it."""
    return {**base, "component": component}
