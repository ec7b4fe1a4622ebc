"""The GitHub Actions workflows: the invariants a review of `.github/workflows/` would check by hand."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKFLOWS_DIR = PROJECT_DIR / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS_DIR.glob("*.yml"))

# Major versions checked against each action's repository (tags and action.yml) when the workflows were written.
PINNED_ACTIONS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "pulumi/actions": "v7",
    "pulumi/auth-actions": "v2",
}
# `pulumi refresh --expect-no-changes` exits 7 on changes only from this CLI version on.
MIN_PULUMI_CLI = (3, 226, 1)
PULUMI_ORG_TOKEN = "urn:pulumi:token-type:access_token:organization"


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def runs_pulumi(job: dict[str, Any]) -> bool:
    return any(
        uses(s) in {"pulumi/actions", "pulumi/auth-actions"} or re.search(r"\bpulumi\s", str(s.get("run", "")))
        for s in steps(job)
    )


def pulumi_command_steps(job: dict[str, Any], command: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if uses(s) == "pulumi/actions" and s.get("with", {}).get("command") == command]


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, name, job) for path in WORKFLOW_FILES for name, job in load(path.name)["jobs"].items()]


def test_the_expected_workflows_exist_and_are_valid_yaml() -> None:
    names = {path.name for path in WORKFLOW_FILES}
    assert {"pull-request.yml", "drift.yml", "deploy.yml", "stacks.yml"} <= names
    for name in names:
        workflow = load(name)
        assert triggers(workflow) and workflow["jobs"], name
        for job_name, job in workflow["jobs"].items():
            assert "uses" in job or ("runs-on" in job and steps(job)), f"{name}:{job_name}"


def test_actions_are_pinned_to_checked_major_versions() -> None:
    for workflow, job_name, job in all_jobs():
        if "uses" in job:
            assert str(job["uses"]).startswith("./.github/workflows/"), f"{workflow}:{job_name}"
        for step in steps(job):
            if "uses" not in step:
                continue
            action, _, version = str(step["uses"]).partition("@")
            assert PINNED_ACTIONS.get(action) == version, f"{workflow}:{job_name} uses {step['uses']}"


def test_no_workflow_reads_a_stored_secret() -> None:
    # Azure and Pulumi Cloud are reached by OIDC; the only token is the job's own github.token.
    for path in WORKFLOW_FILES:
        assert not re.search(r"\$\{\{[^}]*\bsecrets\b", path.read_text(encoding="utf-8")), path.name
    for workflow, name, job in all_jobs():
        assert "secrets" not in job, f"{workflow}:{name} passes secrets to a reusable workflow"


def test_every_job_running_pulumi_logs_in_by_oidc() -> None:
    pulumi_jobs = [(w, n, j) for w, n, j in all_jobs() if runs_pulumi(j)]
    assert {(w, n) for w, n, _ in pulumi_jobs} == {
        ("pull-request.yml", "pulumi-preview"),
        ("drift.yml", "drift"),
        ("deploy.yml", "primary"),
        ("deploy.yml", "secondaries"),
    }
    for workflow, name, job in pulumi_jobs:
        where = f"{workflow}:{name}"
        assert job["permissions"]["id-token"] == "write", where
        env = job["env"]
        assert env["ARM_USE_OIDC"] == "true", where
        for var in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
            assert re.fullmatch(r"\$\{\{ vars\.AZURE_[A-Z_]+ \}\}", env[var]), where
        logins = [s for s in steps(job) if uses(s) == "pulumi/auth-actions"]
        assert len(logins) == 1, where
        assert logins[0]["with"] == {"organization": "${{ vars.PULUMI_ORG }}", "requested-token-type": PULUMI_ORG_TOKEN}
        # The login must come before the first step that talks to Pulumi Cloud.
        first_pulumi = next(
            i for i, s in enumerate(steps(job)) if s.get("with", {}).get("command") or "pulumi" in str(s.get("run", ""))
        )
        assert steps(job).index(logins[0]) < first_pulumi, where
        # The action installs no Python packages: the program's venv must be built first.
        make_venv = next(i for i, s in enumerate(steps(job)) if s.get("run") == "make venv/.runtime")
        assert make_venv < first_pulumi, where


def test_the_pulumi_cli_version_is_pinned_and_recent_enough() -> None:
    versions = [
        str(step["with"]["pulumi-version"])
        for _, _, job in all_jobs()
        for step in steps(job)
        if uses(step) == "pulumi/actions"
    ]
    assert versions
    for version in versions:
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
        assert tuple(int(part) for part in version.split(".")) >= MIN_PULUMI_CLI
    # The CLI and the Python SDK are released together: keep them on one version.
    sdk = re.search(r"^pulumi==(\S+)$", (PROJECT_DIR / "requirements.txt").read_text(encoding="utf-8"), re.M)
    assert sdk is not None and set(versions) == {sdk.group(1)}


def test_stack_lists_are_computed_never_hard_coded() -> None:
    stack_names = [p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml")]
    assert stack_names
    for path in WORKFLOW_FILES:
        text = path.read_text(encoding="utf-8")
        for stack in stack_names:
            assert stack not in text, f"{path.name} names stack {stack}"
    for workflow, name, job in all_jobs():
        matrix = job.get("strategy", {}).get("matrix")
        if matrix is not None:
            assert re.fullmatch(r"\$\{\{ fromJSON\(needs\.stacks\.outputs\.\w+\) \}\}", matrix["stack"]), (
                f"{workflow}:{name}"
            )
            assert "stacks" in job["needs"], f"{workflow}:{name}"


def test_pull_request_workflow() -> None:
    workflow = load("pull-request.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    jobs = workflow["jobs"]
    assert any(s.get("run") == "make test" for s in steps(jobs["checks"]))
    assert any(s.get("with", {}).get("python-version") == "3.11" for s in steps(jobs["checks"]))

    offline = jobs["offline-preview"]
    # Needs no credentials, so it runs for forks too.
    assert "if" not in offline and "id-token" not in offline.get("permissions", {})
    preview = next(s for s in steps(offline) if "make -s preview" in str(s.get("run", "")))
    assert preview["env"]["STACK"] == "${{ matrix.stack }}"
    assert "$GITHUB_STEP_SUMMARY" in preview["run"] and "```" in preview["run"]

    real = jobs["pulumi-preview"]
    assert real["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert "checks" in real["needs"]
    assert real["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    (action,) = pulumi_command_steps(real, "preview")
    assert action["with"]["comment-on-pr"] is True
    assert action["with"]["stack-name"] == (
        "${{ vars.PULUMI_ORG }}/${{ needs.stacks.outputs.project }}/${{ matrix.stack }}"
    )
    assert action["with"]["policyPacks"] == "${{ hashFiles('policy/**') != '' && 'policy' || '' }}"


def test_drift_workflow_previews_a_refresh_and_files_an_issue_on_exit_7() -> None:
    workflow = load("drift.yml")
    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"} and on["schedule"][0]["cron"]
    job = workflow["jobs"]["drift"]
    assert job["permissions"]["issues"] == "write"
    # The action's refresh writes the refreshed state, which would erase the evidence.
    assert not pulumi_command_steps(job, "refresh")
    check = next(s for s in steps(job) if "pulumi refresh" in str(s.get("run", "")))
    command = check["run"]
    assert "--preview-only" in command and "--expect-no-changes" in command and '--stack "$STACK_REF"' in command
    assert job["env"]["STACK_REF"] == "${{ vars.PULUMI_ORG }}/${{ needs.stacks.outputs.project }}/${{ matrix.stack }}"
    assert "set +e" in command, "the exit status must be inspected, not abort the step"
    assert re.search(r"^\s*7\)", command, re.M), "exit 7 (drift) needs its own branch"
    assert re.search(r'^\s*\*\).*\n\s*exit "\$status"', command, re.M), "any other failure must fail the job"
    report = next(s for s in steps(job) if "gh issue" in str(s.get("run", "")))
    assert report["if"] == f"steps.{check['id']}.outputs.status == '7'"
    assert report["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert "--label drift" in report["run"] and "$STACK" in report["run"]
    assert "gh issue comment" in report["run"] and "gh issue create" in report["run"]


def test_deploy_runs_the_primary_first_each_stack_behind_its_environment_and_lock() -> None:
    workflow = load("deploy.yml")
    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"] and "workflow_dispatch" in on
    jobs = workflow["jobs"]
    primary, secondaries = jobs["primary"], jobs["secondaries"]
    assert primary["needs"] == "stacks"
    assert "primary" in secondaries["needs"], "secondaries read the primary's outputs: it must deploy first"
    assert secondaries["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.secondaries) }}"
    for job, stack in ((primary, "needs.stacks.outputs.primary"), (secondaries, "matrix.stack")):
        assert job["environment"] == f"${{{{ {stack} }}}}"
        assert job["concurrency"] == {"group": f"deploy-${{{{ {stack} }}}}", "cancel-in-progress": False}
        (up,) = pulumi_command_steps(job, "up")
        assert (
            up["with"]["stack-name"]
            == f"${{{{ vars.PULUMI_ORG }}}}/${{{{ needs.stacks.outputs.project }}}}/${{{{ {stack} }}}}"
        )
        assert up["with"]["policyPacks"] == "${{ hashFiles('policy/**') != '' && 'policy' || '' }}"
    # Every job that runs `pulumi up` anywhere is one of these two.
    ups = [(w, n) for w, n, j in all_jobs() if pulumi_command_steps(j, "up")]
    assert ups == [("deploy.yml", "primary"), ("deploy.yml", "secondaries")]


# --- the stack matrix script in stacks.yml, run as the workflow runs it ----------------------------------


def stacks_script() -> str:
    step = next(s for s in steps(load("stacks.yml")["jobs"]["stacks"]) if s.get("id") == "stacks")
    assert step["shell"] == "python"
    return str(step["run"])


def run_stacks_script(project_dir: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output = project_dir / "github-output.txt"
    output.write_text("", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", stacks_script()],
        cwd=project_dir,
        env={"GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    return result, outputs


def write_project(tmp_path: Path, stacks: dict[str, str | None]) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n", encoding="utf-8")
    for stack, role in stacks.items():
        config: dict[str, Any] = {"azure-native:location": "somewhere"}
        if role is not None:
            config["demo:registry"] = {"role": role}
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return tmp_path


def test_stacks_script_on_this_repository_puts_the_primary_first(tmp_path: Path) -> None:
    # A copy of the project and stack files: the output file must not land in the repository.
    for path in [PROJECT_DIR / "Pulumi.yaml", *PROJECT_DIR.glob("Pulumi.*.yaml")]:
        shutil.copy(path, tmp_path)
    result, outputs = run_stacks_script(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs["project"] == "wincontainers"
    assert outputs["primary"] == "prod-eastus"
    assert json.loads(outputs["all"]) == ["prod-eastus", "prod-westus"]
    assert json.loads(outputs["secondaries"]) == ["prod-westus"]


def test_a_new_region_file_joins_the_matrix_after_the_primary(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"a-north": "replica", "m-primary": "primary", "z-south": None})
    result, outputs = run_stacks_script(project)
    assert result.returncode == 0, result.stdout
    assert outputs["primary"] == "m-primary"
    assert json.loads(outputs["all"]) == ["m-primary", "a-north", "z-south"]
    assert json.loads(outputs["secondaries"]) == ["a-north", "z-south"]


@pytest.mark.parametrize(
    ("stacks", "expected"),
    [
        ({"east": "replica", "west": "replica"}, "found none"),
        ({"east": "primary", "west": "primary"}, "found ['east', 'west']"),
        ({"east": "primary", "west;rm -rf": "replica"}, "is not [A-Za-z0-9_.-]"),
    ],
)
def test_stacks_script_refuses_an_ambiguous_primary_or_unsafe_name(
    tmp_path: Path, stacks: dict[str, str | None], expected: str
) -> None:
    result, outputs = run_stacks_script(write_project(tmp_path, stacks))
    assert result.returncode != 0
    assert "::error" in result.stderr and expected in result.stderr
    assert outputs == {}
