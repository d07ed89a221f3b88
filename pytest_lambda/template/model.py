"""`Template`: one template read, transformed and resolvable for one set of parameter values,
Region and account. It is the `Scope` intrinsic functions are resolved over.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import HarnessError
from . import parameters as parameters_
from .intrinsics import NO_VALUE, Resolver, Where
from .reading import Document, read_document
from .resources import TYPES, Identity, generated_name
from .transform import Transformed, transform

DEFAULT_STACK_NAME = "local"
_PSEUDO_FIXED = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


class Template:
    """A template as CloudFormation would deploy it, with values resolved on demand."""

    def __init__(
        self,
        document: Document,
        overrides: Mapping[str, str],
        region: str,
        account_id: str,
    ) -> None:
        self.document = document
        self.path: Path = document.path
        self.shown = str(document.path)
        self.region = region
        self.account_id = account_id
        self.stack_name = overrides.get("AWS::StackName", DEFAULT_STACK_NAME)
        declared = document.body.get("Parameters") or {}
        if not isinstance(declared, Mapping):
            raise HarnessError(f"template {self.shown!r}: Parameters must be a mapping")
        self.parameters = parameters_.parameter_values(declared, overrides, self.shown)
        self.pseudo: dict[str, Any] = {
            **_PSEUDO_FIXED,
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{region}:{account_id}:stack/{self.stack_name}/"
                "51af3dc0-da77-11e4-872e-1234567db123"
            ),
            "AWS::NotificationARNs": [],
        }
        known = {
            name: value
            for name, value in self.parameters.items()
            if not isinstance(value, parameters_.Unset)
        }
        self.transformed: Transformed = transform(
            document,
            {
                **{k: ",".join(v) if isinstance(v, list) else v for k, v in known.items()},
                **{k: v for k, v in self.pseudo.items() if isinstance(v, str)},
            },
        )
        body = self.transformed.body
        self.resources: dict[str, dict[str, Any]] = body["Resources"]
        self._conditions: Mapping[str, Any] = body.get("Conditions") or {}
        self._mappings: Mapping[str, Any] = body.get("Mappings") or {}
        self._outputs: Mapping[str, Any] = body.get("Outputs") or {}
        self.resolver = Resolver(self)
        self._condition_values: dict[str, bool] = {}
        self._identities: dict[str, Identity] = {}
        # What is being resolved now (resources and conditions), to name a cycle.
        self._active: list[str] = []
        self._lock = threading.RLock()
        self._warned: set[tuple[str, str]] = set()

    # -- resources ----------------------------------------------------------------------

    def logical_id(self, name: str) -> str:
        """The id a resource has after the transform (SAM renames layers)."""
        return self.transformed.renamed.get(name, name)

    def original_type(self, logical_id: str) -> str:
        return self.transformed.original_types.get(logical_id) or self.resources[logical_id]["Type"]

    def is_created(self, logical_id: str) -> bool:
        """False for a resource whose Condition is false."""
        resource = self.resources[logical_id]
        condition = resource.get("Condition")
        if condition is None:
            return True
        return self.condition(str(condition), Where(self.shown, logical_id, "Condition"))

    def of_type(self, *kinds: str) -> dict[str, dict[str, Any]]:
        """The created resources of these types, in template order."""
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource.get("Type") in kinds and self.is_created(logical_id)
        }

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        properties = self.resources[logical_id].get("Properties") or {}
        return properties if isinstance(properties, Mapping) else {}

    def prop(self, logical_id: str, name: str) -> Any:
        """Property `name` of a resource, resolved (None when absent)."""
        properties = self.properties(logical_id)
        if name not in properties:
            return None
        value = self.resolve(properties[name], Where(self.shown, logical_id, name))
        return None if value is NO_VALUE else value

    def resolve(self, value: Any, where: Where) -> Any:
        with self._lock:
            entry = f"resource {where.resource}" if where.resource is not None else None
            if entry is None or entry in self._active:
                return self.resolver.resolve(value, where)
            self._active.append(entry)
            try:
                return self.resolver.resolve(value, where)
            finally:
                self._active.pop()

    def identity(self, logical_id: str, where: Where) -> Identity:
        """The resource's physical name (its Ref and attributes derive from it)."""
        with self._lock:
            found = self._identities.get(logical_id)
            if found is not None:
                return found
            resource = self._resource(logical_id, where)
            kind = TYPES.get(resource["Type"])
            entry = f"resource {logical_id}"
            if entry in self._active:
                chain = [
                    e.removeprefix("resource ") for e in self._active[self._active.index(entry) :]
                ]
                raise where.error(
                    f"circular reference: {' -> '.join([*chain, logical_id])}; CloudFormation "
                    "refuses a resource whose properties depend on itself"
                )
            self._active.append(entry)
            try:
                name = self._physical_name(logical_id, resource, kind, where)
            finally:
                self._active.pop()
            identity = Identity(
                logical_id,
                name,
                self.region,
                self.account_id,
                self.stack_name,
                lambda prop: self.prop(logical_id, prop),
            )
            self._identities[logical_id] = identity
            return identity

    def _physical_name(
        self, logical_id: str, resource: Mapping[str, Any], kind: Any, where: Where
    ) -> str:
        original = self._original_id(logical_id)
        if kind is None:
            return f"{self.stack_name}-{original}"
        if kind.name_property is not None:
            explicit = self.prop(logical_id, kind.name_property)
            if explicit is not None:
                return str(explicit)
            if kind.name_required:
                raise where.error(
                    f"{original!r} ({resource['Type']}) has no {kind.name_property}, which "
                    "CloudFormation requires"
                )
        if resource["Type"] in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion"):
            return original
        identity = Identity(
            original,
            "",
            self.region,
            self.account_id,
            self.stack_name,
            lambda p: self.prop(logical_id, p),
        )
        return generated_name(
            kind, original, self.stack_name, identity.digest(12), kind.name_suffix(identity)
        )

    def _original_id(self, logical_id: str) -> str:
        for original, renamed in self.transformed.renamed.items():
            if renamed == logical_id:
                return original
        return logical_id

    def _resource(self, logical_id: str, where: Where) -> dict[str, Any]:
        logical_id = self.logical_id(logical_id)
        resource = self.resources.get(logical_id)
        if resource is None:
            names = list(self.transformed.original_types) + list(self.resources)
            close = difflib.get_close_matches(logical_id, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise where.error(
                f"refers to {logical_id!r}, which is neither a resource nor a parameter of "
                f"the template{hint}"
            )
        if not self.is_created(logical_id):
            raise where.error(
                f"refers to {logical_id!r}, which is not created (its Condition "
                f"{resource.get('Condition')!r} is false)"
            )
        return resource

    # -- Scope ----------------------------------------------------------------------------

    def ref(self, name: str, where: Where) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            value = self.parameters[name]
            if isinstance(value, parameters_.Unset):
                raise where.error(f"refers to parameter {name!r}, but {value.reason}")
            return value
        logical_id = self.logical_id(name)
        resource = self._resource(logical_id, where)
        kind = TYPES.get(resource["Type"])
        if kind is None:
            raise where.error(
                f"refers to {name!r}, a {resource['Type']}: the harness does not know what Ref "
                "gives for that type; pass the value as an override"
            )
        return kind.ref(self.identity(logical_id, where))

    def get_att(self, logical_id: str, attribute: str, where: Where) -> Any:
        logical_id = self.logical_id(logical_id)
        resource = self._resource(logical_id, where)
        kind = TYPES.get(resource["Type"])
        getter = kind.attributes.get(attribute) if kind is not None else None
        if kind is None or getter is None:
            known = ", ".join(kind.attributes) if kind is not None and kind.attributes else "none"
            raise where.error(
                f"Fn::GetAtt {logical_id}.{attribute} cannot be resolved: the harness knows no "
                f"attribute {attribute!r} of {resource['Type']} (it knows: {known}); pass the "
                "value as an override"
            )
        value = getter(self.identity(logical_id, where))
        if value is None:
            raise where.error(
                f"Fn::GetAtt {logical_id}.{attribute} has no value ({logical_id} does not "
                f"define what {attribute} needs)"
            )
        return value

    def condition(self, name: str, where: Where) -> bool:
        with self._lock:
            if name in self._condition_values:
                return self._condition_values[name]
            if name not in self._conditions:
                raise where.error(f"condition {name!r} is not in the template's Conditions")
            entry = f"condition {name}"
            if entry in self._active:
                raise where.error(f"condition {name!r} depends on itself")
            self._active.append(entry)
            try:
                value = self.resolver.condition(
                    self._conditions[name], Where(self.shown, None, f"Conditions.{name}")
                )
            finally:
                self._active.pop()
            self._condition_values[name] = value
            return value

    def mapping(self, name: str, where: Where) -> Mapping[str, Any]:
        found = self._mappings.get(name)
        if not isinstance(found, Mapping):
            raise where.error(f"Fn::FindInMap: the template has no mapping {name!r}")
        return found

    # -- outputs and warnings --------------------------------------------------------------

    def outputs(self) -> Iterator[tuple[str, Any]]:
        """Each output's value; an output that cannot be resolved locally is left out."""
        for name, output in self._outputs.items():
            if not isinstance(output, Mapping) or "Value" not in output:
                continue
            where = Where(self.shown, None, f"Outputs.{name}")
            if "Condition" in output and not self.condition(str(output["Condition"]), where):
                continue
            try:
                yield name, self.resolver.resolve(output["Value"], where)
            except HarnessError:
                continue

    def warn_once(self, logical_id: str, prop: str, message: str) -> None:
        """A warning naming the file, resource and property, once per template content."""
        key = (logical_id, prop)
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        from ..notices import TemplateWarning, warn

        warn(
            TemplateWarning(
                f"template {self.shown!r}: resource {logical_id!r}, property {prop}: {message}"
            )
        )


_cache: dict[tuple[Any, ...], Template] = {}
_cache_lock = threading.Lock()


def load_template(
    path: str | os.PathLike[str],
    *,
    parameter_overrides: Any = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Template:
    """The template at `path` for these parameter values, Region and account (cached)."""
    document = read_document(path)
    overrides = parameters_.parse_overrides(parameter_overrides)
    key = (document.path, document.digest, tuple(sorted(overrides.items())), region, account_id)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    template = Template(document, overrides, region, account_id)
    with _cache_lock:
        for stale in [k for k in _cache if k[0] == document.path and k[1] != document.digest]:
            del _cache[stale]
        _cache[key] = template
    return template
