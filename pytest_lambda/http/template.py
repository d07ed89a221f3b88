"""A template's front doors, read from the template as AWS deploys it (after the SAM
transform): `AWS::ApiGateway::RestApi` and `AWS::ApiGatewayV2::Api` with their OpenAPI
`Body` (routes, `x-amazon-apigateway-integration`, authorizers, binary media types,
CORS) and their `Stage`s (name, variables, throttling); `AWS::Lambda::Url`; ALB
listeners, listener rules and Lambda target groups.

The transformed template is read rather than SAM's `Events`: it is what API Gateway
receives, so implicit APIs (ServerlessRestApi, stage Prod; ServerlessHttpApi, stage
$default), SAM's CORS preflight mocks, default authorizers and the authorizer settings
come out as AWS makes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..function import LambdaFunction
from ..template import Template, Where, function_ids, referenced_id
from .alb import LoadBalancer, TargetGroup
from .apigateway import HttpApi, MockIntegration, RestApi, Route
from .authorizers import Authorizer, JwtAuthorizer, LambdaAuthorizer
from .client import FrontDoor
from .cors import Cors
from .function_url import FunctionUrl

_FUNCTION_IN_URI = re.compile(r"functions/(arn:[^/]+)/invocations")
_METHOD_NAMES = {"x-amazon-apigateway-any-method": "ANY"}


def front_doors(
    template: Template,
    functions: Mapping[str, LambdaFunction],
    *,
    integration_timeout_s: float | None = None,
) -> list[FrontDoor]:
    """Every front door of the template, its routes going to `functions` (by logical id)."""
    reader = _Reader(template, functions, integration_timeout_s)
    doors: list[FrontDoor] = []
    for logical_id in template.of_type("AWS::ApiGateway::RestApi"):
        door = reader.rest_api(logical_id)
        if door is not None:
            doors.append(door)
    for logical_id in template.of_type("AWS::ApiGatewayV2::Api"):
        http = reader.http_api(logical_id)
        if http is not None:
            doors.append(http)
    for logical_id in template.of_type("AWS::Lambda::Url"):
        url = reader.function_url(logical_id)
        if url is not None:
            doors.append(url)
    doors.extend(reader.load_balancers())
    return doors


class _Reader:
    def __init__(
        self,
        template: Template,
        functions: Mapping[str, LambdaFunction],
        integration_timeout_s: float | None,
    ) -> None:
        self.template = template
        self.functions = functions
        self.timeout = integration_timeout_s
        self.by_arn: dict[str, LambdaFunction] = {}
        for logical_id, function in functions.items():
            self.by_arn[function.config.function_arn] = function
            self.by_arn[function.name] = function
            self.by_arn[logical_id] = function
        self.authorizer_functions: dict[str, LambdaAuthorizer] = {}

    def where(self, logical_id: str, prop: str) -> Where:
        return Where(self.template.shown, logical_id, prop)

    def warn(self, logical_id: str, prop: str, message: str) -> None:
        self.template.warn_once(logical_id, prop, message)

    def _function_of_uri(self, uri: Any, logical_id: str, prop: str) -> LambdaFunction | None:
        resolved = self.template.resolve(uri, self.where(logical_id, prop))
        found = _FUNCTION_IN_URI.search(str(resolved))
        # An alias or version after the name (:live) still invokes that function.
        arn = ":".join(found.group(1).split(":")[:7]) if found else ""
        function = self.by_arn.get(arn)
        if function is None:
            self.warn(
                logical_id,
                prop,
                f"not served: {resolved!r} is not a Python function of the template",
            )
        return function

    def _stage(self, stage_type: str, api_property: str, api_id: str) -> tuple[str | None, str]:
        for stage_id, resource in self.template.of_type(stage_type).items():
            if referenced_id((resource.get("Properties") or {}).get(api_property)) == api_id:
                return stage_id, str(self.template.prop(stage_id, "StageName"))
        return None, ""

    # -- REST APIs ------------------------------------------------------------------------

    def rest_api(self, logical_id: str) -> RestApi | None:
        template = self.template
        body = template.prop(logical_id, "Body")
        if not isinstance(body, Mapping):
            self.warn(
                logical_id,
                "Body",
                "not served: only APIs whose OpenAPI definition is in the template (SAM "
                "events, DefinitionBody) are read",
            )
            return None
        stage_id, stage = self._stage("AWS::ApiGateway::Stage", "RestApiId", logical_id)
        variables: dict[str, str] = {}
        throttle = None
        if stage_id is not None:
            variables = {k: str(v) for k, v in (template.prop(stage_id, "Variables") or {}).items()}
            for setting in template.prop(stage_id, "MethodSettings") or []:
                if setting.get("ThrottlingBurstLimit") is not None:
                    throttle = (
                        float(setting.get("ThrottlingRateLimit") or 0),
                        int(setting["ThrottlingBurstLimit"]),
                    )
        if not stage:
            stage = "Prod"
        authorizers = self._rest_authorizers(logical_id, body.get("securityDefinitions") or {})
        default_authorizer = None
        routes: dict[str, Route] = {}
        for path, operations in (body.get("paths") or {}).items():
            for method, operation in (operations or {}).items():
                route = self._route(logical_id, path, method, operation, authorizers)
                if route is not None:
                    routes[f"{_METHOD_NAMES.get(method, method.upper())} {path}"] = route
        binary = body.get("x-amazon-apigateway-binary-media-types") or [
            str(t).replace("~1", "/") for t in template.prop(logical_id, "BinaryMediaTypes") or []
        ]
        api_id = str(template.ref(logical_id, self.where(logical_id, "Ref")))
        return RestApi(
            routes,
            name=logical_id,
            stage=stage,
            stage_variables=variables,
            authorizers=authorizers,
            default_authorizer=default_authorizer,
            binary_media_types=list(binary),
            integration_timeout_s=self.timeout or 29.0,
            throttle=throttle,
            api_id=api_id,
            region=template.region,
            account=template.account_id,
        )

    def _route(
        self,
        api_id: str,
        path: str,
        method: str,
        operation: Any,
        authorizers: Mapping[str, Authorizer],
    ) -> Route | None:
        if not isinstance(operation, Mapping):
            return None
        integration = operation.get("x-amazon-apigateway-integration")
        if not isinstance(integration, Mapping):
            return None
        security = operation.get("security")
        authorizer: str | None = "NONE"
        scopes: list[str] = []
        if isinstance(security, list):
            for requirement in security:
                if isinstance(requirement, Mapping):
                    for name, wanted in requirement.items():
                        if name in authorizers:
                            authorizer = name
                            scopes = list(wanted or [])
        kind = str(integration.get("type", "")).lower()
        if kind == "mock":
            return Route(None, authorizer=authorizer, mock=_mock(integration))
        if kind != "aws_proxy":
            self.warn(
                api_id,
                f"Body.paths.{path}.{method}",
                f"not served: a {kind or 'missing'} integration (only Lambda proxy and mock "
                "integrations are)",
            )
            return None
        function = self._function_of_uri(
            integration.get("uri"), api_id, f"Body.paths.{path}.{method}"
        )
        if function is None:
            return None
        timeout = integration.get("timeoutInMillis")
        fmt = integration.get("payloadFormatVersion")
        return Route(
            function,
            authorizer=authorizer,
            scopes=scopes,
            payload_format=fmt if fmt in ("1.0", "2.0") else None,
            integration_timeout_s=(
                self.timeout or (int(timeout) / 1000 if timeout is not None else None)
            ),
        )

    def _rest_authorizers(
        self, api_id: str, definitions: Mapping[str, Any]
    ) -> dict[str, Authorizer]:
        found: dict[str, Authorizer] = {}
        for name, definition in definitions.items():
            config = definition.get("x-amazon-apigateway-authorizer")
            if not isinstance(config, Mapping):
                continue
            kind = str(config.get("type", "")).lower()
            if kind == "cognito_user_pools":
                found[name] = JwtAuthorizer(
                    issuer=self._cognito_issuer(api_id, config.get("providerARNs")),
                    identity_source=str(
                        config.get("identitySource")
                        or f"method.request.header.{definition.get('name', 'Authorization')}"
                    ),
                    cognito=True,
                    name=name,
                )
                continue
            function = self._function_of_uri(
                config.get("authorizerUri"), api_id, f"Body.securityDefinitions.{name}"
            )
            if function is None:
                continue
            ttl = int(config.get("authorizerResultTtlInSeconds", 300))
            if kind == "token":
                header = definition.get("name") or "Authorization"
                found[name] = LambdaAuthorizer(
                    function,
                    type="TOKEN",
                    identity_source=f"method.request.header.{header}",
                    ttl_s=ttl,
                    token_validation=config.get("identityValidationExpression"),
                    name=name,
                )
            else:
                sources = [
                    s.strip()
                    for s in str(config.get("identitySource") or "").split(",")
                    if s.strip()
                ]
                found[name] = LambdaAuthorizer(
                    function, type="REQUEST", identity_source=sources, ttl_s=ttl, name=name
                )
        return found

    def _cognito_issuer(self, api_id: str, arns: Any) -> str:
        region = self.template.region
        raw = arns[0] if isinstance(arns, list) and arns else arns
        pool = referenced_id(raw)
        if pool is not None and pool in self.template.resources:
            # The pool is not deployed: its id is made up, the same every time.
            return f"https://cognito-idp.{region}.amazonaws.com/{region}_{pool}"
        arn = str(self.template.resolve(raw, self.where(api_id, "providerARNs")))
        return f"https://cognito-idp.{region}.amazonaws.com/{arn.rsplit('/', 1)[-1]}"

    # -- HTTP APIs ------------------------------------------------------------------------

    def http_api(self, logical_id: str) -> HttpApi | None:
        template = self.template
        body = template.prop(logical_id, "Body")
        target = template.prop(logical_id, "Target")
        if not isinstance(body, Mapping) and target is None:
            self.warn(
                logical_id,
                "Body",
                "not served: only APIs whose OpenAPI definition is in the template (SAM "
                "events, DefinitionBody) or quick-create APIs (Target) are read",
            )
            return None
        stage_id, stage = self._stage("AWS::ApiGatewayV2::Stage", "ApiId", logical_id)
        variables: dict[str, str] = {}
        throttle = None
        if stage_id is not None:
            variables = {
                k: str(v) for k, v in (template.prop(stage_id, "StageVariables") or {}).items()
            }
            settings = template.prop(stage_id, "DefaultRouteSettings") or {}
            if settings.get("ThrottlingBurstLimit") is not None:
                throttle = (
                    float(settings.get("ThrottlingRateLimit") or 0),
                    int(settings["ThrottlingBurstLimit"]),
                )
        routes: dict[str, Route] = {}
        authorizers: dict[str, Authorizer] = {}
        cors = None
        if isinstance(body, Mapping):
            schemes = (body.get("components") or {}).get("securitySchemes") or {}
            authorizers = self._http_authorizers(logical_id, schemes)
            for path, operations in (body.get("paths") or {}).items():
                for method, operation in (operations or {}).items():
                    route = self._route(logical_id, path, method, operation, authorizers)
                    if route is None:
                        continue
                    key = (
                        "$default"
                        if path == "$default"
                        else (f"{_METHOD_NAMES.get(method, method.upper())} {path}")
                    )
                    routes[key] = route
            cors = _cors(body.get("x-amazon-apigateway-cors"), lower=True)
        else:
            function = self.by_arn.get(str(target)) or self._function_of_uri(
                f"functions/{target}/invocations", logical_id, "Target"
            )
            if function is not None:
                routes["$default"] = Route(function)
        cors = _cors(template.prop(logical_id, "CorsConfiguration"), lower=False) or cors
        api_id = str(template.ref(logical_id, self.where(logical_id, "Ref")))
        return HttpApi(
            routes,
            name=logical_id,
            stage=stage or "$default",
            stage_variables=variables,
            cors=cors,
            authorizers=authorizers,
            integration_timeout_s=self.timeout or 30.0,
            throttle=throttle,
            api_id=api_id,
            region=template.region,
            account=template.account_id,
        )

    def _http_authorizers(self, api_id: str, schemes: Mapping[str, Any]) -> dict[str, Authorizer]:
        found: dict[str, Authorizer] = {}
        for name, scheme in schemes.items():
            config = scheme.get("x-amazon-apigateway-authorizer")
            if not isinstance(config, Mapping):
                continue
            kind = str(config.get("type", "")).lower()
            source = config.get("identitySource")
            if kind == "jwt":
                jwt_config = config.get("jwtConfiguration") or {}
                found[name] = JwtAuthorizer(
                    issuer=str(jwt_config.get("issuer")),
                    audience=list(jwt_config.get("audience") or []),
                    identity_source=str(source or "$request.header.Authorization"),
                    name=name,
                )
                continue
            function = self._function_of_uri(
                config.get("authorizerUri"), api_id, f"Body.components.securitySchemes.{name}"
            )
            if function is None:
                continue
            sources = (
                source
                if isinstance(source, list)
                else [s.strip() for s in str(source or "").split(",") if s.strip()]
            )
            fmt = str(config.get("authorizerPayloadFormatVersion") or "2.0")
            found[name] = LambdaAuthorizer(
                function,
                type="REQUEST",
                identity_source=sources,
                ttl_s=int(config.get("authorizerResultTtlInSeconds", 0)),
                payload_format="1.0" if fmt == "1.0" else "2.0",
                simple_responses=bool(config.get("enableSimpleResponses")),
                name=name,
            )
        return found

    # -- function URLs ----------------------------------------------------------------------

    def function_url(self, logical_id: str) -> FunctionUrl | None:
        template = self.template
        properties = template.properties(logical_id)
        raw = properties.get("TargetFunctionArn")
        function = self.functions.get(referenced_id(raw) or "")
        if function is None:
            resolved = template.resolve(raw, self.where(logical_id, "TargetFunctionArn"))
            function = self.by_arn.get(str(resolved))
        if function is None:
            self.warn(
                logical_id, "TargetFunctionArn", "not served: not a Python function of the template"
            )
            return None
        if properties.get("Qualifier") is not None:
            self.warn(logical_id, "Qualifier", "not honoured: the URL invokes $LATEST")
        auth = str(template.prop(logical_id, "AuthType") or "NONE")
        return FunctionUrl(
            function,
            auth_type="AWS_IAM" if auth == "AWS_IAM" else "NONE",
            cors=_cors(template.prop(logical_id, "Cors"), lower=False),
            name=logical_id,
        )

    # -- load balancers ---------------------------------------------------------------------

    def load_balancers(self) -> list[LoadBalancer]:
        template = self.template
        groups: dict[str, TargetGroup] = {}
        for group_id in template.of_type("AWS::ElasticLoadBalancingV2::TargetGroup"):
            if str(template.prop(group_id, "TargetType") or "").lower() != "lambda":
                continue
            targets = template.properties(group_id).get("Targets") or []
            function = None
            for index, target in enumerate(targets):
                raw = target.get("Id") if isinstance(target, Mapping) else None
                function = self.functions.get(referenced_id(raw) or "")
                if function is None:
                    resolved = template.resolve(raw, self.where(group_id, f"Targets[{index}].Id"))
                    function = self.by_arn.get(str(resolved).rsplit(":", 1)[0]) or self.by_arn.get(
                        str(resolved)
                    )
            if function is None:
                self.warn(group_id, "Targets", "not served: no Python function of the template")
                continue
            attributes = template.prop(group_id, "TargetGroupAttributes") or []
            multi = any(
                a.get("Key") == "lambda.multi_value_headers.enabled"
                and str(a.get("Value")).lower() == "true"
                for a in attributes
            )
            groups[group_id] = TargetGroup(function, multi, name=group_id)
        if not groups:
            return []
        listeners: dict[str, list[str]] = {}
        defaults: dict[str, TargetGroup] = {}
        for listener_id, resource in template.of_type(
            "AWS::ElasticLoadBalancingV2::Listener"
        ).items():
            properties = resource.get("Properties") or {}
            balancer = referenced_id(properties.get("LoadBalancerArn")) or listener_id
            listeners.setdefault(balancer, []).append(listener_id)
            for action in properties.get("DefaultActions") or []:
                group = groups.get(referenced_id(action.get("TargetGroupArn")) or "")
                if group is not None:
                    defaults[listener_id] = group
        rules: dict[str, list[tuple[int, str, TargetGroup]]] = {}
        for rule_id, resource in template.of_type(
            "AWS::ElasticLoadBalancingV2::ListenerRule"
        ).items():
            properties = resource.get("Properties") or {}
            listener = referenced_id(properties.get("ListenerArn")) or ""
            for action in properties.get("Actions") or []:
                group = groups.get(referenced_id(action.get("TargetGroupArn")) or "")
                if group is None:
                    continue
                resolved = template.resolve(
                    properties.get("Conditions") or [], self.where(rule_id, "Conditions")
                )
                key = _rule_key(resolved)
                priority = int(template.prop(rule_id, "Priority") or 0)
                rules.setdefault(listener, []).append((priority, key, group))
        balancers: list[LoadBalancer] = []
        for balancer_id, listener_ids in listeners.items():
            mapping: dict[str, TargetGroup] = {}
            default = None
            for listener_id in listener_ids:
                for _priority, key, group in sorted(rules.get(listener_id, []), key=lambda r: r[0]):
                    mapping[key] = group
                default = default or defaults.get(listener_id)
            balancers.append(
                LoadBalancer(mapping, default=default, name=balancer_id, region=template.region)
            )
        if not balancers:
            for group_id, group in groups.items():
                balancers.append(LoadBalancer(group, name=group_id, region=template.region))
        return balancers


def _rule_key(conditions: Any) -> str:
    patterns: list[str] = []
    methods: list[str] = []
    for condition in conditions or []:
        field = condition.get("Field")
        if field == "path-pattern":
            values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get(
                "Values"
            )
            patterns.extend(values or [])
        elif field == "http-request-method":
            methods.extend((condition.get("HttpRequestMethodConfig") or {}).get("Values") or [])
    key = ",".join(patterns) or "*"
    return f"{','.join(methods)} {key}" if methods else key


def _mock(integration: Mapping[str, Any]) -> MockIntegration:
    responses = integration.get("responses") or {}
    default = responses.get("default") or {}
    status = int(default.get("statusCode", 200))
    headers = [("Content-Type", "application/json")]
    for name, value in (default.get("responseParameters") or {}).items():
        prefix = "method.response.header."
        if str(name).startswith(prefix):
            headers.append((str(name)[len(prefix) :], str(value).strip("'")))
    templates = default.get("responseTemplates") or {}
    body = str(templates.get("application/json", "")).encode()
    return MockIntegration(status, tuple(headers), body)


def _cors(raw: Any, *, lower: bool) -> Cors | None:
    """An HTTP API's x-amazon-apigateway-cors / CorsConfiguration, or a URL's Cors."""
    if not isinstance(raw, Mapping):
        return None

    def get(name: str) -> Any:
        key = name[0].lower() + name[1:] if lower else name
        return raw.get(key, raw.get(name))

    def listed(name: str) -> list[str]:
        value = get(name)
        return [str(v) for v in value] if isinstance(value, list) else []

    max_age = get("MaxAge")
    return Cors(
        allow_origins=listed("AllowOrigins"),
        allow_methods=listed("AllowMethods"),
        allow_headers=listed("AllowHeaders"),
        expose_headers=listed("ExposeHeaders"),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=str(get("AllowCredentials")).lower() == "true",
    )


def functions_of_template(
    template: Template, overrides: Mapping[str, Any] | None = None, parameter_overrides: Any = None
) -> dict[str, LambdaFunction]:
    """Each Python function of the template, configured from it (without deploying)."""
    found: dict[str, LambdaFunction] = {}
    for logical_id in function_ids(template):
        runtime = template.prop(logical_id, "Runtime")
        if isinstance(runtime, str) and not runtime.startswith("python3."):
            continue
        found[logical_id] = LambdaFunction.from_template(
            template.path,
            logical_id,
            parameter_overrides=parameter_overrides,
            **dict(overrides or {}),
        )
    return found
