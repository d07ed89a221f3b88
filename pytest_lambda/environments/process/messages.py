"""The messages of templates, learned imports and snapshots, declared together.

Templates (a fork of the zygote that keeps a function's installed modules imported and
warm) and snapshots (a worker that ran Init once and forks restored environments) talk
over the same channels as the zygote and the workers; these are the messages they add.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...errors import LambdaError
from ...frozen_time import FrozenClock
from .channel import (
    BOOL,
    FLOAT,
    INT,
    LAMBDA_ERROR,
    STR,
    dict_of,
    optional,
    pair_of,
    register,
    tuple_of,
)

# botocore's data a template loads ahead: (service, type), e.g. ("s3", "service-2"), or
# ("dynamodb", "resources-1") for boto3's resource models.
ServiceModel = tuple[str, str]


@dataclass(frozen=True)
class TemplateSpec:
    """Ask a zygote to fork a template: it imports `modules` in this order, under
    `variables` (the function's, as its Init would see them), then loads `models`."""

    modules: tuple[str, ...]
    models: tuple[ServiceModel, ...]
    variables: Mapping[str, str]


@dataclass(frozen=True)
class TemplateReady:
    """A template is ready to fork: the variables its imports read (None: read and
    absent), what the imports and the warming cost, and the modules that failed."""

    pid: int
    reads: Mapping[str, str | None]
    import_ms: float
    warm_ms: float
    failed: tuple[str, ...] = ()
    # Every variable was read (os.environ iterated or copied): only the same variables
    # find the imports as they were.
    read_all: bool = False


@dataclass(frozen=True)
class Learned:
    """What a worker's Init imported from installed distributions (site-packages), in
    the order it imported them, and the botocore models it loaded."""

    modules: tuple[str, ...]
    models: tuple[ServiceModel, ...]


@dataclass(frozen=True)
class Restore:
    """Ask a snapshot for a restored environment (with its request socket and log pipe);
    the after-restore hooks run on the test's clock as it is now."""

    clock: FrozenClock | None = None
    # The restored environment's cgroups, which it joins first thing (containment.py).
    cgroups: tuple[str, ...] = ()


@dataclass(frozen=True)
class NextCgroups:
    """Tell a fork server which cgroups its next standby child joins while it waits: those
    the test process will give the environment that child becomes. A move into a cgroup
    can wait for the kernel (an RCU grace period): a standby pays for it, not a cold start."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class Restored:
    """A restored environment's answer after its Hello: how long the runtime's part of the
    restore took (the after-restore hooks; what Lambda bills), and the hooks' error."""

    duration_ms: float
    error: LambdaError | None = None


# What templates, workers and restored environments send is read as a worker's messages
# are: declared, checked, never unpickled (channel.py). What the test process sends
# (TemplateSpec, Restore, NextCgroups) is its own, pickled.
register(
    TemplateReady,
    pid=INT,
    reads=dict_of(optional(STR)),
    import_ms=FLOAT,
    warm_ms=FLOAT,
    failed=tuple_of(STR),
    read_all=BOOL,
)
register(Learned, modules=tuple_of(STR), models=tuple_of(pair_of(STR, STR)))
register(Restored, duration_ms=FLOAT, error=optional(LAMBDA_ERROR))
