"""The layers of docs/architecture.md hold: import-linter checks the contracts in
pyproject.toml (imports inside functions count), as part of the test run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's own check of `project` (its pyproject.toml and pytest_lambda)."""
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=project,
        capture_output=True,
        text=True,
        env={"PATH": "", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )


def test_every_import_linter_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_contracts(tmp_path: Path) -> None:
    # What the check is for: a worker that imports the AWS layer (inside a function, where
    # it is easy to miss) is refused, by the layers contract and as a cycle.
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "pytest_lambda",
        tmp_path / "pytest_lambda",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    worker = tmp_path / "pytest_lambda" / "environments" / "process" / "worker.py"
    worker.write_text(
        worker.read_text() + "\n\ndef _guard() -> None:\n    from ...aws import guard  # noqa\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Layers: each imports only the layers below it BROKEN" in result.stdout
    assert "pytest_lambda.environments.process.worker -> pytest_lambda.aws.guard" in (
        result.stdout
    )
    assert "No import cycles, imports inside functions counted BROKEN" in result.stdout
