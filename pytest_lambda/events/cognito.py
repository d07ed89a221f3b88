"""Amazon Cognito user pool Lambda triggers (one kind per trigger) and legacy Cognito Sync."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from typing import Any

from ._core import DEFAULT_REGION, Event, Variant, factory, new_uuid, register
from ._schema import ANY, INT, STR, nullable, obj, str_map

# triggerSource prefix -> kind suffix, as AWS names the triggers in the console.
TRIGGER_KINDS: dict[str, str] = {
    "PreSignUp": "pre-signup",
    "PostConfirmation": "post-confirmation",
    "PreAuthentication": "pre-authentication",
    "PostAuthentication": "post-authentication",
    "TokenGeneration": "pre-token-generation",
    "CustomMessage": "custom-message",
    "DefineAuthChallenge": "define-auth-challenge",
    "CreateAuthChallenge": "create-auth-challenge",
    "VerifyAuthChallengeResponse": "verify-auth-challenge",
    "UserMigration": "user-migration",
    "CustomEmailSender": "custom-email-sender",
    "CustomSMSSender": "custom-sms-sender",
    "InboundFederation": "inbound-federation",
}
# Other triggerSource values seen for a trigger: the Go and Java libraries' pre token
# generation samples say "PreTokenGen" (no underscore, no suffix).
TRIGGER_ALIASES: dict[str, str] = {"PreTokenGen": "TokenGeneration"}

_SESSION = [{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]


def _code() -> str:
    # Custom sender triggers get the code encrypted with the pool's KMS key, base64-encoded.
    return base64.b64encode(b"AYADe" + new_uuid().encode() * 3).decode()


# Per trigger: description, default triggerSource, event version, request, response.
_TRIGGERS: dict[str, tuple[str, str, str, dict[str, Any], dict[str, Any] | None]] = {
    "PreSignUp": (
        "before a user signs up", "PreSignUp_SignUp", "1",
        {"validationData": {}},
        {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    ),
    "PostConfirmation": (
        "after a user confirms sign-up", "PostConfirmation_ConfirmSignUp", "1", {}, {},
    ),
    "PreAuthentication": (
        "before sign-in", "PreAuthentication_Authentication", "1",
        {"validationData": {}, "userNotFound": False}, {},
    ),
    "PostAuthentication": (
        "after sign-in", "PostAuthentication_Authentication", "1",
        {"newDeviceUsed": False}, {},
    ),
    "TokenGeneration": (
        "before tokens are issued", "TokenGeneration_HostedAuth", "1",
        {
            "groupConfiguration": {
                "groupsToOverride": ["admins"],
                "iamRolesToOverride": [],
                "preferredRole": None,
            }
        },
        {"claimsOverrideDetails": None},
    ),
    "CustomMessage": (
        "customise verification and invitation messages", "CustomMessage_SignUp", "1",
        {"codeParameter": "{####}", "linkParameter": "{##Click Here##}",
         "usernameParameter": None},
        {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    ),
    "DefineAuthChallenge": (
        "custom auth: decide the next challenge", "DefineAuthChallenge_Authentication", "1",
        {"session": _SESSION, "userNotFound": False},
        {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    ),
    "CreateAuthChallenge": (
        "custom auth: create a challenge", "CreateAuthChallenge_Authentication", "1",
        {"challengeName": "CUSTOM_CHALLENGE", "session": _SESSION, "userNotFound": False},
        {"publicChallengeParameters": {}, "privateChallengeParameters": {},
         "challengeMetadata": None},
    ),
    "VerifyAuthChallengeResponse": (
        "custom auth: verify the answer", "VerifyAuthChallengeResponse_Authentication", "1",
        {"privateChallengeParameters": {"answer": "5"}, "challengeAnswer": "5",
         "userNotFound": False},
        {"answerCorrect": False},
    ),
    "UserMigration": (
        "migrate a user from another directory", "UserMigration_Authentication", "1",
        {"password": "TestPassword123!", "validationData": {}},
        {"userAttributes": None, "finalUserStatus": None, "messageAction": None,
         "desiredDeliveryMediums": None, "forceAliasCreation": None},
    ),
    "CustomEmailSender": (
        "send email with your own provider", "CustomEmailSender_SignUp", "1",
        {"type": "customEmailSenderRequestV1"}, None,
    ),
    "CustomSMSSender": (
        "send SMS with your own provider", "CustomSMSSender_SignUp", "1",
        {"type": "customSMSSenderRequestV1"}, None,
    ),
    "InboundFederation": (
        "map the attributes of a federated (OIDC or SAML) user",
        "InboundFederation_ExternalProvider", "1",
        {
            "providerName": "ExampleOIDCProvider",
            "providerType": "OIDC",
            "attributes": {
                "tokenResponse": {"token_type": "Bearer", "expires_in": "3600"},
                "idToken": {"sub": "a1b2c3d4", "email": "janedoe@example.com"},
                "userInfo": {"email": "janedoe@example.com"},
            },
        },
        {"userAttributesToMap": {}},
    ),
}

CognitoFactory = Callable[..., Event]


def _make(prefix: str) -> CognitoFactory:
    _, default_source, version, request_template, response_template = _TRIGGERS[prefix]

    def make(
        *,
        user_name: str = "janedoe",
        user_attributes: Mapping[str, Any] | None = None,
        user_pool_id: str | None = None,
        client_id: str = "1example23456789",
        trigger_source: str = default_source,
        request: Mapping[str, Any] | None = None,
        client_metadata: Mapping[str, str] | None = None,
        region: str = DEFAULT_REGION,
    ) -> Event:
        if not trigger_source.startswith(prefix + "_"):
            raise ValueError(f"trigger_source must start with {prefix + '_'!r}")
        attributes = dict(user_attributes) if user_attributes is not None else {
            "sub": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
            "email_verified": "true",
            "cognito:user_status": "CONFIRMED",
            "email": "janedoe@example.com",
        }
        body: Event = {}
        # These two triggers run before the user exists in the pool: no userAttributes.
        if prefix not in ("UserMigration", "InboundFederation"):
            body["userAttributes"] = attributes
        body.update(copy.deepcopy(request_template))
        if prefix in ("CustomEmailSender", "CustomSMSSender"):
            body["code"] = _code()
        if client_metadata is not None:
            body["clientMetadata"] = dict(client_metadata)
        body.update(request or {})
        event: Event = {
            "version": version,
            "triggerSource": trigger_source,
            "region": region,
            "userPoolId": user_pool_id or f"{region}_EXAMPLE",
            "userName": user_name,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
            "request": body,
        }
        if response_template is not None:
            event["response"] = copy.deepcopy(response_template)
        return event

    kind = "cognito-" + TRIGGER_KINDS[prefix]
    make.__name__ = kind.replace("-", "_")
    make.__doc__ = f"The Cognito user pool {kind[8:]} trigger ({_TRIGGERS[prefix][0]})."
    return factory(make)


def _schema(prefix: str) -> dict[str, Any]:
    # triggerSource is not checked against the trigger: the .NET library's samples say
    # "trigger_source", the Go and Java ones "PreTokenGen"; detection reads the shape too.
    return obj(
        {
            "triggerSource": STR,
            "userPoolId": STR,
            "request": obj({}, {"userAttributes": str_map(ANY)}),
        },
        {
            "version": STR,
            "region": STR,
            "userName": nullable(STR),
            "callerContext": obj({}, {"awsSdkVersion": STR, "clientId": STR}),
            "response": nullable(obj()),
        },
    )


cognito_pre_signup = _make("PreSignUp")
cognito_post_confirmation = _make("PostConfirmation")
cognito_pre_authentication = _make("PreAuthentication")
cognito_post_authentication = _make("PostAuthentication")
cognito_pre_token_generation = _make("TokenGeneration")
cognito_custom_message = _make("CustomMessage")
cognito_define_auth_challenge = _make("DefineAuthChallenge")
cognito_create_auth_challenge = _make("CreateAuthChallenge")
cognito_verify_auth_challenge = _make("VerifyAuthChallengeResponse")
cognito_user_migration = _make("UserMigration")
cognito_custom_email_sender = _make("CustomEmailSender")
cognito_custom_sms_sender = _make("CustomSMSSender")
cognito_inbound_federation = _make("InboundFederation")

_VARIANTS: dict[str, tuple[Variant, ...]] = {
    "PreSignUp": (
        Variant("admin-create-user", "AdminCreateUser sign-up",
                {"trigger_source": "PreSignUp_AdminCreateUser"}),
    ),
    "CustomMessage": (
        Variant("forgot-password", "forgot-password message",
                {"trigger_source": "CustomMessage_ForgotPassword"}),
    ),
}

for _prefix, _suffix in TRIGGER_KINDS.items():
    register(
        f"cognito-{_suffix}",
        f"Cognito user pool trigger: {_TRIGGERS[_prefix][0]}",
        _schema(_prefix),
        globals()[f"cognito_{_suffix.replace('-', '_')}"],
        _VARIANTS.get(_prefix, ()),
    )


COGNITO_SYNC_SCHEMA = obj(
    {
        "eventType": {"const": "SyncTrigger"},
        "identityPoolId": STR,
        "datasetName": STR,
        "datasetRecords": str_map(
            obj({"op": STR}, {"oldValue": nullable(STR), "newValue": nullable(STR)})
        ),
    },
    {"version": INT, "region": STR, "identityId": STR},
)


@factory
def cognito_sync(
    *,
    dataset_name: str = "my-dataset",
    records: Mapping[str, tuple[str | None, str | None]] | None = None,
    region: str = DEFAULT_REGION,
) -> Event:
    """The legacy Cognito Sync trigger; records maps key -> (old value, new value)."""
    changes = records if records is not None else {"SampleKey1": ("oldValue1", "newValue1")}
    return {
        "version": 2,
        "eventType": "SyncTrigger",
        "region": region,
        "identityPoolId": f"{region}:{new_uuid()}",
        "identityId": f"{region}:{new_uuid()}",
        "datasetName": dataset_name,
        "datasetRecords": {
            key: {"oldValue": old, "newValue": new, "op": "replace" if new is not None
                  else "remove"}
            for key, (old, new) in changes.items()
        },
    }


register("cognito-sync", "Legacy Amazon Cognito Sync trigger", COGNITO_SYNC_SCHEMA, cognito_sync)
