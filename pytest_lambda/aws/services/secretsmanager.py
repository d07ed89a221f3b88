"""AWS Secrets Manager: secrets a template defines, and what its calls act on for IAM
(`aws.secretsmanager` is a client).

A secret's ARN ends in a random suffix AWS adds; the harness names the secret without it.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

from ...config import FunctionConfig
from ..calls import Call
from .base import Account, Service, arn_prefix


def create_secret(
    aws: Account,
    name: str,
    *,
    arn: str | None = None,
    secret_string: str | None = None,
    generate: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> str:
    """Create a secret (its value given, or generated as GenerateSecretString asks); its ARN.

    `arn` makes the secret answer to that ARN (a template's secret has the one its
    references resolved to before the deployment) instead of moto's random one.
    """
    options: dict[str, Any] = {"Name": name}
    if description is not None:
        options["Description"] = description
    value = secret_string if secret_string is not None else _generated(generate or {})
    options["SecretString"] = value
    created = aws.client("secretsmanager").create_secret(**options)
    if arn is None:
        found: str = created["ARN"]
        return found
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[aws.account_id][aws.region].secrets[name]
    secret.arn = arn
    return arn


def _generated(spec: Mapping[str, Any]) -> str:
    """A value as GenerateSecretString would make it (length, exclusions, template key)."""
    length = int(spec.get("PasswordLength", 32))
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += string.punctuation
    alphabet = "".join(c for c in alphabet if c not in excluded)
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if isinstance(template, str) and isinstance(key, str):
        import json

        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    secret = p.get("SecretId") or p.get("Name")
    if not secret:
        return ["*"]
    if str(secret).startswith("arn:"):
        return [str(secret)]
    return [f"{arn_prefix(config, 'secretsmanager')}secret:{secret}"]


SERVICE = Service("secretsmanager", iam_resources=iam_resources)
