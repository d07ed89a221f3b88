"""A good pytest citizen: installing the plugin changes nothing for the tests that do not
use it, a test that uses it cannot reach real AWS whenever and however its clients were
built, and the tests people already write (variables, patches) are told what reaches the
handler. Each test here runs real pytest sessions (pytester)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

# A developer's ~/.aws: a default region, a named profile with its own region, and keys
# shaped like real ones (the AWS documentation's examples).
AWS_CONFIG = """\
[default]
region = us-east-1

[profile dev]
region = eu-west-1
output = json
"""
AWS_CREDENTIALS = """\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[dev]
aws_access_key_id = AKIAI44QH8DHBEXAMPLE
aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
"""
LOCALSTACK = "http://localhost:4566"

# A suite that knows nothing of pytest-lambda, as a developer runs it: boto3 configured by
# ~/.aws and the shell (AWS_PROFILE, a LocalStack AWS_ENDPOINT_URL).
UNRELATED_SUITE = f"""
import os
import socket

import boto3
from moto import mock_aws


def test_region_comes_from_the_profile():
    assert boto3.session.Session().region_name == "eu-west-1"


def test_a_client_without_region_uses_the_profile():
    assert boto3.client("sqs").meta.region_name == "eu-west-1"


def test_credentials_come_from_the_named_profile():
    assert boto3.session.Session().get_credentials().access_key == "AKIAI44QH8DHBEXAMPLE"


def test_named_profiles_are_readable():
    assert boto3.session.Session(profile_name="dev").region_name == "eu-west-1"
    assert boto3.session.Session(profile_name="default").region_name == "us-east-1"


def test_the_endpoint_from_the_shell_is_used():
    assert boto3.client("dynamodb").meta.endpoint_url == "{LOCALSTACK}"


def test_variables_as_the_shell_has_them():
    assert os.environ.get("AWS_PROFILE") == "dev"
    assert os.environ.get("AWS_ENDPOINT_URL") == "{LOCALSTACK}"
    assert "AWS_CONFIG_FILE" not in os.environ
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_sockets_are_the_standard_librarys():
    assert socket.getaddrinfo.__module__ == "socket"
    assert socket.socket.connect.__qualname__ != "checked"


