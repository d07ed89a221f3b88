"""Names in a function's modules replaced for a test, and modules patched as they load.

A `Patch` replaces one name (`"app.helper"`, or `"app:Client.send"` for an attribute of an
object in the module) with a replacement: any object, or an `ImportPath`
(`"tests.fakes:helper"`) that the environment imports itself, which is the only kind a
worker process can receive when the object would not survive pickling (a mock, a lambda).

A `PatchSet` applies patches in one process: those whose module is loaded at once, the
others as their module finishes loading (so that a patch given before Init is in place
before the handler module's own code uses the name it imports), and can undo them.
`on_import` is the mechanism underneath, shared with the AWS guard.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import pickle
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .errors import HarnessError

ModulePatch = Callable[[ModuleType], None]

_DOTTED = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_IMPORT_PATH = re.compile(rf"({_DOTTED}):({_DOTTED})")
_TARGET = re.compile(rf"{_DOTTED}(?::{_DOTTED})?")


class PatchError(Exception):
    """A patch could not be applied in the environment (its name or replacement is missing)."""


@dataclass(frozen=True)
class ImportPath:
    """`module:attribute`, imported where the patch is applied (in the worker, if any).

    `search_path` is the test process's `sys.path` when the patch was given: a worker's own
    path holds only the function's code and layers (as in Lambda), so the test's modules
    (`tests.fakes`) are found through it, after the function's own entries.
    """

    path: str
    search_path: tuple[str, ...] = ()

    def resolve(self) -> Any:
        match = _IMPORT_PATH.fullmatch(self.path)
        if match is None:
            raise PatchError(f"{self.path!r} is not 'module:attribute'")
        module_name, attribute_path = match.groups()
        added = [entry for entry in self.search_path if entry not in sys.path]
        sys.path.extend(added)
        try:
            found: Any = importlib.import_module(module_name)
            for part in attribute_path.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError) as e:
            raise PatchError(f"could not import the replacement {self.path!r}: {e}") from None
        finally:
            # Only the replacement's import looks there: the handler's imports keep the
            # environment's own path.
            for entry in added:
                if entry in sys.path:
                    sys.path.remove(entry)
        return found


@dataclass(frozen=True)
class Pickled:
    """A replacement on its way to a worker process, unpickled only where it is applied
    (after the worker has the test process's sys.path, not in the fork server)."""

    data: bytes

    def resolve(self) -> Any:
        try:
            return pickle.loads(self.data)
        except Exception as e:
            raise PatchError(
                f"could not receive the replacement ({type(e).__name__}: {e}); give it as "
                "an importable 'module:attribute' string instead"
            ) from None


@dataclass(frozen=True, eq=False)
class Patch:
    """`target` (`module.name` or `module:object.attribute`) replaced by `replacement`."""

    target: str
    replacement: Any

    @property
    def module(self) -> str:
        if ":" in self.target:
            return self.target.partition(":")[0]
        return self.target.rpartition(".")[0]

    @property
    def attribute_path(self) -> tuple[str, ...]:
        if ":" in self.target:
            return tuple(self.target.partition(":")[2].split("."))
        return (self.target.rpartition(".")[2],)

    def new_value(self) -> Any:
        if isinstance(self.replacement, ImportPath | Pickled):
            return self.replacement.resolve()
        return self.replacement

    def __repr__(self) -> str:
        return f"Patch({self.target!r}, {self.replacement!r})"


def parse_patches(value: object, *, picklable: bool) -> tuple[Patch, ...]:
    """Patches from a {target: replacement} mapping or a sequence of Patch, checked.

    A string replacement is an import path (`"tests.fakes:helper"`). With `picklable`
    (process isolation), any other replacement must survive pickling to reach the worker.
    """
    if value is None:
        return ()
    items: Iterable[Any]
    if isinstance(value, Mapping):
        items = [Patch(target, replacement) for target, replacement in value.items()]
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise HarnessError(
            f"patches must map targets to replacements, like {{'app.helper': "
            f"'tests.fakes:helper'}}, got {value!r}"
        )
    return tuple(checked_patch(item, picklable=picklable) for item in items)


def checked_patch(item: object, *, picklable: bool) -> Patch:
    if not isinstance(item, Patch):
        raise HarnessError(f"a patch maps a target string to its replacement, got {item!r}")
    target, replacement = item.target, item.replacement
    if not isinstance(target, str) or not _TARGET.fullmatch(target) or (
        ":" not in target and "." not in target
    ):
        raise HarnessError(
            f"patch target {target!r} must name a module and a name in it, like "
            "'app.helper' (or 'app:Client.send' for an attribute of an object)"
        )
    if isinstance(replacement, str):
        if not _IMPORT_PATH.fullmatch(replacement):
            raise HarnessError(
                f"the replacement for {target!r} is the string {replacement!r}: a string "
                "names an importable object as 'module:attribute' (e.g. 'tests.fakes:helper')"
            )
        # Imported where the patch applies, not here: it may live on the environment's
        # path only (the code directory), and importing it here could run handler code.
        replacement = ImportPath(replacement, tuple(sys.path))
    elif picklable and not isinstance(replacement, ImportPath):
        try:
            pickle.dumps(replacement)
        except Exception as e:
            raise HarnessError(
                f"the replacement for {target!r} ({type(replacement).__name__}) cannot be sent "
                f"to a worker process ({e}); give it as an importable 'module:attribute' "
                "string, or use isolation='inline', where any object works"
            ) from None
    return Patch(target, replacement)


def _import(module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ImportError as e:
        raise PatchError(f"pytest-lambda could not patch {module_name!r}: {e}") from None


def for_transport(patches: tuple[Patch, ...]) -> tuple[Patch, ...]:
    """The patches as a worker process receives them: objects pickled on their own."""
    return tuple(
        patch
        if isinstance(patch.replacement, ImportPath | Pickled)
        else Patch(patch.target, Pickled(pickle.dumps(patch.replacement)))
        for patch in patches
    )


class PatchSet:
    """The patches applied in one process, each once, with what they replaced.

    A function's patches only ever grow (a new one is added to the end), so the set is
    given the whole sequence each time and applies those past the ones it has seen: a
    worker receives fresh copies of the same patches with every request.
    """

    def __init__(self) -> None:
        self._seen = 0
        self._applied: list[tuple[Any, str, Any]] = []
        self._waiting: list[tuple[str, ModulePatch]] = []
        # Whether there may be anything to revert (read on every inline invoke).
        self.active = False

    def apply(self, patches: Sequence[Patch], *, import_missing: bool) -> None:
        """Apply the patches not seen yet: now if the module is loaded; if not, import it
        (`import_missing`, as mock.patch does; those still waiting from an earlier call
        too) or wait for it to load. Raises PatchError."""
        if import_missing:
            for module_name, _ in list(self._waiting):
                _import(module_name)  # its import hook applies the waiting patch
            self._waiting.clear()
        for patch in patches[self._seen :]:
            self.active = True
            module = sys.modules.get(patch.module)
            if module is None and import_missing:
                module = _import(patch.module)
            if module is None:
                self._wait_for(patch)
            else:
                self._apply_to(patch, module)
            self._seen += 1

    def _wait_for(self, patch: Patch) -> None:
        def apply_on_load(module: ModuleType) -> None:
            self._apply_to(patch, module)

        self._waiting.append((patch.module, apply_on_load))
        on_import(patch.module, apply_on_load)

    def _apply_to(self, patch: Patch, module: ModuleType) -> None:
        owner: Any = module
        *path, name = patch.attribute_path
        try:
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name)
        except AttributeError as e:
            raise PatchError(f"pytest-lambda could not patch {patch.target!r}: {e}") from None
        setattr(owner, name, patch.new_value())
        self._applied.append((owner, name, original))

    def revert(self) -> None:
        """Put back what the patches replaced, last first; forget those still waiting."""
        for module_name, waiting in self._waiting:
            cancel_on_import(module_name, waiting)
        self._waiting.clear()
        for owner, name, original in reversed(self._applied):
            setattr(owner, name, original)
        self._applied.clear()
        self._seen = 0
        self.active = False


# -- patching modules as they load ------------------------------------------------------


class _PatchingLoader(importlib.abc.Loader):
    """Runs a module as its own loader would, then patches it."""

    def __init__(self, loader: importlib.abc.Loader, name: str, finder: _OnImport) -> None:
        self._loader = loader
        self._name = name
        self._finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        for patch in self._finder.take(self._name):
            patch(module)


class _OnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of the modules that have patches waiting."""

    def __init__(self) -> None:
        self.waiting: dict[str, list[ModulePatch]] = {}

    def take(self, name: str) -> list[ModulePatch]:
        patches = self.waiting.pop(name, [])
        if not self.waiting and self in sys.meta_path:
            sys.meta_path.remove(self)
        return patches

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.waiting:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, fullname, self)
                return spec
        return None


def _finder() -> _OnImport:
    found = next((f for f in sys.meta_path if isinstance(f, _OnImport)), None)
    if found is None:
        found = _OnImport()
        sys.meta_path.insert(0, found)
    return found


def on_import(name: str, patch: ModulePatch) -> None:
    """`patch(module)` once module `name` has run: now if it is loaded, else when it loads.

    The hook leaves `sys.meta_path` once nothing is waiting.
    """
    module = sys.modules.get(name)
    if module is not None:
        patch(module)
        return
    waiting = _finder().waiting.setdefault(name, [])
    if patch not in waiting:
        waiting.append(patch)


def cancel_on_import(name: str, patch: ModulePatch) -> None:
    finder = next((f for f in sys.meta_path if isinstance(f, _OnImport)), None)
    if finder is None or patch not in finder.waiting.get(name, []):
        return
    finder.waiting[name].remove(patch)
    if not finder.waiting[name]:
        finder.take(name)
