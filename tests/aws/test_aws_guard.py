"""No request reaches real AWS from a test that uses the plugin or from a handler; a test
that does not use the plugin sees the process as it would without it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
import requests
from moto import mock_aws

from pytest_lambda.aws import AWS, RealAWSCallBlocked
from pytest_lambda.aws.guard import is_aws_host

from ._support import MakeFunction

ROOT = Path(__file__).resolve().parents[2]
# The marker is one way a test uses the plugin; such a test is guarded.
USES_THE_PLUGIN = pytest.mark.lambda_function("aws_app.record")


@USES_THE_PLUGIN
def test_a_stray_real_call_from_the_test_is_blocked() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with pytest.raises(RealAWSCallBlocked) as info:
        client.list_tables()
    message = str(info.value)
    assert "dynamodb ListTables (dynamodb.us-east-1.amazonaws.com)" in message
    assert "`aws` fixture" in message and "mock_aws()" in message
    assert "lambda_guard = off" in message and "-p no:lambda" in message


@USES_THE_PLUGIN
def test_stray_calls_stay_blocked_after_an_aws_account_ended() -> None:
    with AWS() as mocked:
        mocked.bucket("while-active")
    with pytest.raises(RealAWSCallBlocked, match="s3 ListBuckets"):
        boto3.client("s3", region_name="us-east-1").list_buckets()


def test_a_stray_real_call_from_a_handler_fails_the_invocation(make_function: MakeFunction) -> None:
    # This test does not use the plugin: the handler's environment is guarded anyway.
    error = make_function("aws_app.real_aws").invoke({}).assert_error("RealAWSCallBlocked")
    assert "sqs ListQueues" in error.message


def test_http_and_socket_clients_in_a_handler_are_refused_by_host(
    make_function: MakeFunction,
) -> None:
    refused = make_function("aws_app.other_clients_to_aws").invoke({}).assert_ok()
    hosts = {
        "urllib": "s3.amazonaws.com",
        "requests": "dynamodb.us-east-1.amazonaws.com",
        "socket": "sts.amazonaws.com",
        "function-url": "abc.lambda-url.us-east-1.on.aws",
    }
    for client, host in hosts.items():
        assert refused[client].startswith("RealAWSCallBlocked: pytest-lambda blocked"), client
        assert host in refused[client]


@USES_THE_PLUGIN
def test_a_users_own_mock_aws_still_works() -> None:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="users-own-mock")
        assert client.list_buckets()["Buckets"][0]["Name"] == "users-own-mock"


@USES_THE_PLUGIN
def test_real_credentials_and_profiles_are_hidden() -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"].startswith("ASIAFAKE")
    assert "AWS_PROFILE" not in os.environ
    assert "AWS_ENDPOINT_URL" not in os.environ
    # The null device: an empty config nobody can plant a file at.
    assert os.environ["AWS_CONFIG_FILE"] == os.devnull
    assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    credentials = boto3.session.Session().get_credentials()
    assert credentials is not None and credentials.access_key.startswith("ASIAFAKE")


def _urllib() -> object:
    return urllib.request.urlopen("https://s3.amazonaws.com/", timeout=2)


def _requests() -> object:
    return requests.get("https://dynamodb.us-east-1.amazonaws.com/", timeout=2)


def _create_connection() -> object:
    return socket.create_connection(("sts.amazonaws.com", 443), timeout=2)


def _socket_connect() -> object:
    with socket.socket() as raw:
        return raw.connect(("sqs.eu-west-1.amazonaws.com", 443))


def _http_client() -> object:
    connection = http.client.HTTPSConnection("s3-fips.us-east-1.amazonaws.com", timeout=2)
    return connection.request("GET", "/")


def _proxy_tunnel() -> object:
    # Through a proxy the connection is to the proxy; the tunnel names the AWS host.
    connection = http.client.HTTPSConnection("127.0.0.1", 9, timeout=2)
    return connection.set_tunnel("s3.cn-north-1.amazonaws.com.cn", 443)


def _getaddrinfo() -> object:
    return socket.getaddrinfo("lambda.us-east-1.api.aws", 443)


@USES_THE_PLUGIN
@pytest.mark.parametrize(
    ("send", "host"),
    [
        (_urllib, "s3.amazonaws.com"),
        (_requests, "dynamodb.us-east-1.amazonaws.com"),
        (_create_connection, "sts.amazonaws.com"),
        (_socket_connect, "sqs.eu-west-1.amazonaws.com"),
        (_http_client, "s3-fips.us-east-1.amazonaws.com"),
        (_proxy_tunnel, "s3.cn-north-1.amazonaws.com.cn"),
        (_getaddrinfo, "lambda.us-east-1.api.aws"),
    ],
)
def test_any_client_to_an_aws_host_is_refused_by_name(
    send: Callable[[], object], host: str
) -> None:
    with pytest.raises(RealAWSCallBlocked, match=f"real AWS: a (connection|tunnel) to {host}"):
        send()


@pytest.mark.parametrize(
    "host",
    [
        "s3.amazonaws.com",
        "S3.US-EAST-1.AMAZONAWS.COM.",
        "dynamodb-fips.us-gov-west-1.amazonaws.com",
        "s3.dualstack.us-east-1.amazonaws.com",
        "s3.cn-north-1.amazonaws.com.cn",
        "lambda.us-east-1.api.aws",
        "abc.lambda-url.eu-west-1.on.aws",
        "ec2.cn-north-1.api.amazonwebservices.com.cn",
        "s3.us-iso-east-1.c2s.ic.gov",
        "169.254.169.254",
    ],
)
def test_aws_hosts_of_every_partition_are_recognised(host: str) -> None:
    assert is_aws_host(host)


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.0.0.1", "example.com", "amazonaws.com.evil.example", "notamazonaws.com"],
)
def test_other_hosts_are_not_aws(host: str) -> None:
    assert not is_aws_host(host)


def test_a_test_that_does_not_use_the_plugin_sees_the_process_untouched() -> None:
    assert not getattr(socket.getaddrinfo, "_pytest_lambda_guard", False)
    assert not getattr(socket.socket.connect, "_pytest_lambda_guard", False)
    assert os.environ.get("AWS_ACCESS_KEY_ID", "").startswith("ASIAFAKE") is False
    assert os.environ.get("AWS_CONFIG_FILE") != os.devnull


def test_install_and_uninstall_restore_the_host(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, socket
        os.environ["AWS_PROFILE"] = "prod"
        os.environ["AWS_ACCESS_KEY_ID"] = "AKIAREALKEY"
        original = socket.getaddrinfo
        from pytest_lambda.aws.guard import install_guard, uninstall_guard
        install_guard(); install_guard()
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_ACCESS_KEY_ID"] != "AKIAREALKEY"
        assert socket.getaddrinfo is not original
        uninstall_guard()
        assert os.environ["AWS_PROFILE"] == "prod"
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"
        assert socket.getaddrinfo is original
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