def test_moto_with_the_profiles_region(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(
            Bucket="dev-bucket", CreateBucketConfiguration={{"LocationConstraint": "eu-west-1"}}
        )
        assert s3.get_bucket_location(Bucket="dev-bucket")["LocationConstraint"] == "eu-west-1"
"""

# A test that uses the plugin (its marker) sees the guarded view instead.
USES_THE_PLUGIN = """
import os
import socket

import boto3
import pytest

from pytest_lambda.aws import RealAWSCallBlocked


@pytest.mark.lambda_function("app.handler")
def test_guarded_view():
    assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL" not in os.environ
    assert os.environ["AWS_ACCESS_KEY_ID"].startswith("ASIAFAKE")
    assert os.environ["AWS_CONFIG_FILE"] == os.devnull
    # The profile's region is hidden with the rest: the harness's default stands in.
    assert boto3.session.Session().region_name == "us-east-1"
    with pytest.raises(RealAWSCallBlocked, match="sts GetCallerIdentity"):
        boto3.client("sts", region_name="us-east-1").get_caller_identity()
    with pytest.raises(RealAWSCallBlocked, match="a connection to s3.amazonaws.com"):
        socket.getaddrinfo("s3.amazonaws.com", 443)
"""

HANDLER = """
import os


def handler(event, context):
    return os.environ.get(event.get("name", "TABLE_NAME"))


def helper():
    return "real"


def uses_helper(event, context):
    return helper()
"""


@pytest.fixture
def developer_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A developer's machine: HOME with ~/.aws (a region, a named profile, real-looking
    keys), AWS_PROFILE and a LocalStack AWS_ENDPOINT_URL in the shell, nothing else."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(AWS_CONFIG)
    (home / ".aws" / "credentials").write_text(AWS_CREDENTIALS)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ENDPOINT_URL", LOCALSTACK)
    return home


# -- installing the plugin changes nothing for tests that do not use it ------------------


def test_an_unrelated_suite_on_a_developer_machine_is_the_same_with_the_plugin(
    pytester: pytest.Pytester, developer_machine: Path
) -> None:
    pytester.makepyfile(test_unrelated=UNRELATED_SUITE)
    without = pytester.runpytest_subprocess("-p", "no:lambda")
    with_plugin = pytester.runpytest_subprocess()
    without.assert_outcomes(passed=8)
    with_plugin.assert_outcomes(passed=8)


def test_tests_of_both_kinds_keep_their_own_view_in_either_order(
    pytester: pytest.Pytester, developer_machine: Path
) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makepyfile(
        test_a_unrelated=UNRELATED_SUITE,
        test_b_uses=USES_THE_PLUGIN,
        test_c_unrelated=UNRELATED_SUITE,
    )
    files = ["test_a_unrelated.py", "test_b_uses.py", "test_c_unrelated.py"]
    pytester.runpytest(*files).assert_outcomes(passed=17)
    pytester.runpytest(*reversed(files)).assert_outcomes(passed=17)


def test_tests_of_both_kinds_keep_their_own_view_under_xdist(
    pytester: pytest.Pytester, developer_machine: Path
) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makepyfile(
        test_a_unrelated=UNRELATED_SUITE,
        test_b_uses=USES_THE_PLUGIN,
        test_c_uses=USES_THE_PLUGIN,
    )
    pytester.runpytest_subprocess("-n", "2", "-p", "xdist").assert_outcomes(passed=10)


def test_lambda_guard_all_guards_every_test_and_off_none(
    pytester: pytest.Pytester, developer_machine: Path
) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makepyfile(
        test_plain="""
        import os

        def test_plain():
            assert os.environ["AWS_CONFIG_FILE"] == os.devnull
        """,
        test_uses="""
        import os
        import pytest

        @pytest.mark.lambda_function("app.handler", isolation="inline")
        def test_uses(lambda_invoke):
            assert os.environ["AWS_PROFILE"] == "dev"
            # The handler's environment is guarded whatever the ini says.
            assert lambda_invoke({"name": "AWS_PROFILE"}).assert_ok() is None
        """,
    )
    pytester.runpytest("-o", "lambda_guard=all", "test_plain.py").assert_outcomes(passed=1)
    pytester.runpytest("-o", "lambda_guard=off", "test_uses.py").assert_outcomes(passed=1)


def test_every_fixture_of_the_plugin_counts_as_using_it(pytester: pytest.Pytester) -> None:
    from pytest_lambda.plugin import PLUGIN_FIXTURES

    pytester.makepyfile(test_it="def test_it():\n    pass\n")
    lines = pytester.runpytest("--fixtures").stdout.lines
    start = next(i for i, line in enumerate(lines) if "from pytest_lambda.plugin" in line)
    section = lines[start + 1 :]
    end = next((i for i, line in enumerate(section) if "fixtures defined from" in line), None)
    names = {line.split(" -- ")[0] for line in section[:end] if line and not line[0].isspace()}
    assert names == PLUGIN_FIXTURES


@pytest.mark.parametrize("marker", ["lambda_function('app.handler')", "lambda_http()"])
def test_every_marker_of_the_plugin_counts_as_using_it(
    pytester: pytest.Pytester, developer_machine: Path, marker: str
) -> None:
    pytester.makepyfile(
        test_marked=f"""
        import os
        import pytest

        @pytest.mark.{marker}
        def test_marked():
            # Guarded: the shell's profile is hidden from a test that uses the plugin.
            assert "AWS_PROFILE" not in os.environ
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_projects_own_fixture_of_the_same_name_is_not_the_plugins(
    pytester: pytest.Pytester, developer_machine: Path
) -> None:
    # Powertools' documentation has projects define `lambda_context`; moto users, `aws`.
    pytester.makeconftest(
        """
        from types import SimpleNamespace

        import pytest
        from moto import mock_aws


        @pytest.fixture
        def lambda_context():
            return SimpleNamespace(function_name="test", memory_limit_in_mb=128)


        @pytest.fixture
        def aws():
            with mock_aws():
                yield


        @pytest.fixture
        def lambda_event(lambda_event):
            # Built on the plugin's own: the test uses the plugin.
            return lambda_event
        """
    )
    pytester.makepyfile(
        test_it="""
        import os

        def test_own_context(lambda_context):
            assert os.environ["AWS_PROFILE"] == "dev"

        def test_own_aws(aws):
            assert os.environ["AWS_PROFILE"] == "dev"

        def test_the_plugins_event(lambda_event):
            assert "AWS_PROFILE" not in os.environ
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_an_unknown_guard_mode_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it="def test_it():\n    pass\n")
    result = pytester.runpytest("-o", "lambda_guard=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: ini lambda_guard = 'sometimes' is not a guard mode; choose used, all, off"]
    )


# -- the guard has no holes -----------------------------------------------------------------


def test_a_client_built_while_conftest_is_imported_is_refused_without_a_network_attempt(
    pytester: pytest.Pytester, developer_machine: Path
) -> None:
    pytester.makeconftest(
        """
        import socket

        import boto3

        LOOKED_UP = []
        _real = socket.getaddrinfo


        def _spy(host, *args, **kwargs):
            LOOKED_UP.append(host)
            return _real(host, *args, **kwargs)


        socket.getaddrinfo = _spy
        # Built at import, before any test: the profile's key, the profile's region.
        EARLY_S3 = boto3.client("s3", endpoint_url=None)
        """
    )
    pytester.makepyfile(app=HANDLER)
    pytester.makepyfile(
        test_it="""
        import conftest
        import pytest

        from pytest_lambda.aws import RealAWSCallBlocked


        @pytest.mark.lambda_function("app.handler")
        def test_early_client():
            credentials = conftest.EARLY_S3._request_signer._credentials
            assert credentials.access_key == "AKIAI44QH8DHBEXAMPLE"
            with pytest.raises(RealAWSCallBlocked) as info:
                conftest.EARLY_S3.list_buckets()
            assert "s3 ListBuckets (s3.eu-west-1.amazonaws.com)" in str(info.value)
            assert not [h for h in conftest.LOOKED_UP if "amazonaws" in str(h)]
        """
    )
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    try:
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    finally:
        monkeypatch.undo()


# -- what a test sets in its own process, the function is told of --------------------------


def test_a_variable_the_test_sets_is_pointed_at_env(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini("[pytest]\nlambda_isolation = inline\n")
    pytester.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_monkeypatched(lambda_invoke, monkeypatch):
            monkeypatch.setenv("TABLE_NAME", "orders")
            assert lambda_invoke({}).assert_ok() is None

        @pytest.mark.lambda_function("app.handler", env={"TABLE_NAME": "orders"})
        def test_passed_to_the_function(lambda_invoke, monkeypatch):
            monkeypatch.setenv("TABLE_NAME", "orders")
            assert lambda_invoke({}).assert_ok() == "orders"

        @pytest.mark.lambda_function("app.handler")
        def test_updated(lambda_function):
            lambda_function.update_configuration(env={"TABLE_NAME": "orders"})
            assert lambda_function.invoke({}).assert_ok() == "orders"
        """
    )
    result = pytester.runpytest("-W", "always")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_it.py:6: FunctionIsolationWarning: pytest-lambda: TABLE_NAME set in the "
            "test process during this test (monkeypatch.setenv or os.environ) is not visible "
            "to app-handler: a function sees only its own variables, as in Lambda. Pass "
            "env={'TABLE_NAME': ...} on the lambda_function marker or LambdaFunction, or call "
            "function.update_configuration(env=...)",
        ]
    )
    assert result.stdout.str().count("FunctionIsolationWarning") == 1


