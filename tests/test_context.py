"""LambdaContext: the real runtime's attributes, types and countdown."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import freezegun
import pytest
import time_machine

from pytest_lambda import ClientContext, CognitoIdentity, LambdaContext
from pytest_lambda.context import Client

LOG_STREAM = re.compile(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}")
ATTRIBUTES = (
    "aws_request_id",
    "log_group_name",
    "log_stream_name",
    "function_name",
    "memory_limit_in_mb",
    "function_version",
    "invoked_function_arn",
    "identity",
    "client_context",
    "tenant_id",
)


def assert_uuid4(value: str) -> None:
    parsed = uuid.UUID(value)
    assert parsed.version == 4
    assert str(parsed) == value


def test_has_every_attribute_of_the_real_runtime() -> None:
    context = LambdaContext()
    for name in ATTRIBUTES:
        assert hasattr(context, name), name
    assert callable(context.get_remaining_time_in_millis)
    assert callable(context.log)


def test_defaults() -> None:
    context = LambdaContext()
    assert_uuid4(context.aws_request_id)
    assert context.function_name == "test-function"
    assert context.function_version == "$LATEST"
    assert context.log_group_name == "/aws/lambda/test-function"
    assert LOG_STREAM.fullmatch(context.log_stream_name)
    assert context.invoked_function_arn == (
        "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    )
    assert context.client_context is None
    assert context.tenant_id is None


def test_log_stream_is_dated_today_in_utc() -> None:
    with freezegun.freeze_time("2026-11-27 23:59:59"):
        context = LambdaContext()
    assert context.log_stream_name.startswith("2026/11/27/[$LATEST]")


def test_request_ids_are_fresh_uuid4s() -> None:
    ids = {LambdaContext().aws_request_id for _ in range(5)}
    assert len(ids) == 5
    for request_id in ids:
        assert_uuid4(request_id)


@pytest.mark.parametrize("memory", [128, "128"])
def test_memory_limit_is_a_string_like_the_runtime_reads_it_from_its_variables(
    memory: int | str,
) -> None:
    context = LambdaContext(memory_limit_in_mb=memory)
    assert context.memory_limit_in_mb == "128"
    assert isinstance(context.memory_limit_in_mb, str)


def test_identity_is_always_a_cognito_identity_with_none_ids() -> None:
    identity = LambdaContext().identity
    assert isinstance(identity, CognitoIdentity)
    assert identity.cognito_identity_id is None
    assert identity.cognito_identity_pool_id is None


def test_identity_from_the_invoke_api_json() -> None:
    context = LambdaContext(
        identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    )
    assert isinstance(context.identity, CognitoIdentity)
    assert context.identity.cognito_identity_id == "id-1"
    assert context.identity.cognito_identity_pool_id == "pool-1"


def test_client_context_from_a_dict_has_a_client_object() -> None:
    context = LambdaContext(
        client_context={
            "client": {"installation_id": "inst-1", "app_title": "My App"},
            "custom": {"k": "v"},
            "env": {"platform": "Android"},
        }
    )
    client_context = context.client_context
    assert isinstance(client_context, ClientContext)
    assert client_context.custom == {"k": "v"}
    assert client_context.env == {"platform": "Android"}
    assert isinstance(client_context.client, Client)
    assert client_context.client.installation_id == "inst-1"
    assert client_context.client.app_title == "My App"
    assert client_context.client.app_version_name is None
    assert client_context.client.app_version_code is None
    assert client_context.client.app_package_name is None


def test_client_context_object_is_kept() -> None:
    given = ClientContext(custom={"a": 1}, client=Client(app_title="t"))
    assert LambdaContext(client_context=given).client_context is given


def test_keyword_overrides() -> None:
    context = LambdaContext(
        aws_request_id="11111111-2222-4333-8444-555555555555",
        function_name="orders",
        function_version="7",
        memory_limit_in_mb=1024,
        tenant_id="tenant-a",
        region="eu-west-1",
        account_id="210987654321",
    )
    assert context.aws_request_id == "11111111-2222-4333-8444-555555555555"
    assert context.function_name == "orders"
    assert context.function_version == "7"
    assert context.memory_limit_in_mb == "1024"
    assert context.tenant_id == "tenant-a"
    assert context.log_group_name == "/aws/lambda/orders"
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:210987654321:function:orders"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[7\][0-9a-f]{32}", context.log_stream_name)


def test_explicit_names_win() -> None:
    context = LambdaContext(
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:f:prod",
        log_group_name="/custom/group",
        log_stream_name="2026/01/01/[$LATEST]" + "0" * 32,
    )
    assert context.invoked_function_arn.endswith(":function:f:prod")
    assert context.log_group_name == "/custom/group"
    assert context.log_stream_name == "2026/01/01/[$LATEST]" + "0" * 32


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="memory_size"):
        LambdaContext(memory_size=128)  # type: ignore[call-arg]


def test_log_writes_str_of_the_message_without_a_newline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    context = LambdaContext()
    context.log("first")
    context.log(42)
    context.log({"k": 1})
    assert capsys.readouterr().out == "first42{'k': 1}"


def test_remaining_time_starts_at_the_timeout() -> None:
    remaining = LambdaContext(timeout_s=3).get_remaining_time_in_millis()
    assert 2_500 < remaining <= 3_000


def test_remaining_time_counts_down_with_freezegun() -> None:
    with freezegun.freeze_time("2026-11-27 07:25:01.000") as frozen:
        context = LambdaContext(timeout_s=3)
        assert context.get_remaining_time_in_millis() == 3_000
        frozen.tick(1.5)
        assert context.get_remaining_time_in_millis() == 1_500
        frozen.tick(1.499)
        assert context.get_remaining_time_in_millis() == 1
        frozen.tick(0.001)
        assert context.get_remaining_time_in_millis() == 0
        frozen.tick(60)
        assert context.get_remaining_time_in_millis() == 0


def test_remaining_time_counts_down_with_time_machine() -> None:
    start = datetime(2026, 11, 27, 7, 25, 1, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        context = LambdaContext(timeout_s=900)
        assert context.get_remaining_time_in_millis() == 900_000
        traveller.shift(1.5)
        assert context.get_remaining_time_in_millis() == 898_500
        traveller.shift(10_000)
        assert context.get_remaining_time_in_millis() == 0


def test_explicit_deadline() -> None:
    with freezegun.freeze_time("2026-11-27 07:25:01"):
        now_ms = int(datetime(2026, 11, 27, 7, 25, 1, tzinfo=timezone.utc).timestamp() * 1000)
        context = LambdaContext(deadline_ms=now_ms + 250)
        assert context.get_remaining_time_in_millis() == 250
        assert LambdaContext(deadline_ms=now_ms - 5).get_remaining_time_in_millis() == 0


def test_context_inside_the_handler(make_function) -> None:
    function = make_function("app.describe_context", name="orders", memory_mb=256)
    invocation = function.invoke({})
    seen = invocation.assert_ok()
    assert seen["aws_request_id"] == invocation.request_id
    assert_uuid4(seen["aws_request_id"])
    assert seen["function_name"] == "orders"
    assert seen["function_version"] == "$LATEST"
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["memory_type"] == "str"
    assert seen["invoked_function_arn"] == ("arn:aws:lambda:us-east-1:123456789012:function:orders")
    assert seen["log_group_name"] == "/aws/lambda/orders"
    assert LOG_STREAM.fullmatch(seen["log_stream_name"])
    # The runtime reads the stream name from the environment: they are the same.
    assert seen["log_stream_name"] == seen["env_log_stream_name"]
    assert seen["identity_type"] == "CognitoIdentity"
    assert seen["cognito_identity_id"] is None
    assert seen["client_context"] is None
    assert seen["tenant_id"] is None
    assert 2_000 < seen["remaining_ms"] <= 3_000


def test_log_stream_is_the_same_across_warm_invokes(make_function) -> None:
    function = make_function("app.describe_context")
    first = function.invoke({}).assert_ok()
    second = function.invoke({}).assert_ok()
    assert first["log_stream_name"] == second["log_stream_name"]
    assert first["aws_request_id"] != second["aws_request_id"]


# The test's frozen clock reaches the handler in both isolations.
def test_remaining_time_inside_a_frozen_handler(make_function) -> None:
    function = make_function("app.describe_context", timeout_s=7)
    with freezegun.freeze_time("2026-11-27 07:25:01"):
        seen = function.invoke({}).assert_ok()
    assert seen["remaining_ms"] == 7_000


def test_a_given_context_is_what_the_handler_sees(make_function) -> None:
    context = LambdaContext(
        aws_request_id="11111111-2222-4333-8444-555555555555",
        client_context={"custom": {"k": "v"}, "client": {"app_title": "My App"}},
        tenant_id="tenant-a",
        timeout_s=3,
    )
    invocation = make_function("app.describe_context").invoke({}, context=context)
    seen = invocation.assert_ok()
    assert invocation.request_id == "11111111-2222-4333-8444-555555555555"
    assert seen["aws_request_id"] == "11111111-2222-4333-8444-555555555555"
    assert seen["client_context"] == {"custom": {"k": "v"}, "env": None, "app_title": "My App"}
    assert seen["tenant_id"] == "tenant-a"


def test_context_log_writes_one_record_per_call_to_the_function_log(make_function) -> None:
    # Each call is one frame on the runtime's telemetry descriptor: one CloudWatch event,
    # never glued to the next, with no line end added.
    invocation = make_function("app.context_log").invoke({})
    invocation.assert_ok()
    function_records = [r for r in invocation.log_records if r.origin == "function"]
    assert [r.text for r in function_records] == ["first", "42", "\n"]
    assert {r.level for r in function_records} == {None}
    start = f"START RequestId: {invocation.request_id} Version: $LATEST\n"
    end = f"END RequestId: {invocation.request_id}\n"
    assert start + "first\n42\n\n" + end in invocation.logs


def test_repr_names_the_attributes() -> None:
    text = repr(LambdaContext(aws_request_id="rid", function_name="fn"))
    assert text.startswith("LambdaContext([aws_request_id=rid,")
    assert "function_name=fn" in text


def test_runtime_objects_have_slots_and_the_runtimes_reprs() -> None:
    identity = CognitoIdentity()
    assert not hasattr(identity, "__dict__")
    assert repr(identity) == (
        "CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])"
    )
    client_context = ClientContext(custom={"tenant": "acme"}, client=Client(app_title="Demo"))
    assert not hasattr(client_context, "__dict__")
    assert not hasattr(client_context.client, "__dict__")
    assert repr(client_context) == (
        "ClientContext([custom={'tenant': 'acme'},env=None,client=Client([installation_id=None,"
        "app_title=Demo,app_version_name=None,app_version_code=None,app_package_name=None])])"
    )
    assert sorted(n for n in dir(ClientContext) if not n.startswith("_")) == [
        "client",
        "custom",
        "env",
    ]


def test_w3c_trace_context_comes_out_of_the_client_context() -> None:
    context = LambdaContext(
        client_context={
            "custom": {"k": "v"},
            "w3c": {
                "traceparent": "00-abc-def-01",
                "baggage": "a=b",
                "other": "dropped",
                "tracestate": 7,
            },
        }
    )
    assert context.w3c() == {"traceparent": "00-abc-def-01", "baggage": "a=b"}
    context.w3c()["traceparent"] = "changed"
    assert context.w3c()["traceparent"] == "00-abc-def-01"
    assert context.client_context is not None and context.client_context.custom == {"k": "v"}
    assert LambdaContext().w3c() == {}


def test_a_callers_context_supplies_what_a_caller_sends(make_function) -> None:
    function = make_function("app.describe_context", name="orders", memory_mb=256)
    caller = LambdaContext(
        aws_request_id="11111111-2222-4333-8444-555555555555",
        identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
        client_context={"custom": {"k": "v"}, "client": {"app_title": "App"}},
        tenant_id="tenant-7",
    )
    invocation = function.invoke({}, context=caller)
    seen = invocation.assert_ok()
    assert invocation.request_id == seen["aws_request_id"] == caller.aws_request_id
    assert seen["cognito_identity_id"] == "id-1"
    assert seen["client_context"] == {"custom": {"k": "v"}, "env": None, "app_title": "App"}
    assert seen["tenant_id"] == "tenant-7"
    # The function's own name, memory, ARN and log names: LambdaContext's defaults
    # (test-function, 128) do not replace them.
    assert seen["function_name"] == "orders" and seen["memory_limit_in_mb"] == "256"
    assert seen["invoked_function_arn"].endswith(":function:orders")
    assert seen["log_group_name"] == "/aws/lambda/orders"


def test_a_qualified_arn_in_the_callers_context_is_passed_on(make_function) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
    seen = make_function("app.describe_context", name="orders").invoke(
        {}, context=LambdaContext(invoked_function_arn=arn)
    )
    assert seen.assert_ok()["invoked_function_arn"] == arn


def test_the_deadline_is_the_invokes_start_plus_the_functions_timeout(make_function) -> None:
    # Made with a 1 s countdown long before the invoke: the function's 10 s apply.
    with freezegun.freeze_time("2026-11-27 07:00:00"):
        stale = LambdaContext(timeout_s=1)
    seen = make_function("app.describe_context", timeout_s=10).invoke({}, context=stale)
    assert 9_000 < seen.assert_ok()["remaining_ms"] <= 10_000


def test_the_context_reads_the_functions_variables_for_every_request(
    make_function, code_dir
) -> None:
    function = make_function("observed.rename", code_dir=code_dir)
    assert function.invoke({}).assert_ok() == "observed-rename"
    assert function.invoke({}).assert_ok() == "renamed"
