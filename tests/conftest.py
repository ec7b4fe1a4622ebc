"""Shared fixtures: stack files as raw config, and offline plans of each stack (run once per session)."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.config import ConfigError, raw_config_from_stack_file
from offline import engine

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml"))
PROJECT = engine.read_project_name()


def raw_config(stack: str = "prod-eastus") -> dict[str, Any]:
    """A deep copy of a stack file's config, safe to mutate in a test."""
    return copy.deepcopy(raw_config_from_stack_file(PROJECT_DIR / f"Pulumi.{stack}.yaml"))


_PLANS: dict[str, engine.Plan] = {}


def plan_of(stack: str) -> engine.Plan:
    """The offline plan of a stack file as committed; computed once per test session."""
    if stack not in _PLANS:
        _PLANS[stack] = engine.run(stack)
    return _PLANS[stack]


@pytest.fixture(params=STACKS)
def stack_plan(request: pytest.FixtureRequest) -> engine.Plan:
    return plan_of(str(request.param))


@pytest.fixture
def run_with() -> Callable[..., engine.Plan]:
    """Run a stack with its config changed by `mutate(raw)`; returns the plan or raises what the program raised."""

    def run(mutate: Callable[[dict[str, Any]], None], stack: str = "prod-eastus") -> engine.Plan:
        raw = raw_config(stack)
        mutate(raw)
        return engine.run(stack, raw_config=raw)

    return run


def run_preview(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m offline preview ARGS` as a user runs it, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "offline", "preview", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def config_error_lines(run: Callable[[], object]) -> list[str]:
    """The lines of the ConfigError that `run` must raise."""
    with pytest.raises(ConfigError) as caught:
        run()
    return caught.value.lines


def config_error(run: Callable[[], object]) -> str:
    """The one line of the ConfigError that `run` must raise."""
    lines = config_error_lines(run)
    assert len(lines) == 1, lines
    return lines[0]
