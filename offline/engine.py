"""Run the Pulumi program on Pulumi's mock engine and record every registration as a plan.

`RecordingMonitor` keeps each full `RegisterResourceRequest` (parent, dependencies, options) so that the
plan shows what `pulumi preview` would send to the engine, not only what the mocks were asked to create.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from .mocks import AzureMocks
from .policies import violations

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    stack_urn: str
    policies: dict[str, Any] = field(default_factory=lambda: {"violations": []})

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": self.resources,
            "outputs": self.outputs,
            "policies": self.policies,
        }

    def of_type(self, type_token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_token]

    def one(self, type_token: str) -> dict[str, Any]:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}")
        return found[0]


def _plain(value: Any) -> Any:
    """Wire value -> JSON value: secrets and unknowns as markers, resource references as their URN."""
    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig == rpc._special_secret_sig:
            return SECRET
        if sig == rpc._special_resource_sig:
            return value.get("urn", UNKNOWN)
        if sig is not None:
            return {k: _plain(v) for k, v in sorted(value.items()) if k != rpc._special_sig_key}
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        # protobuf Struct carries every number as a double; the program wrote an int.
        return int(value)
    return value


class RecordingMonitor(MockMonitor):
    """A MockMonitor that records each full registration and spells URNs the way the real engine does."""

    def __init__(self, mocks: pulumi.runtime.Mocks, registrations: list[dict[str, Any]] | None = None) -> None:
        super().__init__(mocks)
        # The caller may own the list, to see what was registered even when the program fails.
        self.registrations: list[dict[str, Any]] = registrations if registrations is not None else []
        self.stack_urn = ""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The real engine qualifies a child's type with its parent's full type chain, except under the
        # root Stack; the stock mock monitor prefixes every top-level resource with the Stack's type.
        qualified = type_
        if parent and parent != self.stack_urn:
            qualified = parent.split("::")[2] + "$" + type_
        return "urn:pulumi:" + "::".join(
            [runtime_settings.get_stack(), runtime_settings.get_project(), qualified, name]
        )

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        inputs = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
        self.registrations.append(
            {
                "urn": response.urn,
                "type": request.type,
                "name": request.name,
                "custom": bool(request.custom),
                "parent": None if request.parent in ("", self.stack_urn) else request.parent,
                "provider": request.provider or None,
                "inputs": _plain(inputs),
                "dependencies": sorted(request.dependencies),
                "propertyDependencies": {
                    key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items())
                },
                "options": {
                    "protect": bool(request.protect),
                    "retainOnDelete": bool(request.retainOnDelete),
                    "ignoreChanges": list(request.ignoreChanges),
                    "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                    "replaceOnChanges": list(request.replaceOnChanges),
                },
            }
        )
        return response


def read_project_name(project_dir: Path = PROJECT_DIR) -> str:
    return str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"])


def stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def _config_strings(raw: dict[str, Any]) -> dict[str, str]:
    """Stack-file values as the language host hands them to the runtime: objects as JSON text."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()}


def run(
    stack: str,
    raw_config: dict[str, Any] | None = None,
    project_dir: Path = PROJECT_DIR,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    registrations: list[dict[str, Any]] | None = None,
) -> Plan:
    """Run `__main__.py` for `stack` on the mock engine and return what it registered.

    `raw_config` replaces the stack file (tests use it for bad values). Program errors propagate: a
    `ConfigError` for bad config, anything else for a broken program. Each run gets fresh context
    variables, so several stacks can be previewed in one process without sharing a root Stack.
    `stack_outputs` answers `StackReference` reads (keyed by the referenced stack's short name); when it is
    omitted, every stack the config references is previewed first and its outputs are used, as
    `pulumi preview` would read the referenced stack's last deployed outputs.
    """
    return _run(stack, raw_config, project_dir, stack_outputs, registrations, chain=())


def _run(
    stack: str,
    raw_config: dict[str, Any] | None,
    project_dir: Path,
    stack_outputs: dict[str, dict[str, Any]] | None,
    registrations: list[dict[str, Any]] | None,
    *,
    chain: tuple[str, ...],
) -> Plan:
    from components.config import raw_config_from_stack_file

    if raw_config is None:
        raw_config = raw_config_from_stack_file(stack_file(stack, project_dir))
    project = read_project_name(project_dir)
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    if stack_outputs is None:
        stack_outputs = _referenced_outputs(project, stack, raw_config, project_dir, (*chain, stack))
    return contextvars.Context().run(
        _run_in_context,
        project,
        stack,
        raw_config=raw_config,
        project_dir=project_dir,
        stack_outputs=stack_outputs,
        registrations=registrations,
    )


