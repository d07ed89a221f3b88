"""LambdaFunction.patch: a name in the handler's modules replaced for one function, in
both isolations, before Init or between invokes."""

from __future__ import annotations

import functools
import json
from unittest import mock

import pytest

from pytest_lambda import ErrorKind, HarnessError, LambdaFunction


def test_a_patch_given_before_the_first_invoke_is_in_place_at_init(make_function) -> None:
    function = make_function("uses_helper.handler")
    function.patch("helper_lib.fetch", "fakes:fetch")
    function.patch("uses_helper.helper", "fakes:helper")
    seen = function.invoke({}).assert_ok()
    # helper_lib.fetch was replaced as helper_lib loaded: the handler module's own
    # `from helper_lib import fetch` at Init got the replacement.
    assert seen == {
        "helper": "fake helper",
        "fetch": "fake fetch",
        "fetched_at_init": "fake fetch",
        "calls": 1,
    }


def test_a_patch_given_between_invokes_reaches_the_warm_environment(make_function) -> None:
    function = make_function("uses_helper.handler")
    before = function.invoke({}).assert_ok()
    function.patch("uses_helper.helper", "fakes:helper")
    invocation = function.invoke({})
    after = invocation.assert_ok()
    assert not invocation.cold_start
    assert (before["helper"], after["helper"]) == ("real helper", "fake helper")
    assert (before["calls"], after["calls"]) == (1, 2)


def test_patches_stay_with_the_function_across_cold_starts(make_function) -> None:
    function = make_function("uses_helper.handler")
    function.patch("uses_helper.helper", "fakes:helper")
    function.invoke({}).assert_ok()
    function.update_configuration(memory_mb=256)
    cold = function.invoke({})
    assert cold.cold_start and cold.assert_ok()["helper"] == "fake helper"


def test_a_runtime_started_again_has_the_patches_given_since_in_place_at_its_init(
    make_function,
) -> None:
    # After an exit the runtime starts again in the same environment, at the next request:
    # its Init is a new one, and the function's patches as they are by then are in place.
    function = make_function("uses_helper.handler")
    function.invoke({}).assert_ok()
    function.invoke({"exit": True}).assert_error(ErrorKind.EXIT)
    function.patch("helper_lib.fetch", "fakes:fetch")
    restarted = function.invoke({})
    assert restarted.cold_start
    assert restarted.assert_ok()["fetched_at_init"] == "fake fetch"


def test_a_picklable_object_works_in_both_isolations(make_function) -> None:
    function = make_function("uses_helper.handler")
    function.patch("uses_helper.helper", functools.partial(str, "a partial"))
    assert function.invoke({}).assert_ok()["helper"] == "a partial"


@pytest.mark.parametrize("isolation", ["inline"])
def test_inline_any_object_is_the_replacement_itself(make_function) -> None:
    fake = mock.Mock(return_value="mocked")
    function = make_function("uses_helper.handler")
    function.patch("uses_helper.helper", fake)
    assert function.invoke({}).assert_ok()["helper"] == "mocked"
    assert function.invoke({}).assert_ok()["helper"] == "mocked"
    assert fake.call_count == 2


@pytest.mark.parametrize("isolation", ["inline"])
def test_inline_patches_of_shared_modules_last_only_for_the_call(make_function) -> None:
    # json is the test process's module too: patched while the function runs, not after.
    function = make_function("uses_helper.dumps")
    function.patch("json.dumps", "fakes:dumps")
    assert function.invoke({"a": 1}).assert_ok() == "patched dumps"
    assert json.dumps({"a": 1}) == '{"a": 1}'


@pytest.mark.parametrize("isolation", ["process"])
def test_a_mock_cannot_travel_to_a_worker_process(make_function) -> None:
    function = make_function("uses_helper.handler")
    with pytest.raises(HarnessError, match="cannot be sent to a worker process") as info:
        function.patch("uses_helper.helper", mock.Mock())
    assert "'module:attribute'" in str(info.value) and "isolation='inline'" in str(info.value)


def test_a_name_the_module_lacks_fails_the_invoke_naming_the_patch(make_function) -> None:
    function = make_function("uses_helper.handler")
    function.invoke({}).assert_ok()
    function.patch("uses_helper.no_such_name", "fakes:helper")
    error = function.invoke({}).assert_error("PatchError")
    assert "pytest-lambda could not patch 'uses_helper.no_such_name'" in error.message


def test_a_patch_of_the_handler_module_that_cannot_apply_fails_init(make_function) -> None:
    function = make_function("uses_helper.handler")
    function.patch("uses_helper.no_such_name", "fakes:helper")
    error = function.invoke({}).assert_error("PatchError")
    assert error.kind.value == "init"


def test_a_replacement_on_the_tests_own_path_is_found_by_the_environment(
    make_function, tmp_path, monkeypatch
) -> None:
    # Like `tests/fakes.py` in a project: on the test process's path, not the function's.
    (tmp_path / "project_fakes.py").write_text("def helper():\n    return 'from the tests'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    function = make_function("uses_helper.handler")
    function.patch("uses_helper.helper", "project_fakes:helper")
    assert function.invoke({}).assert_ok()["helper"] == "from the tests"


def test_a_replacement_that_does_not_import_fails_the_invoke(make_function) -> None:
    function = make_function("uses_helper.handler")
    function.invoke({}).assert_ok()
    function.patch("uses_helper.helper", "fakes:no_such_fake")
    error = function.invoke({}).assert_error("PatchError")
    assert "could not import the replacement 'fakes:no_such_fake'" in error.message


@pytest.mark.parametrize(
    ("target", "replacement", "problem"),
    [
        ("helper", "fakes:helper", "must name a module and a name in it"),
        ("uses helper.x", "fakes:helper", "must name a module and a name in it"),
        ("uses_helper.helper", "fake helper", "a string names an importable object"),
    ],
)
def test_a_malformed_patch_is_refused_at_once(
    make_function, target: str, replacement: str, problem: str
) -> None:
    with pytest.raises(HarnessError, match=problem):
        make_function("uses_helper.handler").patch(target, replacement)


def test_patches_given_to_the_constructor(code_dir) -> None:
    with LambdaFunction(
        "uses_helper.handler",
        code_dir=code_dir,
        isolation="inline",
        patches={"uses_helper.helper": "fakes:helper"},
    ) as function:
        assert function.invoke({}).assert_ok()["helper"] == "fake helper"


def test_a_module_init_did_not_import_is_imported_for_its_patch(make_function) -> None:
    # As mock.patch does: the module named by the target is imported to patch it.
    function = make_function("uses_helper.lazy_value")
    function.patch("lazy_lib.value", "fakes:helper")
    assert function.invoke({}).assert_ok() == "fake helper"
