"""`python -m offline preview --stack STACK [--json FILE] [--verbose]`: preview a stack with no cloud.

Exit status: 0 clean, 1 a mandatory policy violation, 2 bad config or a program error.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from . import engine, render

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program on the mock engine and print the plan")
    preview.add_argument("--stack", required=True, help="stack name, e.g. prod-eastus (reads Pulumi.<stack>.yaml)")
    preview.add_argument("--json", type=Path, metavar="FILE", help="also write the plan JSON to FILE ('-' for stdout)")
    preview.add_argument("--verbose", action="store_true", help="show tracebacks of program errors")
    preview.add_argument(
        "--project-dir", type=Path, default=engine.PROJECT_DIR, help="directory with Pulumi.yaml (default: this repo)"
    )
    args = parser.parse_args(argv)

    from components.config import ConfigError

    stack_path = engine.stack_file(args.stack, args.project_dir)
    if not stack_path.exists():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in args.project_dir.glob("Pulumi.*.yaml"))
        print(
            f"error: {args.stack}: no stack file {stack_path.name}; known stacks: {', '.join(known)}", file=sys.stderr
        )
        return EXIT_ERROR
    try:
        plan = engine.run(args.stack, project_dir=args.project_dir.resolve())
    except ConfigError as exc:
        for line in exc.lines:
            print(f"error: {line}", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - any program failure is reported as one line, exit 2
        print(f"error: {args.stack}: the program failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        else:
            print("       (run again with --verbose for the traceback)", file=sys.stderr)
        return EXIT_ERROR

    document = json.dumps(plan.to_json(), indent=2, sort_keys=False)
    if args.json and str(args.json) == "-":
        print(document)
    else:
        print(render.render(plan))
        if args.json:
            args.json.write_text(document + "\n")
            print(f"\nPlan JSON written to {args.json}")
    mandatory = [v for v in plan.policies["violations"] if v["enforcement"] == "mandatory"]
    return EXIT_POLICY if mandatory else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
