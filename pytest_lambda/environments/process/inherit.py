"""Inherited imports: what a worker's Init imported from installed distributions, and the
templates that keep those modules imported and warm for later environments.

A worker learns, as its Init runs, which modules it imported from the interpreter's
site-packages (never the function's own code or layers, never the standard library) and
which botocore models it loaded. The session remembers that per function; a later cold
start of the function is forked from a template: a fork of the zygote that imported
those modules, in the same order, under the function's own variables, and loaded those
models once. The function's own modules are still imported at every cold start.

What keeps a template honest:

- It imports under the function's variables, recording every variable its imports read
  (and its value); a function whose variables differ in one of them is not forked from
  it (`TemplateReady.reads`).
- Its warming runs with neutral AWS settings (no endpoint, fake credentials) on a
  botocore session it throws away: what environments inherit from it is the parsed
  model files (botocore's loader cache, which holds no endpoint, credential or region),
  never a client, a session or boto3's default session.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import site
import sys
import sysconfig
import time
from collections.abc import Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any

from ...patching import on_import
from .messages import ServiceModel, TemplateReady, TemplateSpec

# The botocore models a template loads ahead, by the kind of file.
_MODEL_TYPES = ("service-2", "resources-1")
# What the warming session runs with: nothing a test set, nothing of the host's.
_NEUTRAL_AWS = {
    "AWS_ACCESS_KEY_ID": "ASIATEMPLATEWARMING0",
    "AWS_SECRET_ACCESS_KEY": "templateWarmingHasNoRealCredentials00000",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Kept while warming: it decides where botocore looks for models (the loader's paths).
_KEPT_FOR_WARMING = ("AWS_DATA_PATH", "HOME")


def _site_directories() -> tuple[str, ...]:
    """Where installed distributions live: site-packages of the interpreter and the user."""
    found = {*site.getsitepackages(), site.getusersitepackages()}
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            found.add(path)
    return tuple(os.path.join(os.path.realpath(p), "") for p in found if p)


# Worked out once in the zygote (sysconfig takes milliseconds): workers inherit it.
_SITE_DIRECTORIES = _site_directories()


def _origin(module: ModuleType) -> list[str]:
    filename = getattr(module, "__file__", None)
    if filename:
        return [filename]
    # A namespace package: where its portions are.
    return [str(p) for p in getattr(module, "__path__", ())]


def installed_modules(names: Iterable[str], own_paths: Sequence[str]) -> tuple[str, ...]:
    """Of `names` (in sys.modules), those loaded from site-packages, not from `own_paths`
    (the function's code directory and layers) nor the harness itself."""
    own = tuple(os.path.join(os.path.realpath(p), "") for p in own_paths)
    found = []
    for name in names:
        if name == "pytest_lambda" or name.startswith("pytest_lambda."):
            continue
        module = sys.modules.get(name)
        if module is None:
            continue
        origins = [os.path.realpath(p) for p in _origin(module)]
        if not origins:
            continue
        if all(o.startswith(_SITE_DIRECTORIES) and not o.startswith(own) for o in origins):
            found.append(name)
    return tuple(found)


class ModelTracker:
    """Records the botocore models a worker's code loads (service, type), by wrapping the
    loader's method as botocore loads; the arguments pass through untouched."""

    def __init__(self) -> None:
        self.seen: dict[ServiceModel, None] = {}
        self.recording = False

    def install(self) -> None:
        on_import("botocore.loaders", self._wrap)

    def _wrap(self, loaders: ModuleType) -> None:
        cls: Any = loaders.Loader
        original = cls.load_service_model
        if getattr(original, "_pytest_lambda_models", None) is self:
            return
        tracker = self

        @functools.wraps(original)
        def load_service_model(self: Any, *args: Any, **kwargs: Any) -> Any:
            if tracker.recording:
                service = args[0] if args else kwargs.get("service_name")
                kind = args[1] if len(args) > 1 else kwargs.get("type_name")
                if isinstance(service, str) and kind in _MODEL_TYPES:
                    tracker.seen.setdefault((service, kind), None)
            return original(self, *args, **kwargs)

        load_service_model._pytest_lambda_models = self  # type: ignore[attr-defined]
        cls.load_service_model = load_service_model

    @property
    def models(self) -> tuple[ServiceModel, ...]:
        return tuple(self.seen)


# The worker's: what its Init loads.
MODELS = ModelTracker()


# ---------------------------------------------------------------- the template's side


class _ReadRecorder:
    """The variables read through os.environ (and os.environb) while it is entered."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.read_all = False

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        cls: Any = type(os.environ)
        get_item, iterate = cls.__getitem__, cls.__iter__
        recorder = self

        def __getitem__(self: Any, key: Any) -> Any:
            name = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
            if isinstance(name, str):
                recorder.names.setdefault(name, None)
            return get_item(self, key)

        def __iter__(self: Any) -> Any:
            recorder.read_all = True
            return iterate(self)

        cls.__getitem__, cls.__iter__ = __getitem__, __iter__
        try:
            yield
        finally:
            cls.__getitem__, cls.__iter__ = get_item, iterate


def become_template(spec: TemplateSpec) -> TemplateReady:
    """Import the modules under the function's variables, then load the models."""
    os.environ.clear()
    os.environ.update(spec.variables)
    recorder = _ReadRecorder()
    failed = []
    started = time.perf_counter()
    with recorder.recording():
        for name in spec.modules:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - a module that fails is left to Init
                failed.append(name)
    import_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    _warm(spec.models)
    warm_ms = (time.perf_counter() - started) * 1000
    reads: dict[str, str | None] = {name: os.environ.get(name) for name in recorder.names}
    if recorder.read_all:
        reads = {**dict.fromkeys(reads), **os.environ}
    return TemplateReady(
        os.getpid(), reads, import_ms, warm_ms, tuple(failed), read_all=recorder.read_all
    )


@contextlib.contextmanager
def _neutral_variables() -> Iterator[None]:
    saved = dict(os.environ)
    kept = {name: saved[name] for name in _KEPT_FOR_WARMING if name in saved}
    os.environ.clear()
    os.environ.update({**_NEUTRAL_AWS, **kept})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _warm(models: Sequence[ServiceModel]) -> None:
    """Load the models through a session of its own, then make every botocore loader
    created later (in the forked environments) start with what it loaded."""
    if not models or "botocore.session" not in sys.modules:
        return
    import botocore.session

    with _neutral_variables():
        session = botocore.session.Session()
        loader = session.get_component("data_loader")
        initial = tuple(loader.search_paths)
        boto3_session = sys.modules.get("boto3.session")
        facade: Any = (
            boto3_session.Session(botocore_session=session, region_name="us-east-1")
            if boto3_session is not None
            else None
        )
        for service, kind in models:
            try:
                if kind == "service-2":
                    if facade is not None:
                        facade.client(service)
                    else:
                        session.create_client(service, region_name="us-east-1")
                elif facade is not None:
                    facade.resource(service)
            except Exception:  # noqa: BLE001, S112 - a model the warming cannot load is left to Init
                continue
    _start_loaders_with(initial, dict(loader._cache))
    boto3: Any = sys.modules.get("boto3")
    if boto3 is not None:
        # Never built here, but make sure: every environment builds its own.
        boto3.DEFAULT_SESSION = None


def _start_loaders_with(initial_paths: tuple[str, ...], cache: dict[Any, Any]) -> None:
    """Every botocore Loader created from now on with the same search paths starts with
    `cache` (parsed model files: what botocore's own per-loader cache holds)."""
    cls: Any = sys.modules["botocore.loaders"].Loader
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if tuple(self.search_paths) == initial_paths:
            self._cache.update(cache)

    cls.__init__ = __init__
