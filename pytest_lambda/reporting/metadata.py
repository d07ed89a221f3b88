"""Where and how a run happened: the JSON report's `run` object.

Durations measured on one machine say little about another: a baseline is compared
figure for figure only with a run on the same kind of machine (`Machine`), and flagged
otherwise.
"""

from __future__ import annotations

import os
import platform
import socket
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

DISTRIBUTION = "pytest-lambda-harness"

# CI providers by the variable each one sets, with the variables naming the commit and
# the branch.
_CI_PROVIDERS = (
    ("GITHUB_ACTIONS", "github-actions", "GITHUB_SHA", "GITHUB_REF_NAME"),
    ("GITLAB_CI", "gitlab-ci", "CI_COMMIT_SHA", "CI_COMMIT_REF_NAME"),
    ("CIRCLECI", "circleci", "CIRCLE_SHA1", "CIRCLE_BRANCH"),
    ("BUILDKITE", "buildkite", "BUILDKITE_COMMIT", "BUILDKITE_BRANCH"),
    ("JENKINS_URL", "jenkins", "GIT_COMMIT", "GIT_BRANCH"),
)


@dataclass(frozen=True)
class Machine:
    """What decides how fast the same code runs: compared between a run and its baseline."""

    system: str
    architecture: str
    cpu_model: str
    cpu_count: int
    python: str

    @classmethod
    def this_one(cls) -> Machine:
        return cls(
            system=platform.system(),
            architecture=platform.machine(),
            cpu_model=_cpu_model(),
            cpu_count=os.cpu_count() or 1,
            python=".".join(platform.python_version_tuple()[:2]),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Machine:
        return cls(
            system=data["system"],
            architecture=data["architecture"],
            cpu_model=data["cpu_model"],
            cpu_count=data["cpu_count"],
            python=data["python"],
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def differences(self, other: Machine) -> list[str]:
        """How `other` differs from this machine, one phrase per difference."""
        return [
            f"{name} {theirs} vs {ours}"
            for name, ours, theirs in (
                ("system", self.system, other.system),
                ("architecture", self.architecture, other.architecture),
                ("CPU", self.cpu_model, other.cpu_model),
                ("CPUs", self.cpu_count, other.cpu_count),
                ("Python", self.python, other.python),
            )
            if ours != theirs
        ]


def run_metadata(
    *, started: str, finished: str, duration_s: float, workers: int, tool: str
) -> dict[str, Any]:
    """The `run` object of a report made on this machine."""
    return {
        "tool": tool,
        "started": started,
        "finished": finished,
        "duration_s": round(duration_s, 3),
        "workers": workers,
        "hostname": socket.gethostname(),
        "machine": Machine.this_one().to_json(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "pytest_lambda_version": package_version(DISTRIBUTION),
        "pytest_version": package_version("pytest"),
        "ci": _ci(),
    }


def _ci() -> dict[str, str] | None:
    for variable, name, commit, branch in _CI_PROVIDERS:
        if os.environ.get(variable):
            found = {"provider": name}
            if os.environ.get(commit):
                found["commit"] = os.environ[commit]
            if os.environ.get(branch):
                found["branch"] = os.environ[branch]
            return found
    return None


def package_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Hardware", "cpu model"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
