"""Layers, importable as Lambda lays them out under /opt, and the sys.path a function sees."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_lambda import HarnessError, LambdaFunction
from pytest_lambda.config import INTERPRETER_RUNTIME, Isolation

HANDLER = """\
import sys

import only_in_base
import shared
import vendored


def handler(event, context):
    return {
        "base": only_in_base.NAME,
        "shared": shared.NAME,
        "vendored": vendored.NAME,
        "path": sys.path,
    }
"""


def module(directory: Path, name: str, value: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(f"NAME = {value!r}\n")


@pytest.fixture
def layered(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A function's code and two layers: `base` (python/) and `extra` (python/ and
    python/lib/python3.X/site-packages/); both have a `shared` module."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    base = tmp_path / "base"
    module(base / "python", "only_in_base", "base")
    module(base / "python", "shared", "from base")
    extra = tmp_path / "extra"
    module(extra / "python", "shared", "from extra")
    module(extra / "python" / "lib" / INTERPRETER_RUNTIME / "site-packages", "vendored", "extra")
    return code, base, extra


Make = Callable[..., LambdaFunction]


def test_layers_are_importable_after_the_code_a_later_one_winning(
    make_function: Make, layered: tuple[Path, Path, Path], isolation: Isolation
) -> None:
    code, base, extra = layered
    function = make_function("app.handler", code_dir=code, layers=[base, extra])
    result = function.invoke({}).assert_ok()
    assert (result["base"], result["shared"], result["vendored"]) == (
        "base",
        "from extra",
        "extra",
    )
    own = [
        str(code.resolve()),
        str(extra / "python" / "lib" / INTERPRETER_RUNTIME / "site-packages"),
        str(extra / "python"),
        str(base / "python"),
    ]
    assert result["path"][: len(own)] == own


def test_a_layers_python_directory_may_be_given_itself(
    make_function: Make, layered: tuple[Path, Path, Path]
) -> None:
    code, base, extra = layered
    function = make_function(
        "app.handler",
        code_dir=code,
        layers=[base / "python", extra],
    )
    assert function.invoke({}).assert_ok()["base"] == "base"


def test_without_its_layers_the_import_fails_as_in_lambda(
    make_function: Make, layered: tuple[Path, Path, Path]
) -> None:
    code, _, _ = layered
    error = (
        make_function("app.handler", code_dir=code)
        .invoke({})
        .assert_error("Runtime.ImportModuleError")
    )
    assert "No module named 'only_in_base'" in error.message


@pytest.mark.parametrize("isolation", ["process"])
def test_a_worker_sees_lambdas_path_not_the_test_process_s(
    make_function: Make,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    test_only = tmp_path / "test-only"
    module(test_only, "helper_of_the_tests", "x")
    monkeypatch.syspath_prepend(str(test_only))
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(
        "import importlib.util\nimport os\nimport sys\n\n\ndef handler(event, context):\n"
        "    return {'path': sys.path, 'cwd': os.getcwd(),\n"
        "            'helper': importlib.util.find_spec('helper_of_the_tests') is not None,\n"
        "            'harness': 'pytest_lambda' in sys.modules}\n"
    )
    result = make_function("app.handler", code_dir=code).invoke({}).assert_ok()
    assert result["path"][0] == str(code.resolve())
    assert result["cwd"] == str(code.resolve())
    assert str(test_only) not in result["path"]
    assert not result["helper"]
    # What the runtime needs stays: the standard library and the harness itself.
    assert any(p.startswith(sys.base_prefix) for p in result["path"])
    assert result["harness"]


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (["nowhere"], "layer 'nowhere' is not a directory"),
        ("one-string", "layers must be a list of layer directories"),
    ],
)
def test_a_bad_layer_is_refused(tmp_path: Path, layers: object, message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        LambdaFunction("app.handler", code_dir=tmp_path, layers=layers)  # type: ignore[arg-type]


def test_at_most_five_layers(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="6 layers given; Lambda allows at most 5"):
        LambdaFunction("app.handler", code_dir=tmp_path, layers=[tmp_path] * 6)