def test_a_name_mocked_in_the_tests_copy_of_the_module_is_pointed_at_patch(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini("[pytest]\nlambda_isolation = inline\npythonpath = .\n")
    pytester.makepyfile(
        fakes="def helper():\n    return 'fake'\n",
        test_it="""
        from unittest import mock

        import pytest

        @pytest.mark.lambda_function("app.uses_helper")
        def test_mocked(lambda_invoke):
            with mock.patch("app.helper", return_value="mocked"):
                assert lambda_invoke({}).assert_ok() == "real"

        @pytest.mark.lambda_function("app.uses_helper", patches={"app.helper": "fakes:helper"})
        def test_patched(lambda_invoke):
            assert lambda_invoke({}).assert_ok() == "fake"
        """,
    )
    # In a process of its own: this suite's process may hold another module named app.
    result = pytester.runpytest_subprocess("-W", "always")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*FunctionIsolationWarning: pytest-lambda: app.helper is mocked in the test "
            "process's copy of the module (mock.patch, mocker.patch), but app-uses_helper runs "
            "its own copy of its modules, in either isolation: replace the name in the "
            "function with function.patch('app.helper', ...) (see docs/migrating.md)",
        ]
    )


# -- compatibility with the plugins these repositories use ----------------------------------

SOCKET_TESTS = """
import pytest


@pytest.mark.lambda_function("app.handler")
def test_process_isolation(lambda_invoke):
    lambda_invoke({}).assert_ok()


def test_aws(aws):
    aws.bucket("loopback")
    assert [b["Name"] for b in aws.s3.list_buckets()["Buckets"]] == ["loopback"]
"""


def test_pytest_socket_disable_socket_alone_fails_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=HANDLER, test_it=SOCKET_TESTS)
    result = pytester.runpytest_subprocess("-p", "socket", "--disable-socket")
    result.assert_outcomes(errors=2)
    line = (
        "pytest-lambda: pytest-socket's --disable-socket blocks the loopback "
        "sockets pytest-lambda needs (moto's server for `aws`, worker processes for process "
        "isolation): add --allow-hosts=127.0.0.1 (every other host stays blocked), or mark "
        "the test @pytest.mark.enable_socket"
    )
    assert result.stdout.lines.count(line) == 2
    assert "SocketBlockedError" not in result.stdout.str()


def test_pytest_socket_with_loopback_allowed_works(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=HANDLER, test_it=SOCKET_TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "socket", "--disable-socket", "--allow-hosts=127.0.0.1"
    )
    result.assert_outcomes(passed=2)


