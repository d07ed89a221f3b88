"""Bad settings from the marker and the ini keys fail in one clean line that names the
setting, the value and the rule: no traceback, no chained exception, the same line in
both isolations; a bad ini key that concerns the whole run stops it as a usage error."""

from __future__ import annotations

import pytest

HANDLER = "def handler(event, context):\n    return 'ok'\n"

# (marker arguments, the line pytest-lambda fails the test with)
BAD_MARKERS = [
    ('"app.handler", env="STAGE=dev"', "env must be a mapping of names to strings, like*"),
    (
        '"app.handler", code_dir=123',
        "code_dir must be a path (a str or a pathlib.Path), got int 123",
    ),
    ('"app.handler", layers=3', "layers must be a list of layer directories, got 3*"),
    ('"app.hand\\x00ler"', "handler 'app.hand\\x00ler' contains a NUL character*"),
    ('"app.handler", env={"STAGE": "d\\x00ev"}', "environment variable 'STAGE' contains a NUL*"),
    ('"app.handler", memory_mb="512"', "memory_mb must be a whole number of MB*got '512'"),
    ('"app.handler", deploy="yes"', "deploy takes True or False, got str 'yes'"),
    ('"app.handler", parameter_overrides="Stage=dev"', "parameter_overrides=*no template*"),
]


@pytest.mark.parametrize("isolation", ["inline", "process"])
def test_bad_marker_settings_fail_in_one_line(pytester: pytest.Pytester, isolation: str) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini(f"[pytest]\nlambda_isolation = {isolation}\n")
    tests = "\n".join(
        f"@pytest.mark.lambda_function({arguments})\ndef test_{index}(lambda_invoke):\n    pass\n"
        for index, (arguments, _) in enumerate(BAD_MARKERS)
    )
    pytester.makepyfile(test_it="import pytest\n\n" + tests)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=len(BAD_MARKERS))
    result.stdout.fnmatch_lines([f"pytest-lambda: {line}" for _, line in BAD_MARKERS])
    output = result.stdout.str()
    assert "Traceback" not in output
    assert "During handling" not in output
    reported = [line for line in result.stdout.lines if line.startswith("pytest-lambda: ")]
    assert len(reported) == len(BAD_MARKERS), "each error once, as one line"


BAD_INI_KEYS = [
    ("lambda_memory_mb = lots", "ini key lambda_memory_mb = 'lots' is not a whole number*"),
    ("lambda_timeout_s = soon", "ini key lambda_timeout_s = 'soon' is not a number*"),
    ("lambda_isolation = thread", "isolation='thread' is not supported; choose one of*"),
    ("lambda_region = Mars", "region='Mars' is invalid; expected a Region code*"),
    ("lambda_ephemeral_storage_mb = 1.5", "ini key lambda_ephemeral_storage_mb = '1.5' is not*"),
]


@pytest.mark.parametrize(("ini", "line"), BAD_INI_KEYS)
def test_bad_ini_keys_fail_each_test_in_one_line(
    pytester: pytest.Pytester, ini: str, line: str
) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini(f"[pytest]\nlambda_handler = app.handler\n{ini}\n")
    pytester.makepyfile(test_it="def test_invoke(lambda_invoke):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"pytest-lambda: {line}"])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("ini", "line"),
    [
        ("lambda_preload = boto3 ;rm", "*pytest-lambda: ini key lambda_preload: *';rm' is not a*"),
        ("lambda_deploy = maybe", "*invalid truth value 'maybe'*"),
    ],
)
def test_bad_run_wide_ini_keys_stop_the_run_as_a_usage_error(
    pytester: pytest.Pytester, ini: str, line: str
) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini(f"[pytest]\nlambda_handler = app.handler\n{ini}\n")
    pytester.makepyfile(test_it="def test_invoke(lambda_invoke):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([line])
    assert "INTERNALERROR" not in result.stderr.str() + result.stdout.str()
    assert "Traceback" not in result.stderr.str()
