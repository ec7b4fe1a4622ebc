"""`python -m offline preview` as a user runs it: the tree, the JSON file, exit codes, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import PROJECT_DIR, STACKS, run_preview


@pytest.mark.parametrize("stack", STACKS)
def test_preview_prints_the_tree_and_writes_the_plan(stack: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run_preview("--stack", stack, "--json", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "pulumi:pulumi:Stack" in result.stdout and f"wincontainers-{stack}" in result.stdout
    assert any("├─ wincontainers:network:Network" in line and line.endswith("network") for line in lines)
    # Children of the network component are indented one level under it.
    assert any(re.search(r"│  [├└]─ azure-native:network:VirtualNetwork +network-vnet$", line) for line in lines)
    assert "resource-group [protect]" in result.stdout
    plan = json.loads(out.read_text())
    assert plan["stack"] == stack and plan["project"] == "wincontainers"
    summary = next(line for line in lines if line.strip().endswith("to create"))
    assert summary.strip() == f"+ {len(plan['resources']) + 1} to create"


def test_json_to_stdout_is_pure_json() -> None:
    result = run_preview("--stack", "prod-eastus", "--json", "-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["stack"] == "prod-eastus"


def bad_project(tmp_path: Path, old: str, new: str, stack: str = "prod-eastus") -> Path:
    """A copy of the project whose stack file has one value changed (the repo itself is never touched)."""
    for name in ("Pulumi.yaml", "__main__.py", "components"):
        (tmp_path / name).symlink_to(PROJECT_DIR / name)
    text = (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()
    assert old in text
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text.replace(old, new, 1))
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("addressPrefix: 10.40.4.0/22", "addressPrefix: fd00:40::/64", "wincontainers:network.subnets.aksSystem"),
        ("addressPrefix: 10.40.4.0/22", "addressPrefix: 10.40.0.0/22", "wincontainers:network.subnets.aksSystem"),
        ('ports: ["5986"]', "ports: [70000]", "wincontainers:network.inboundRules.buildAgents[0].ports[0]"),
        ("addressSpace: 10.40.0.0/16", "addressSpace: 10.40.0.0/16\n    mtu: 1400", "wincontainers:network.mtu"),
        ("addressPrefix: 10.40.1.0/26", "addressPrefix: 10.99.1.0/26", "wincontainers:network.subnets.privateEnd"),
    ],
    ids=["ipv6", "overlap", "port-70000", "unknown-key", "outside-vnet"],
)
def test_bad_stack_file_exits_2_with_one_line(tmp_path: Path, old: str, new: str, key: str) -> None:
    project = bad_project(tmp_path, old, new)
    result = run_preview("--stack", "prod-eastus", "--project-dir", str(project))
    assert result.returncode == 2
    assert result.stdout == ""
    errors = result.stderr.splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"error: prod-eastus: config '{key}")
    assert "allowed" in errors[0]
    assert "Traceback" not in result.stderr


def test_unknown_stack_lists_the_known_ones() -> None:
    result = run_preview("--stack", "prod-mars")
    assert result.returncode == 2
    assert "no stack file Pulumi.prod-mars.yaml" in result.stderr
    assert "prod-eastus" in result.stderr


def test_program_error_is_one_line_unless_verbose(tmp_path: Path) -> None:
    project = bad_project(tmp_path, "config:", "config:")
    (project / "__main__.py").unlink()
    (project / "__main__.py").write_text("raise RuntimeError('boom')\n")
    quiet = run_preview("--stack", "prod-eastus", "--project-dir", str(project))
    assert quiet.returncode == 2
    assert "the program failed: RuntimeError: boom" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    loud = run_preview("--stack", "prod-eastus", "--project-dir", str(project), "--verbose")
    assert loud.returncode == 2 and "Traceback" in loud.stderr