def test_xdist_cov_randomly_timeout_and_time_machine_in_one_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This one wants pytest-randomly: the suite's runs leave it out (see conftest.py).
    monkeypatch.delenv("PYTEST_ADDOPTS")
    pytester.makepyfile(
        app="""
        import time
        from datetime import datetime, timezone


        def now(event, context):
            return datetime.now(timezone.utc).isoformat()


        def sleep(event, context):
            time.sleep(event)
        """
    )
    tests = """
    import pytest
    import time_machine

    from datetime import datetime, timezone

    NEW_YEAR = datetime(2030, 1, 1, tzinfo=timezone.utc)


    @pytest.mark.parametrize("isolation", ["inline", "process"])
    @time_machine.travel(NEW_YEAR, tick=False)
    def test_travel(lambda_function, isolation):
        assert lambda_function.invoke({}).assert_ok() == "2030-01-01T00:00:00+00:00"


    @pytest.mark.lambda_function("app.sleep", timeout_s=1)
    @pytest.mark.parametrize("isolation", ["inline", "process"])
    def test_timeout(lambda_function, isolation):
        lambda_function.invoke(3).assert_timed_out()


    def test_aws(aws):
        aws.queue("q")
    """
    pytester.makepyfile(
        conftest="""
        import pytest

        @pytest.fixture
        def lambda_function(lambda_function, isolation):
            lambda_function.update_configuration(isolation=isolation)
            return lambda_function
        """,
        test_one=textwrap.dedent(tests).replace("def test_", "def test_one_"),
        test_two=textwrap.dedent(tests).replace("def test_", "def test_two_"),
    )
    pytester.makeini("[pytest]\nlambda_handler = app.now\n")
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "xdist", "--cov=app", "--timeout=60", "-p", "randomly"
    )
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines(["*Using --randomly-seed=*", "*coverage: platform*"])


def test_moto_4_in_the_users_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto 4 (mock_s3 and the like) imported by the user's tests, here a stand-in package
    with moto 4's shape: its own botocore stubber, a version below 5."""
    fake = pytester.mkdir("moto4")
    (fake / "moto" / "core").mkdir(parents=True)
    (fake / "moto-4.2.14.dist-info").mkdir()
    (fake / "moto-4.2.14.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: moto\nVersion: 4.2.14\n"
    )
    (fake / "moto" / "__init__.py").write_text(
        '__version__ = "4.2.14"\nfrom .core.models import mock_s3\n'
    )
    (fake / "moto" / "core" / "__init__.py").write_text("")
    (fake / "moto" / "core" / "models.py").write_text(
        textwrap.dedent(
            """
            import functools
            import io

            from botocore.awsrequest import AWSResponse
            from botocore.handlers import BUILTIN_HANDLERS

            BODY = (
                b'<ListAllMyBucketsResult><Buckets><Bucket><Name>moto4-bucket</Name>'
                b'<CreationDate>2020-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>'
                b'</ListAllMyBucketsResult>'
            )


            class BotocoreStubber:
                enabled = False

                def __call__(self, request, **kwargs):
                    if not self.enabled:
                        return None
                    raw = io.BytesIO(BODY)
                    raw.stream = lambda **kw: iter([BODY])
                    return AWSResponse(request.url, 200, {}, raw)


            botocore_stubber = BotocoreStubber()
            BUILTIN_HANDLERS.append(("before-send", botocore_stubber))


            def mock_s3(test):
                @functools.wraps(test)
                def mocked(*args, **kwargs):
                    botocore_stubber.enabled = True
                    try:
                        return test(*args, **kwargs)
                    finally:
                        botocore_stubber.enabled = False
                return mocked
            """
        )
    )
    pytester.makepyfile(app=HANDLER)
    pytester.makepyfile(
        test_it="""
        import boto3
        import pytest
        from moto import mock_s3


        def buckets():
            s3 = boto3.client("s3", region_name="us-east-1")
            return [b["Name"] for b in s3.list_buckets()["Buckets"]]


        @mock_s3
        def test_moto4_alone():
            assert buckets() == ["moto4-bucket"]


        @pytest.mark.lambda_function("app.handler")
        @mock_s3
        def test_moto4_with_the_plugin():
            assert buckets() == ["moto4-bucket"]


        def test_aws_fixture(aws):
            pass
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(fake))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    without = pytester.runpytest_subprocess("-p", "no:lambda", "-k", "moto4")
    without.assert_outcomes(passed=2)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "pytest-lambda: the aws fixture needs moto 5 or later (its mock_aws), "
            "but moto 4.2.14 is installed: upgrade with pip install 'moto[server]>=5' (moto 5 "
            "replaced mock_s3, mock_dynamodb and the like with mock_aws; see "
            "docs/migrating.md), or keep moto 4 and do without the aws fixture",
        ]
    )
