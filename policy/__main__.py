"""The policy pack: `pulumi preview --policy-pack policy`. The rules live in rules.py, importable offline."""

from pulumi_policy import PolicyPack
from rules import POLICIES  # type: ignore[import-not-found]  # the pack runs with policy/ as its root

PolicyPack(name="wincontainers-guardrails", policies=POLICIES)
