"""Management locks: a second line of defence, beside Pulumi's `protect`, for stateful resources.

`protect` stops `pulumi destroy`; a `CanNotDelete` lock also stops the portal, the CLI and other tools.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization


def lock_against_deletion(
    logical_name: str, *, scope: pulumi.Input[str], reason: str, opts: pulumi.ResourceOptions | None = None
) -> authorization.ManagementLockByScope:
    return authorization.ManagementLockByScope(
        logical_name,
        lock_name="do-not-delete",
        level="CanNotDelete",
        scope=scope,
        notes=reason,
        opts=opts,
    )
