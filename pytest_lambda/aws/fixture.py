"""The `aws` fixture: moto-backed AWS with fresh state per test, seen alike by the test and
by handlers in either isolation mode; and `lambda_responses` for handlers' HTTP calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import boto3
from botocore import handlers as botocore_handlers
from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.core.model_instances import reset_model_data

from ..config import FunctionConfig
from ..context import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from ..environment import add_environment_overlay, remove_environment_overlay
from ..errors import HarnessError
from ..events.dynamodb import plain_to_dynamodb
from ..triggers import Trigger, TriggerHub, activate, after_call
from . import guard, resources
from .guard import install_guard
from .server import MotoServer, get_server

_session: boto3.session.Session | None = None
_clients: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def _client(service: str, region: str) -> Any:
    """Clients are built once per process: boto3 takes ~7 ms per client, moto's reset
    between tests leaves them valid, and requests they send go to the in-process mock."""
    global _session
    with _lock:
        if _session is None:
            install_guard()
            if not any(entry[1] is after_call for entry in botocore_handlers.BUILTIN_HANDLERS):
                botocore_handlers.BUILTIN_HANDLERS.append(("after-call", after_call))
            boto3.DEFAULT_SESSION = None
            _session = boto3.session.Session()
        key = (service, region)
        if key not in _clients:
            _clients[key] = _session.client(service, region_name=region)
        return _clients[key]


_session_mock: Any = None


def _start_session_mock() -> None:
    """moto's mock, started once: starting it registers ~1,300 URL patterns (14 ms), and
    state is reset per test anyway. The guard keeps it from answering outside `aws`."""
    global _session_mock
    if _session_mock is None:
        # The guard already set fake credentials; moto would swap in its own.
        _session_mock = mock_aws(config={"core": {"mock_credentials": False}})
        _session_mock.start()
        guard.session_mocks = 1


def stop_session_mock() -> None:
    global _session_mock
    if _session_mock is not None:
        _session_mock.stop()
        _session_mock = None
        guard.session_mocks = 0


def _reset_backends() -> None:
    BackendDict.reset()
    reset_model_data()


def _resource(service: str, region: str) -> Any:
    _client(service, region)  # the session exists from here on
    with _lock:
        key = (f"resource:{service}", region)
        if key not in _clients:
            assert _session is not None
            _clients[key] = _session.resource(service, region_name=region)
        return _clients[key]


class AWS:
    """Mocked AWS for one test: clients, one-line setup helpers and triggers.

    Usable outside pytest as a context manager. Everything created is gone when it stops.
    """

    def __init__(self, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        if account_id != DEFAULT_ACCOUNT_ID:
            raise HarnessError(
                f"account_id {account_id!r} is not supported: moto serves account "
                f"{DEFAULT_ACCOUNT_ID} to the handlers; leave account_id at its default"
            )
        self.region = region
        self.account_id = account_id
        self.hub = TriggerHub(lambda r: self.client("sqs", region=r))
        self._server: MotoServer | None = None

    def __enter__(self) -> AWS:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        install_guard()
        self._server = get_server()
        _start_session_mock()
        _reset_backends()  # fresh state for this test, for the server's requests too
        add_environment_overlay(self._overlay)
        activate(self.hub)
        guard.fixture_active = True

    def stop(self) -> None:
        guard.fixture_active = False
        activate(None)
        remove_environment_overlay(self._overlay)
        if self._server is not None:
            self._server.gate.clear()
        _reset_backends()

    def _overlay(self, config: FunctionConfig) -> Mapping[str, str]:
        """What a function's environment gets while this fixture is active."""
        server = self._require_server()
        return {"AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": server.gate.register(config)}

    def _require_server(self) -> MotoServer:
        if self._server is None:
            raise HarnessError("the aws fixture is not started; use it as a fixture or `with`")
        return self._server

    @property
    def endpoint_url(self) -> str:
        """Where handlers' boto3 calls go (moto on a loopback port)."""
        return self._require_server().url

    @property
    def triggers(self) -> list[Trigger]:
        return list(self.hub.triggers)

    # -- clients ------------------------------------------------------------------------

    def client(self, name: str, region: str | None = None) -> Any:
        """A boto3 client for `name`, talking to the mocked AWS."""
        return _client(name, region or self.region)

    def resource(self, name: str, region: str | None = None) -> Any:
        """A boto3 resource (dynamodb, s3, sqs, sns, ...) for the mocked AWS."""
        return _resource(name, region or self.region)

    @property
    def s3(self) -> Any:
        return self.client("s3")

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def sqs(self) -> Any:
        return self.client("sqs")

    @property
    def sns(self) -> Any:
        return self.client("sns")

    @property
    def kinesis(self) -> Any:
        return self.client("kinesis")

    @property
    def events(self) -> Any:
        return self.client("events")

    @property
    def secretsmanager(self) -> Any:
        return self.client("secretsmanager")

    @property
    def ssm(self) -> Any:
        return self.client("ssm")

    # -- one-line setup -----------------------------------------------------------------

    def bucket(
        self,
        name: str,
        objects: Mapping[str, bytes | str] | None = None,
        *,
        versioned: bool = False,
    ) -> resources.Bucket:
        """Create bucket `name` holding `objects` ({key: body})."""
        resources.check_bucket_name(name)
        options: dict[str, Any] = {}
        if self.region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.s3.create_bucket(Bucket=name, **options)
        if versioned:
            self.s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        bucket = resources.Bucket(self, name)
        for key, body in (objects or {}).items():
            bucket.put(key, body)
        return bucket

    def table(
        self,
        name: str,
        key: str = "pk",
        sort_key: str | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        stream: bool | str = False,
        *,
        key_type: str = "S",
        sort_key_type: str = "S",
    ) -> resources.Table:
        """Create an on-demand table keyed on `key` (+ `sort_key`), holding `items`.

        `stream=True` turns on a NEW_AND_OLD_IMAGES stream; a view type string picks another.
        """
        resources._check(
            "table", name, resources._TABLE, "3 to 255 of letters, digits, '_', '-' and '.'"
        )
        if not isinstance(key, str) or not key:
            raise HarnessError(
                f"table {name!r} needs a partition key: DynamoDB refuses a table without one; "
                f"pass key='pk' (or the attribute your items are keyed on), got {key!r}"
            )
        for label, kind in (("key_type", key_type), ("sort_key_type", sort_key_type)):
            if kind not in ("S", "N", "B"):
                raise HarnessError(f"{label} must be 'S', 'N' or 'B', got {kind!r}")
        schema = [{"AttributeName": key, "KeyType": "HASH"}]
        definitions = [{"AttributeName": key, "AttributeType": key_type}]
        if sort_key is not None:
            if sort_key == key or not isinstance(sort_key, str) or not sort_key:
                raise HarnessError(
                    f"table {name!r}: sort_key must be a non-empty attribute name other than the "
                    f"partition key {key!r}, got {sort_key!r}"
                )
            schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
            definitions.append({"AttributeName": sort_key, "AttributeType": sort_key_type})
        options: dict[str, Any] = {}
        if stream:
            view = "NEW_AND_OLD_IMAGES" if stream is True else stream
            views = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
            if view not in views:
                raise HarnessError(
                    f"stream must be True or one of {', '.join(views)}, got {view!r}"
                )
            options["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        description = self.dynamodb.create_table(
            TableName=name,
            KeySchema=schema,
            AttributeDefinitions=definitions,
            BillingMode="PAY_PER_REQUEST",
            **options,
        )["TableDescription"]
        table = resources.Table(self, name, description)
        if items:
            with table.resource.batch_writer() as batch:
                for item in items:
                    for required in filter(None, (key, sort_key)):
                        if required not in item:
                            raise HarnessError(
                                f"item {dict(item)!r} for table {name!r} lacks its key "
                                f"attribute {required!r}"
                            )
                    batch.put_item(Item=plain_to_dynamodb(item))
        return table

    def queue(
        self,
        name: str,
        fifo: bool = False,
        *,
        visibility_timeout: int | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> resources.Queue:
        """Create an SQS queue (a FIFO queue's name gets its `.fifo` suffix if missing)."""
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        if not fifo and name.endswith(".fifo"):
            raise HarnessError(f"queue name {name!r} ends with .fifo: pass fifo=True")
        base = name[: -len(".fifo")] if fifo else name
        resources._check("queue", base, resources._QUEUE, "1 to 80 letters, digits, '-' or '_'")
        attrs = dict(attributes or {})
        if fifo:
            attrs.setdefault("FifoQueue", "true")
            attrs.setdefault("ContentBasedDeduplication", "true")
        if visibility_timeout is not None:
            attrs["VisibilityTimeout"] = str(visibility_timeout)
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        return resources.Queue(self, name, url, self.region)

    def topic(self, name: str, fifo: bool = False) -> resources.Topic:
        """Create an SNS topic."""
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        base = name[: -len(".fifo")] if fifo else name
        resources._check("topic", base, resources._TOPIC, "1 to 256 letters, digits, '-' or '_'")
        attributes = {"FifoTopic": "true", "ContentBasedDeduplication": "true"} if fifo else {}
        arn = self.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        return resources.Topic(self, name, arn)

    def rule(
        self, name: str, pattern: Mapping[str, Any], *, bus: str = "default"
    ) -> resources.Rule:
        """Create an EventBridge rule matching `pattern` on `bus`."""
        resources._check("rule", name, resources._RULE, "1 to 64 of letters, digits, '.', '-', '_'")
        if not isinstance(pattern, Mapping) or not pattern:
            raise HarnessError(
                f"rule {name!r}: the event pattern must be a non-empty dict like "
                f"{{'source': ['my.app']}}, got {pattern!r}"
            )
        if bus != "default":
            existing = self.events.list_event_buses(NamePrefix=bus)["EventBuses"]
            if not any(b["Name"] == bus for b in existing):
                self.events.create_event_bus(Name=bus)
        arn = self.events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))[
            "RuleArn"
        ]
        return resources.Rule(self, name, bus, arn)
