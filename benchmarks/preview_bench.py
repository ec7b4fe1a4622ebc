"""Benchmark of the offline preview: what it costs per stack, against its floor, and how it grows.

    python -m benchmarks.preview_bench [--repeat N]     (or: make bench)

Reports, side by side and in one run:
1. per stack: wall time and peak memory of `python -m offline preview --stack S` (a fresh interpreter, as a
   user runs it), against (a) the floor, a script that only imports the `pulumi_azure_native` classes the
   program uses, and (b) a one-resource-group program on the same engine, as ratios;
2. growth: the preview (in-process, engine only) when one allowlist grows from 10 to 200 CIDRs (collapsed
   into the same rules) and when the allowlists grow from 10 to 200 rules on distinct ports (one NSG rule
   each): time per extra CIDR and per extra rule.
Timings are medians of N runs; memory is the peak resident set size of the child process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from offline import engine

ROOT = engine.PROJECT_DIR


def measure(command: list[str], repeat: int, cwd: Path = ROOT) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MiB) of a command run `repeat` times."""
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - start)
        if status != 0:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{errors}")
        peaks.append(usage.ru_maxrss / 1024)  # Linux reports KiB
    return statistics.median(times), max(peaks)


def import_floor_script(plan: engine.Plan) -> str:
    """Python that imports exactly the provider classes the plan's resources come from."""
    lines = ["import pulumi"]
    for type_token in sorted({r["type"] for r in plan.resources if r["custom"]}):
        package, module, name = type_token.split(":")
        if package == "azure-native":
            lines.append(f"from pulumi_azure_native import {module} as m; m.{name}")
        elif package == "random":
            lines.append(f"import pulumi_random; pulumi_random.{name}")
        elif package == "azuread":
            lines.append(f"import pulumi_azuread; pulumi_azuread.{name}")
    return "\n".join(lines)


ONE_RESOURCE_GROUP = """
import pulumi
from pulumi_azure_native import resources

resources.ResourceGroup("rg", resource_group_name="rg-bench", location="eastus")
"""


def one_resource_group_project(directory: Path) -> Path:
    (directory / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (directory / "Pulumi.bench.yaml").write_text("config:\n  azure-native:location: eastus\n")
    (directory / "__main__.py").write_text(ONE_RESOURCE_GROUP)
    return directory


def median_seconds(run: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def with_cidrs(count: int) -> dict[str, Any]:
    from components.config import raw_config_from_stack_file

    raw = raw_config_from_stack_file(engine.stack_file("prod-eastus"))
    # Every other /24 so that nothing collapses: the worst case for the source-prefix lists.
    raw["wincontainers:network"]["allowlists"]["corporate"] = [
        f"172.{16 + i // 128}.{(i % 128) * 2}.0/24" for i in range(count)
    ]
    return raw


def with_rules(count: int) -> dict[str, Any]:
    raw = with_cidrs(10)
    raw["wincontainers:network"]["inboundRules"]["buildAgents"] = [
        {"name": f"port-{p}", "protocol": "Tcp", "ports": [str(p)], "sources": ["allowlist:corporate"]}
        for p in range(20000, 20000 + 2 * count, 2)
    ]
    return raw


def growth(label: str, make: Callable[[int], dict[str, Any]], repeat: int) -> list[str]:
    engine.run("prod-eastus", raw_config=make(10))  # warm imports once, outside the timings
    small = median_seconds(lambda: engine.run("prod-eastus", raw_config=make(10)), repeat)
    large = median_seconds(lambda: engine.run("prod-eastus", raw_config=make(200)), repeat)
    per_item = (large - small) / 190 * 1000
    return [f"{label:<34}{small * 1000:>9.1f} ms{large * 1000:>11.1f} ms{per_item:>12.3f} ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median is reported)")
    args = parser.parse_args()
    python = sys.executable
    stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))

    print(
        f"Offline preview benchmark: median of {args.repeat} runs, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )
    print(f"{'what':<36}{'wall':>9}{'peak RSS':>12}{'x floor':>10}{'x 1-RG':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        baseline_project = one_resource_group_project(Path(tmp))
        baseline = measure(
            [python, "-m", "offline", "preview", "--stack", "bench", "--project-dir", str(baseline_project)],
            args.repeat,
        )
        for stack in stacks:
            plan = engine.run(stack)
            floor = measure([python, "-c", import_floor_script(plan)], args.repeat)
            full = measure([python, "-m", "offline", "preview", "--stack", stack], args.repeat)
            count = len(plan.resources)
            print(f"{'floor: imports only (' + stack + ')':<36}{floor[0]:>8.2f}s{floor[1]:>9.0f} MiB")
            print(f"{'one resource group program':<36}{baseline[0]:>8.2f}s{baseline[1]:>9.0f} MiB")
            print(
                f"{'preview ' + stack + f' ({count} res.)':<36}{full[0]:>8.2f}s{full[1]:>9.0f} MiB"
                f"{full[0] / floor[0]:>9.2f}x{full[0] / baseline[0]:>8.2f}x"
            )
            print(f"{'':<36}{'':>9}{'memory:':>12}{full[1] / floor[1]:>9.2f}x{full[1] / baseline[1]:>8.2f}x\n")

    print(f"{'growth (in-process engine only)':<34}{'at 10':>12}{'at 200':>14}{'per extra':>12}")
    for line in growth("allowlist CIDRs (same rules)", with_cidrs, args.repeat) + growth(
        "allow rules on distinct ports", with_rules, args.repeat
    ):
        print(line)


if __name__ == "__main__":
    main()
