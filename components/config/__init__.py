"""Typed stack config: one loader for a real run (pulumi.Config) and for offline runs (the stack file).

Both paths hand the same raw mapping of config keys to `load_settings`, which validates everything before
the program registers a single resource. Errors are `ConfigError`, a `pulumi.RunError`, so the Pulumi CLI
prints them without a traceback; each line names the stack, the key path and what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pydantic import BaseModel, ValidationError

from .base import KeyPathError
from .stack import StackSettings

__all__ = ["ConfigError", "StackSettings", "load_settings", "raw_config_from_pulumi", "raw_config_from_stack_file"]

# Config keys outside the project's namespace that the program reads.
LOCATION_KEY = "azure-native:location"
# Namespaces that belong to providers; their keys are theirs to validate.
PROVIDER_NAMESPACES = ("azure-native", "azuread", "random", "pulumi")


class ConfigError(pulumi.RunError):
    """Invalid stack config. `lines` holds one self-contained message per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_settings(project: str, stack: str, raw: Mapping[str, Any]) -> StackSettings:
    """Validate the raw config keys of one stack (`<namespace>:<key>` -> value) into `StackSettings`."""
    prefix = f"{project}:"
    fields = {info.alias or name for name, info in StackSettings.model_fields.items()} - {"stack", "location"}
    unknown = sorted(
        key
        for key in raw
        if (key.startswith(prefix) and key[len(prefix) :] not in fields)
        or (":" in key and key.split(":", 1)[0] not in (project, *PROVIDER_NAMESPACES))
    )
    if unknown:
        allowed = ", ".join(sorted(f"{prefix}{f}" for f in fields))
        raise ConfigError([f"{stack}: config '{key}': unknown key; allowed: {allowed}" for key in unknown])

    document: dict[str, Any] = {"stack": stack}
    if LOCATION_KEY in raw:
        document["location"] = raw[LOCATION_KEY]
    for key, value in raw.items():
        if key.startswith(prefix):
            document[key[len(prefix) :]] = value
    try:
        return StackSettings.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(_describe(project, stack, exc)) from None


def _describe(project: str, stack: str, exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, KeyPathError):
            loc += cause.path.split(".")
        key = _config_key(project, loc)
        if error["type"] == "extra_forbidden":
            message = f"unknown key; allowed: {', '.join(_allowed_keys(loc[:-1]))}"
        elif error["type"] == "missing":
            message = "required key is missing"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] not in ("value_error",) and "input" in error and not isinstance(error["input"], dict):
                message = f"{error['input']!r}: {message}"
        lines.append(f"{stack}: config '{key}': {message}")
    return lines


def _config_key(project: str, loc: list[str]) -> str:
    if not loc:
        return f"{project}:<root>"
    head, *rest = loc
    root = LOCATION_KEY if head == "location" else f"{project}:{head}"
    path = root
    for part in rest:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def _allowed_keys(loc: list[str]) -> list[str]:
    """The keys the model at `loc` accepts, for an 'unknown key' message."""
    model: Any = StackSettings
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            break
        field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        if field is None:
            break
        model = _model_in(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or n for n, f in model.model_fields.items() if n != "stack")
    return []


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `Model`, `list[Model]` or `dict[str, Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def raw_config_from_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a `Pulumi.<stack>.yaml`. Encrypted values stay out of offline runs."""
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    return {
        key: ("[secret]" if isinstance(value, dict) and "secure" in value else value) for key, value in config.items()
    }


def raw_config_from_pulumi() -> dict[str, Any]:
    """Every config key of the running stack, structured values decoded from JSON.

    The SDK has no public "list all keys" call; the language host hands the whole map to the runtime,
    which keeps it in `pulumi.runtime.config.CONFIG` (falling back to the PULUMI_CONFIG environment).
    """
    from pulumi.runtime import config as runtime_config

    merged: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {key: _decode(value) for key, value in merged.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
