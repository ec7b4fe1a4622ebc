"""Where a component's resources go, and how they are named and tagged: shared by every component of a stack."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from .naming import Naming
from .tags import component_tags


@dataclass(frozen=True)
class Placement:
    resource_group_name: pulumi.Input[str]
    location: str
    naming: Naming
    tags: Mapping[str, str]

    def for_component(self, component: str) -> Placement:
        """The same placement with the owning component's tag, for the resources a component creates."""
        return dataclasses.replace(self, tags=component_tags(self.tags, component))
