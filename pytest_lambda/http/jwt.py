"""JSON Web Tokens for JWT (and Cognito user pool) authorizers: `mint_jwt` makes a token a
test sends, signed with the harness's own RSA test key (or a key the test gives);
`verify` checks one the way API Gateway's JWT authorizer does.

Signing and signature checks are joserfc's; the claims rules are API Gateway's ("Control
access to HTTP APIs with JWT authorizers", API Gateway developer guide): the token may be
prefixed with `Bearer `, only RSA algorithms are accepted, the header's `kid` must name a
known key, `iss` must equal the authorizer's issuer, `aud` (or `client_id` when there is
no `aud`) must be one of its audiences, `exp` must be in the future and `nbf` in the past,
and a route's scopes need at least one of them in `scope` or `scp`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import HarnessError

TEST_KEY_ID = "pytest-lambda-test-key"
DEFAULT_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pytestlam"
DEFAULT_AUDIENCE = "pytest-lambda-client"
_RSA_ALGORITHMS = ("RS256", "RS384", "RS512")

_test_key: Any = None
_lock = threading.Lock()


def test_key() -> Any:
    """The harness's RSA signing key (a joserfc RSAKey), made once per process."""
    global _test_key
    with _lock:
        if _test_key is None:
            from joserfc.jwk import RSAKey

            _test_key = RSAKey.generate_key(2048, parameters={"kid": TEST_KEY_ID, "use": "sig"})
        return _test_key


def mint_jwt(
    claims: Mapping[str, Any] | None = None,
    *,
    issuer: str = DEFAULT_ISSUER,
    audience: str | Sequence[str] | None = DEFAULT_AUDIENCE,
    subject: str = "test-user",
    scopes: Sequence[str] = (),
    expires_in_s: float = 3600,
    not_before: float | None = None,
    algorithm: str = "RS256",
    key: Any = None,
    key_id: str | None = None,
) -> str:
    """A signed JWT for a test: `iss`, `aud`, `sub`, `iat`, `exp` (now plus `expires_in_s`;
    a negative value makes an expired token) and `scope` set, then `claims` over them.

    Signed with the harness's test key, which the harness's JWT authorizers trust, unless
    `key` is given (a joserfc key, or bytes/str for HS256, which API Gateway refuses).
    """
    from joserfc import jwt
    from joserfc.jwk import OctKey

    now = int(time.time())
    payload: dict[str, Any] = {"iss": issuer, "sub": subject, "iat": now}
    if audience is not None:
        payload["aud"] = audience if isinstance(audience, str) else list(audience)
    payload["exp"] = int(now + expires_in_s)
    if not_before is not None:
        payload["nbf"] = int(not_before)
    if scopes:
        payload["scope"] = " ".join(scopes)
    payload.update(claims or {})
    signing_key = key
    if signing_key is None:
        signing_key = test_key()
        key_id = key_id or TEST_KEY_ID
    elif isinstance(signing_key, bytes | str):
        signing_key = OctKey.import_key(signing_key)
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if key_id is not None:
        header["kid"] = key_id
    try:
        return str(jwt.encode(header, payload, signing_key, algorithms=[algorithm]))
    except Exception as e:
        raise HarnessError(f"mint_jwt could not sign with algorithm {algorithm!r}: {e}") from None


@dataclass
class Verified:
    claims: dict[str, Any]
    scopes: list[str]


class JwtRefused(Exception):
    """The token is not accepted; `description` is what API Gateway's www-authenticate says."""

    def __init__(self, description: str, *, scope: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.scope = scope


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [str(s) for s in raw]
    return []


def verify(
    token: str,
    *,
    issuer: str,
    audiences: Sequence[str],
    required_scopes: Sequence[str] = (),
    keys: Sequence[Any] = (),
    check_audience: bool = True,
) -> Verified:
    """The token's claims, or JwtRefused saying why (as API Gateway words it)."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if token.startswith("Bearer "):
        token = token[len("Bearer ") :]
    try:
        compact = jws.extract_compact(token.encode())
    except (JoseError, ValueError):
        raise JwtRefused("the token is malformed") from None
    header = compact.protected
    if header.get("alg") not in _RSA_ALGORITHMS:
        raise JwtRefused(f"signing method {header.get('alg')} is invalid")
    known = [test_key(), *keys]
    kid = header.get("kid")
    matching = [k for k in known if k.kid == kid]
    if not matching:
        raise JwtRefused("the token's key is not found in the issuer's key set")
    from joserfc import jwt

    try:
        decoded = jwt.decode(token, KeySet(matching), algorithms=list(_RSA_ALGORITHMS))
    except JoseError:
        raise JwtRefused("the token's signature is invalid") from None
    claims = dict(decoded.claims)
    if claims.get("iss") != issuer:
        raise JwtRefused("the token does not have a valid issuer")
    if check_audience:
        audience = claims.get("aud", claims.get("client_id"))
        given = audience if isinstance(audience, list) else [audience]
        if not any(a in audiences for a in given):
            raise JwtRefused("the token does not have a valid audience")
    now = time.time()
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now:
        raise JwtRefused("the token has expired")
    not_before = claims.get("nbf")
    if isinstance(not_before, int | float) and not_before > now:
        raise JwtRefused("the token is not valid yet")
    scopes = token_scopes(claims)
    if required_scopes and not set(scopes) & set(required_scopes):
        raise JwtRefused("the token does not have a valid scope", scope=True)
    return Verified(claims, scopes)


def claims_as_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway passes them to the integration: every value a string, a list
    as `[a b]`."""
    shown: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            shown[name] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            shown[name] = "true" if value else "false"
        else:
            shown[name] = str(value)
    return shown
