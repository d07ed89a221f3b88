"""AWS: a mocked AWS account for one test, seen alike by the test and by handlers in either
isolation mode. The plugin's `aws` fixture is one; `with AWS() as aws:` works anywhere.

Starting it puts together what the session owns for the AWS layer (the guard, moto's mock
with fresh state, moto's server for handlers, the routing of changes to this account's
triggers) and points every function environment started meanwhile at the server. The
services themselves (create helpers, handles, triggers) live in `services/`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..config import FunctionConfig
from ..context import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from ..errors import HarnessError
from ..function import LambdaFunction
from ..session import Session, current
from ..template import find_template
from . import services
from .guard import Guard, guard
from .mocking import MOTO_MOCK, MotoMock
from .moto_server import MOTO_SERVER, MotoServer
from .services import dynamodb, eventbridge, kinesis, s3, sns, sqs
from .services.dynamodb import Table
from .services.eventbridge import Rule
from .services.kinesis import Stream
from .services.s3 import Bucket
from .services.sns import Topic
from .services.sqs import Queue
from .stack import Stack, deploy
from .triggers import Trigger, TriggerHub, routing


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
        self.hub = TriggerHub()
        self.stacks: list[Stack] = []
        self._session: Session | None = None
        self._guard: Guard | None = None
        self._server: MotoServer | None = None
        self._deployment_defaults: dict[str, Any] = {}
        self._adopted: list[LambdaFunction] = []

    def __enter__(self) -> AWS:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        session = self._session = current()
        held = self._guard = guard(session)
        # The test's view while the account is active: the host's AWS setup hidden.
        held.enter()
        held.accounts_active += 1
        try:
            self._server = session.get(MOTO_SERVER, MotoServer)
            self._mock().reset()  # fresh state for this test, for the server's requests too
            session.add_overlay(self._overlay)
            services.install_moto_hooks()
            routing(session).activate(self.hub, session)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        stacks, self.stacks = self.stacks, []
        for stack in stacks:
            stack.close()
        self._adopted.clear()
        if self._guard is not None:
            self._guard.accounts_active -= 1
        found = session.find(MOTO_MOCK)
        routing(session).deactivate()
        session.remove_overlay(self._overlay)
        if self._server is not None:
            self._server.gate.clear()
        if found is not None:
            found.reset()
        if self._guard is not None:
            self._guard.exit()

    def _overlay(self, config: FunctionConfig) -> Mapping[str, str]:
        """What a function's environment gets while this account is active."""
        server = self._require_server()
        return {"AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": server.gate.register(config)}

    def _require_server(self) -> MotoServer:
        if self._server is None:
            raise HarnessError("the aws fixture is not started; use it as a fixture or `with`")
        return self._server

    def _mock(self) -> MotoMock:
        session = self._session or current()
        held = self._guard or guard(session)
        return session.get(MOTO_MOCK, lambda: MotoMock(held))

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
        return self._mock().client(name, region or self.region)

    def resource(self, name: str, region: str | None = None) -> Any:
        """A boto3 resource (dynamodb, s3, sqs, sns, ...) for the mocked AWS."""
        return self._mock().resource(name, region or self.region)

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

    # -- templates ----------------------------------------------------------------------

    def configure_deployment(
        self,
        *,
        template: str | os.PathLike[str] | None = None,
        parameter_overrides: Any = None,
        isolation: str | None = None,
    ) -> None:
        """What deploy() uses when not told: the configured template (the plugin passes the
        marker's or ini's), its parameter overrides, the functions' isolation."""
        self._deployment_defaults = {
            "template": template,
            "parameter_overrides": parameter_overrides,
            "isolation": isolation,
        }

    def deploy(
        self,
        template: str | os.PathLike[str] | None = None,
        *,
        parameter_overrides: Any = None,
        isolation: str | None = None,
        configs: Sequence[FunctionConfig] = (),
    ) -> Stack:
        """Create the template's resources here, configure its functions and wire their
        event sources; the Stack maps logical ids to physical ids, ARNs and functions.

        `template` defaults to the configured one (the marker's, lambda_template, or
        template.yaml / template.yml in the rootdir, or the working directory outside
        pytest). `configs` are functions configured elsewhere (a marker's), used for
        their logical ids instead of the template's plain settings.
        """
        defaults = self._deployment_defaults
        path = template if template is not None else defaults.get("template")
        if path is None:
            path = find_template(os.getcwd())
        if path is None:
            raise HarnessError(
                "aws.deploy() found no template: pass its path (aws.deploy('template.yaml')), "
                "set template= on the lambda_function marker or lambda_template in the ini, "
                "or put a template.yaml in the rootdir"
            )
        if parameter_overrides is None:
            parameter_overrides = defaults.get("parameter_overrides")
        chosen_isolation = isolation or defaults.get("isolation")
        settings = {} if chosen_isolation is None else {"isolation": chosen_isolation}
        for stack in self.stacks:
            if stack.deployed_as(path, parameter_overrides):
                return stack
        stack = deploy(
            self,
            os.fspath(path),
            parameter_overrides=parameter_overrides,
            settings=settings,
            configs=configs,
            adopted=self._adopted,
            existing=self.stacks,
        )
        self.stacks.append(stack)
        return stack

    def adopt(self, function: LambdaFunction) -> None:
        """A function made elsewhere (the lambda_function fixture's) that a later deployment
        of its template wires events to, instead of configuring its own."""
        self._adopted.append(function)

    def deployed_function(self, config: FunctionConfig) -> LambdaFunction | None:
        """The function a deployment made for this configuration, if one did."""
        source = config.template_source
        if source is None:
            return None
        for stack in self.stacks:
            found = stack.functions.get(source.logical_id)
            if (
                found is not None
                and found.config.template_source is not None
                and found.config.template_source.path == source.path
                and found.config == config
            ):
                return found
        return None

    # -- one-line setup -----------------------------------------------------------------

    def bucket(
        self,
        name: str,
        objects: Mapping[str, bytes | str] | None = None,
        *,
        versioned: bool = False,
    ) -> Bucket:
        """Create bucket `name` holding `objects` ({key: body})."""
        return s3.create_bucket(self, name, objects, versioned=versioned)

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
    ) -> Table:
        """Create an on-demand table keyed on `key` (+ `sort_key`), holding `items`.

        `stream=True` turns on a NEW_AND_OLD_IMAGES stream; a view type string picks another.
        """
        return dynamodb.create_table(
            self,
            name,
            key,
            sort_key,
            items,
            stream,
            key_type=key_type,
            sort_key_type=sort_key_type,
        )

    def queue(
        self,
        name: str,
        fifo: bool = False,
        *,
        visibility_timeout: int | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> Queue:
        """Create an SQS queue (a FIFO queue's name gets its `.fifo` suffix if missing)."""
        return sqs.create_queue(
            self, name, fifo, visibility_timeout=visibility_timeout, attributes=attributes
        )

    def topic(self, name: str, fifo: bool = False) -> Topic:
        """Create an SNS topic."""
        return sns.create_topic(self, name, fifo)

    def stream(self, name: str, shards: int = 1) -> Stream:
        """The Kinesis stream `name`, created with `shards` shards if it does not exist."""
        existing = self.client("kinesis").list_streams()["StreamNames"]
        if name in existing:
            return Stream(self, name)
        return kinesis.create_stream(self, name, shards)

    def rule(
        self, name: str, pattern: Mapping[str, Any], *, bus: str = "default"
    ) -> Rule:
        """Create an EventBridge rule matching `pattern` on `bus`."""
        return eventbridge.create_rule(self, name, pattern, bus=bus)