# Config values that name another stack of this project (`<org>/<project>/<stack>`): (config key, field).
STACK_REFERENCE_FIELDS: tuple[tuple[str, str], ...] = (("registry", "primaryStack"),)


def _referenced_outputs(
    project: str, stack: str, raw_config: dict[str, Any], project_dir: Path, chain: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """The outputs of every stack `raw_config` references, from offline runs of their stack files."""
    from components.config import ConfigError, load_settings

    outputs: dict[str, dict[str, Any]] = {}
    for key, field_name in STACK_REFERENCE_FIELDS:
        block = raw_config.get(f"{project}:{key}")
        reference = block.get(field_name) if isinstance(block, dict) else None
        if not isinstance(reference, str):
            continue
        # This stack's own config errors come first, as they would in `pulumi preview`: a reference the
        # model refuses (on a primary, say) is never followed.
        load_settings(project, stack, raw_config)
        referenced_project = reference.split("/")[-2] if reference.count("/") == 2 else project
        if referenced_project != project:
            # Only this project's stack files are here; answering with a same-named stack of this project
            # would preview the wrong registry.
            raise ConfigError(
                [
                    f"{stack}: config '{project}:{key}.{field_name}': '{reference}' names project "
                    f"'{referenced_project}', whose stacks cannot be previewed offline from here; "
                    f"allowed: '<org>/{project}/<stack>' naming a stack of this project"
                ]
            )
        referenced = reference.rsplit("/", 1)[-1]
        if referenced in chain:
            raise ConfigError(
                [
                    f"{stack}: config '{project}:{key}.{field_name}': '{reference}' leads back to "
                    f"{' -> '.join((*chain, referenced))}; allowed: a stack that does not reference this one"
                ]
            )
        if not stack_file(referenced, project_dir).exists():
            known = ", ".join(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")))
            raise ConfigError(
                [
                    f"{stack}: config '{project}:{key}.{field_name}': '{reference}' has no stack file "
                    f"{stack_file(referenced, project_dir).name} here, so its outputs cannot be previewed offline; "
                    f"allowed: a stack of this project ({known})"
                ]
            )
        outputs[referenced] = _run(referenced, None, project_dir, None, None, chain=chain).outputs
    return outputs


def _run_in_context(
    project: str,
    stack: str,
    *,
    raw_config: dict[str, Any],
    project_dir: Path,
    stack_outputs: dict[str, dict[str, Any]] | None,
    registrations: list[dict[str, Any]] | None,
) -> Plan:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        monitor = RecordingMonitor(AzureMocks(stack_outputs), registrations)
        pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=True, monitor=monitor)
        secret_keys = [key for key, value in raw_config.items() if value == SECRET]
        pulumi.runtime.set_all_config(_config_strings(raw_config), secret_keys)

        def program() -> None:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

        _sync_await(run_pulumi_func(program))
        outputs = _sync_await(_resolve_outputs())
        # Registrations arrive from worker threads in no fixed order; sorting keeps plan diffs readable.
        resources = sorted(monitor.registrations, key=lambda r: r["urn"])
        return Plan(project, stack, resources, outputs, monitor.stack_urn, {"violations": violations(resources)})
    finally:
        asyncio.set_event_loop(None)
        loop.close()


async def _resolve_outputs() -> dict[str, Any]:
    root = runtime_settings.get_root_resource()
    exported: dict[str, Any] = getattr(root, "outputs", {})
    resolved: dict[str, Any] = {}
    for name, value in exported.items():
        output = pulumi.Output.from_input(value)
        if await output.is_secret():
            resolved[name] = SECRET
        elif not await output.is_known():
            resolved[name] = UNKNOWN
        else:
            resolved[name] = _plain_output(await output.future())
    return resolved


def _plain_output(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_output(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_output(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return getattr(value, "_name", UNKNOWN)
    return value
