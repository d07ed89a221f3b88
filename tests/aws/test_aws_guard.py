"""No test and no handler reaches real AWS; real credentials are hidden."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pytest_lambda.aws import AWS, RealAWSCallBlocked

from ._support import MakeFunction

ROOT = Path(__file__).resolve().parents[2]


def test_a_stray_real_call_from_the_test_is_blocked() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with pytest.raises(RealAWSCallBlocked) as info:
        client.list_tables()
    message = str(info.value)
    assert "dynamodb ListTables" in message
    assert "`aws` fixture" in message and "mock_aws()" in message


def test_stray_calls_stay_blocked_after_an_aws_fixture_ended() -> None:
    with AWS() as mocked:
        mocked.bucket("while-active")
    with pytest.raises(RealAWSCallBlocked, match="s3 ListBuckets"):
        boto3.client("s3", region_name="us-east-1").list_buckets()


def test_a_stray_real_call_from_a_handler_fails_the_invocation(make_function: MakeFunction) -> None:
    error = make_function("aws_app.real_aws").invoke({}).assert_error("RealAWSCallBlocked")
    assert "sqs ListQueues" in error.message


def test_a_users_own_mock_aws_still_works() -> None:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="users-own-mock")
        assert client.list_buckets()["Buckets"][0]["Name"] == "users-own-mock"


def test_real_credentials_and_profiles_are_hidden() -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"].startswith("ASIAFAKE")
    assert "AWS_PROFILE" not in os.environ
    assert not Path(os.environ["AWS_CONFIG_FILE"]).exists()
    assert not Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).exists()
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    credentials = boto3.session.Session().get_credentials()
    assert credentials is not None and credentials.access_key.startswith("ASIAFAKE")


def test_install_and_uninstall_restore_the_host(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os
        os.environ["AWS_PROFILE"] = "prod"
        os.environ["AWS_ACCESS_KEY_ID"] = "AKIAREALKEY"
        from pytest_lambda.aws.guard import install_guard, uninstall_guard
        install_guard(); install_guard()
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_ACCESS_KEY_ID"] != "AKIAREALKEY"
        uninstall_guard()
        assert os.environ["AWS_PROFILE"] == "prod"
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"
        print("restored")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=_env(), check=True
    )
    assert out.stdout.strip() == "restored"


def test_worker_guard_is_lazy_and_blocks_real_calls() -> None:
    """What a worker process runs: no botocore import until the handler imports it."""
    script = textwrap.dedent(
        """
        import os, sys
        from pytest_lambda.aws.guard import install_in_worker, RealAWSCallBlocked
        from pytest_lambda.aws.outbound import VARIABLE
        os.environ[VARIABLE] = "127.0.0.1:9/token"
        install_in_worker()
        assert "botocore" not in sys.modules, "install_in_worker imported botocore"
        assert "requests" not in sys.modules, "install_in_worker imported requests"
        assert VARIABLE not in os.environ, "the handler would see the forwarding address"
        import boto3
        client = boto3.client(
            "s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        try:
            client.list_buckets()
        except RealAWSCallBlocked as e:
            print("blocked:", e)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=_env(), check=True
    )
    assert out.stdout.startswith(
        "blocked: pytest-lambda blocked a request to real AWS: s3 ListBuckets"
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT)
    return env
