"""A function's execution role from its template: the policies the role holds.

The SAM transform has already turned `Policies:` (policy templates such as
DynamoDBCrudPolicy, managed policy names, inline statements) and connectors into an
AWS::IAM::Role with ManagedPolicyArns and Policies, plus AWS::IAM::Policy and
AWS::IAM::ManagedPolicy resources attached to it. A plain CloudFormation template names
its own role the same way (`Role: !GetAtt MyRole.Arn`). The role's policy is every one
of those documents; AWS managed policies are named by ARN and read by `policy.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..policy import load_policy
from .intrinsics import Where
from .model import Template


def role_policy(template: Template, function_id: str) -> list[Any] | None:
    """The role's policy documents and managed policy ARNs; None: the role is unknown,
    so calls are not checked (what `role_policy=None` means)."""
    where = Where(template.shown, function_id, "Role")
    raw = template.properties(function_id).get("Role")
    if raw is None:
        return None
    role_id = _role_in_template(template, raw)
    if role_id is None:
        arn = template.resolve(raw, where)
        template.warn_once(
            function_id,
            "Role",
            f"role {arn!r} is not defined in the template, so its policies are unknown and "
            "the function's AWS calls are not checked; pass role_policy= to check them",
        )
        return None
    documents: list[Any] = []
    role_where = Where(template.shown, role_id, "ManagedPolicyArns")
    managed = template.prop(role_id, "ManagedPolicyArns") or []
    local_policies = _local_managed_policies(template)
    for index, arn in enumerate(managed):
        item_where = role_where.at(f"[{index}]")
        if arn in local_policies:
            documents.append(_document(template, local_policies[arn], "PolicyDocument"))
        elif isinstance(arn, str) and arn.startswith("arn:aws:iam::aws:policy/"):
            load_policy(arn, source=item_where.describe())
            documents.append(arn)
        else:
            template.warn_once(
                role_id,
                f"ManagedPolicyArns[{index}]",
                f"policy {arn!r} is not an AWS managed policy nor defined in the template, so "
                "its statements are unknown and are left out of the role",
            )
    for index, inline in enumerate(template.prop(role_id, "Policies") or []):
        item_where = Where(template.shown, role_id, f"Policies[{index}].PolicyDocument")
        document = inline.get("PolicyDocument") if isinstance(inline, Mapping) else None
        load_policy(document, source=item_where.describe())
        documents.append(document)
    for policy_id in _policies_attached_to(template, role_id):
        documents.append(_document(template, policy_id, "PolicyDocument"))
    if template.prop(role_id, "PermissionsBoundary") is not None:
        template.warn_once(
            role_id,
            "PermissionsBoundary",
            "not honoured: the role's calls are checked against its policies only",
        )
    return documents


def _document(template: Template, logical_id: str, prop: str) -> Any:
    document = template.prop(logical_id, prop)
    load_policy(document, source=Where(template.shown, logical_id, prop).describe())
    return document


def _role_in_template(template: Template, raw: Any) -> str | None:
    """The logical id of the AWS::IAM::Role `raw` refers to, if it is in the template."""
    target: Any = None
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key == "Fn::GetAtt":
            target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
        elif key == "Ref":
            target = value
    if isinstance(target, str):
        role_id = template.logical_id(target)
        resource = template.resources.get(role_id)
        if resource is not None and resource.get("Type") == "AWS::IAM::Role":
            return role_id
    return None


def _local_managed_policies(template: Template) -> dict[str, str]:
    """ARN -> logical id of the template's own AWS::IAM::ManagedPolicy resources."""
    found = {}
    for logical_id in template.of_type("AWS::IAM::ManagedPolicy"):
        found[template.ref(logical_id, Where(template.shown, logical_id, "Ref"))] = logical_id
    return found


def _policies_attached_to(template: Template, role_id: str) -> list[str]:
    """AWS::IAM::Policy and ::ManagedPolicy resources whose Roles name the role."""
    attached = []
    for logical_id, resource in template.of_type(
        "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"
    ).items():
        roles = (resource.get("Properties") or {}).get("Roles") or []
        if any(isinstance(role, Mapping) and role.get("Ref") == role_id for role in roles):
            attached.append(logical_id)
    return attached
