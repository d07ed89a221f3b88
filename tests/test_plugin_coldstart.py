"""The plugin's cold-start settings, through real pytest runs: a function kept warm for a
module or the session (`scope`), SnapStart from the marker and the ini file, and the
inherited imports switch.

Runs that use `aws` run in a subprocess: two in-process runs in a row that both use it
refuse the second one's calls (a guard state the outer and the inner session share)."""

from __future__ import annotations

import pytest

HANDLER = """
import os

import boto3

INIT_PID = os.getpid()
table = boto3.resource("dynamodb").Table("orders")
s3 = boto3.client("s3")
CALLS = 0


def handler(event, context):
    global CALLS
    CALLS += 1
    table.put_item(Item={"pk": event["id"]})
    return {"calls": CALLS, "pid": INIT_PID, "items": table.scan()["Count"]}


def buckets(event, context):
    return [b["Name"] for b in s3.list_buckets()["Buckets"]]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=HANDLER)
    return pytester


def test_module_scope_keeps_the_function_warm_with_aws_fresh_per_test(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_orders="""
        import pytest

        pytestmark = pytest.mark.lambda_function("app.handler", scope="module")
        SEEN = []

        @pytest.mark.parametrize("n", range(3))
        def test_order(n, aws, lambda_invoke, lambda_function):
            aws.table("orders")
            invocation = lambda_invoke({"id": str(n)})
            SEEN.append(lambda_function)
            assert invocation.cold_start is (n == 0)
            # One environment for the module; moto's state is the test's own.
            assert invocation.result["calls"] == n + 1
            assert invocation.result["items"] == 1
            assert SEEN[0] is lambda_function

        def test_without_aws_the_variables_differ(lambda_invoke, lambda_function):
            assert SEEN[0] is lambda_function
            invocation = lambda_invoke({"id": "x"})
            assert invocation.cold_start
            invocation.assert_error("RealAWSCallBlocked")
        """,
        test_other="""
        import pytest

        @pytest.mark.lambda_function("app.handler", scope="module")
        def test_another_module_has_its_own(aws, lambda_invoke):
            aws.table("orders")
            assert lambda_invoke({"id": "y"}).cold_start
        """,
    )
    project.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=5)


def test_the_role_policy_of_a_kept_function_is_enforced_in_every_test(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_policy="""
        import pytest

        POLICY = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
        pytestmark = pytest.mark.lambda_function(
            "app.buckets", scope="session", role_policy=POLICY
        )

        @pytest.mark.parametrize("n", range(2))
        def test_denied(n, aws, lambda_invoke):
            invocation = lambda_invoke({})
            assert invocation.cold_start is (n == 0)
            assert invocation.assert_error("AccessDenied").message.startswith(
                "An error occurred (AccessDenied) when calling the ListBuckets operation"
            )
        """
    )
    project.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_session_scope_from_the_ini_file(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nlambda_handler = app.handler\nlambda_scope = session\n")
    test = """
        def test_{name}(aws, lambda_invoke):
            aws.table("orders")
            invocation = lambda_invoke({{"id": "{name}"}})
            print("COLD", invocation.cold_start)
        """
    project.makepyfile(test_a=test.format(name="a"), test_b=test.format(name="b"))
    result = project.runpytest_subprocess("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*COLD True*", "*COLD False*"])


def test_a_scope_that_is_not_one(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler", scope="class")
        def test_it(lambda_function):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*pytest-lambda: scope='class' is not a scope for the lambda_function fixture; "
         "choose function, module, session*"]
    )


def test_an_ini_scope_that_is_not_one(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nlambda_scope = forever\n")
    result = project.runpytest()
    result.stderr.fnmatch_lines(
        ["*ini lambda_scope = 'forever' is not a scope; choose function, module, session*"]
    )


SNAPSTART = """
import random

from snapshot_restore_py import register_after_restore

SEED = random.random()
RESTORES = []
register_after_restore(RESTORES.append, "restored")


def handler(event, context):
    return {"seed": SEED, "restores": RESTORES}
"""


def test_snapstart_from_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(snappy=SNAPSTART)
    pytester.makepyfile(
        test_snap="""
        import pytest

        pytestmark = [
            pytest.mark.lambda_function(
                "snappy.handler", snapstart=True, runtime="python3.12", name="snappy"
            ),
            pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning"),
        ]
        SEEDS = []

        @pytest.mark.parametrize("n", range(2))
        def test_restored(n, lambda_invoke):
            invocation = lambda_invoke({})
            assert invocation.restore_duration_ms is not None
            assert ("INIT_START" in invocation.logs) is (n == 0)
            assert invocation.result["restores"] == ["restored"]
            SEEDS.append(invocation.result["seed"])
            assert len(set(SEEDS)) == 1
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_snapstart_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(snappy=SNAPSTART)
    pytester.makeini(
        "[pytest]\nlambda_handler = snappy.handler\nlambda_snapstart = true\n"
        "filterwarnings = ignore::pytest_lambda.notices.RuntimeVersionWarning\n"
    )
    pytester.makepyfile(
        test_snap="""
        import pytest

        @pytest.mark.lambda_function(runtime="python3.12")
        def test_restored(lambda_invoke, lambda_function):
            assert lambda_function.config.snapstart is True
            assert lambda_invoke({}).restore_duration_ms is not None

        @pytest.mark.lambda_function(runtime="python3.11")
        def test_refused(lambda_function):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*snapstart=True needs a python3.12 or later runtime*"])


def test_snapstart_ini_value_must_be_a_bool(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(snappy=SNAPSTART)
    pytester.makeini("[pytest]\nlambda_handler = snappy.handler\nlambda_snapstart = maybe\n")
    pytester.makepyfile(test_snap="def test_it(lambda_function):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ini key lambda_snapstart = 'maybe' is not a valid value; use true or false*"]
    )


def test_inherited_imports_can_be_turned_off_in_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        uses_jmespath="""
        import sys

        INHERITED = "jmespath" in sys.modules
        import jmespath


        def handler(event, context):
            return INHERITED
        """
    )
    test = """
        import pytest

        @pytest.mark.parametrize("n", range(2))
        @pytest.mark.lambda_function("uses_jmespath.handler")
        def test_it(n, lambda_invoke):
            print("INHERITED", lambda_invoke({}).result)
        """
    pytester.makepyfile(test_it=test)
    on = pytester.runpytest_subprocess("-s", "-p", "no:randomly")
    on.stdout.fnmatch_lines(["*INHERITED False*", "*INHERITED True*"])
    pytester.makeini("[pytest]\nlambda_inherit_imports = false\n")
    off = pytester.runpytest_subprocess("-s", "-p", "no:randomly")
    off.stdout.fnmatch_lines(["*INHERITED False*", "*INHERITED False*"])
