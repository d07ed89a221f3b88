"""Amazon S3 event notifications (s3-put, s3-delete), S3 Batch Operations and S3 Object Lambda."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote_plus

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Variant,
    amz_id,
    factory,
    iso_ms,
    md5_hex,
    new_uuid,
    register,
    to_bytes,
    upper_hex,
)
from ._schema import ANY, ARN, INT, OBJ, STR, arr, enum, nullable, obj, records, str_map

_RECORD = obj(
    {
        "eventVersion": STR,
        "eventSource": {"const": "aws:s3"},
        "awsRegion": STR,
        "eventTime": STR,
        "eventName": STR,
        "s3": obj(
            {
                "s3SchemaVersion": STR,
                "bucket": obj({"name": STR, "arn": ARN}, {"ownerIdentity": obj()}),
                "object": obj(
                    {"key": STR},
                    {
                        "size": INT,
                        "eTag": STR,
                        "versionId": nullable(STR),
                        "sequencer": STR,
                    },
                ),
            },
            {"configurationId": STR},
        ),
    },
    {
        "userIdentity": obj({}, {"principalId": STR}),
        "requestParameters": obj({}, {"sourceIPAddress": STR}),
        "responseElements": str_map(ANY),
        "glacierEventData": OBJ,
    },
)
S3_SCHEMA = records(_RECORD)

# The object the notification factories (and s3_batch) talk about by default, and who
# put or deleted it.
_BUCKET = "amzn-s3-demo-bucket"
_KEY = "uploads/HappyFace.jpg"
_PRINCIPAL = "AWS:AIDAINPONIXQXHT3IKHL2"
_REQUESTER_IP = "198.51.100.25"


def encode_key(key: str) -> str:
    """Object keys in notifications are URL-encoded the way S3 does: spaces become '+'."""
    return quote_plus(key, safe="/")


def _sequencer(value: int | None) -> str:
    """An S3 sequencer: 18 upper-case hex digits that grow with time for one key (by
    default the clock in microseconds)."""
    return f"{time.time_ns() // 1000 if value is None else value:018X}"


def s3_record(
    *,
    event_name: str,
    bucket: str = _BUCKET,
    key: str = _KEY,
    region: str = DEFAULT_REGION,
    size: int | None = None,
    etag: str | None = None,
    version_id: str | None = None,
    sequencer: int | None = None,
    configuration_id: str | None = None,
    principal_id: str = _PRINCIPAL,
    source_ip: str = _REQUESTER_IP,
) -> Event:
    """One S3 notification record, as S3 sends it for `event_name` ("ObjectCreated:Put").

    `key` is the object key as stored (it is URL-encoded here, as S3 does); `size` and
    `etag` are left out when None (removals carry neither); `sequencer` is the number
    the sequencer shows (a bucket trigger counts its own, so that its sequencers grow
    even under a frozen clock). s3_put and s3_delete build
    their record here, and so do the `aws` fixture's bucket triggers.
    """
    obj: dict[str, Any] = {"key": encode_key(key)}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = _sequencer(sequencer)
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(),
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": upper_hex(16),
            "x-amz-id-2": amz_id(76),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id or new_uuid(),
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


@factory
def s3_put(
    *,
    bucket: str = _BUCKET,
    key: str = _KEY,
    size: int | None = None,
    etag: str | None = None,
    content: str | bytes | None = None,
    region: str = DEFAULT_REGION,
    version_id: str | None = None,
    event_name: str = "ObjectCreated:Put",
    principal_id: str = _PRINCIPAL,
    source_ip: str = _REQUESTER_IP,
) -> Event:
    """An S3 ObjectCreated notification; `content` sets size and eTag (its MD5) for you."""
    if content is not None:
        data = to_bytes(content)
        size = len(data) if size is None else size
        etag = md5_hex(data) if etag is None else etag
    size = 1024 if size is None else size
    if etag is None:
        etag = md5_hex(f"{bucket}/{key}:{size}".encode())
    record = s3_record(
        event_name=event_name,
        bucket=bucket,
        key=key,
        region=region,
        size=size,
        etag=etag,
        version_id=version_id,
        principal_id=principal_id,
        source_ip=source_ip,
    )
    return {"Records": [record]}


@factory
def s3_delete(
    *,
    bucket: str = _BUCKET,
    key: str = _KEY,
    region: str = DEFAULT_REGION,
    version_id: str | None = None,
    event_name: str = "ObjectRemoved:Delete",
    principal_id: str = _PRINCIPAL,
    source_ip: str = _REQUESTER_IP,
) -> Event:
    """An S3 ObjectRemoved notification (no size or eTag, as S3 sends it)."""
    record = s3_record(
        event_name=event_name,
        bucket=bucket,
        key=key,
        region=region,
        version_id=version_id,
        principal_id=principal_id,
        source_ip=source_ip,
    )
    return {"Records": [record]}


S3_BATCH_SCHEMA = obj(
    {
        "invocationSchemaVersion": enum("1.0", "2.0"),
        "invocationId": STR,
        "job": obj({"id": STR}, {"userArguments": nullable(str_map(ANY))}),
        "tasks": arr(
            obj(
                {"taskId": STR, "s3Key": STR},
                {"s3VersionId": nullable(STR), "s3BucketArn": ARN, "s3Bucket": STR},
            ),
            min_items=1,
        ),
    }
)


@factory
def s3_batch(
    *,
    bucket: str = _BUCKET,
    keys: list[str] | None = None,
    schema_version: str = "1.0",
    user_arguments: dict[str, str] | None = None,
    job_id: str | None = None,
) -> Event:
    """An S3 Batch Operations invocation; schema 2.0 names the bucket and carries userArguments."""
    tasks: list[Event] = []
    for key in keys or ["customerImage1.jpg"]:
        task: Event = {"taskId": amz_id(40), "s3Key": encode_key(key), "s3VersionId": None}
        if schema_version == "2.0":
            task["s3Bucket"] = bucket
        else:
            task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
        tasks.append(task)
    job: Event = {"id": job_id or new_uuid()}
    if schema_version == "2.0":
        job["userArguments"] = user_arguments or {}
    return {
        "invocationSchemaVersion": schema_version,
        "invocationId": amz_id(64),
        "job": job,
        "tasks": tasks,
    }


S3_OBJECT_LAMBDA_SCHEMA = obj(
    {
        "xAmzRequestId": STR,
        "configuration": obj(
            {"accessPointArn": ARN, "supportingAccessPointArn": ARN}, {"payload": STR}
        ),
        "userRequest": obj({"url": STR, "headers": str_map(STR)}),
        "userIdentity": obj({}, {"type": STR, "principalId": STR, "arn": STR}),
        "protocolVersion": STR,
    },
    {
        "getObjectContext": obj({"inputS3Url": STR, "outputRoute": STR, "outputToken": STR}),
        "headObjectContext": obj({"inputS3Url": STR}),
        "listObjectsContext": obj({"inputS3Url": STR}),
        "listObjectsV2Context": obj({"inputS3Url": STR}),
    },
)


@factory
def s3_object_lambda(
    *,
    key: str = "s3.txt",
    access_point: str = "my-object-lambda-ap",
    supporting_access_point: str = "my-supporting-ap",
    payload: str = "",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    user: str = "myuser",
) -> Event:
    """An S3 Object Lambda GetObject request (protocol 1.00)."""
    path = "/" + encode_key(key)
    supporting = f"{supporting_access_point}-{account}.s3-accesspoint.{region}.amazonaws.com"
    return {
        "xAmzRequestId": new_uuid(),
        "getObjectContext": {
            "inputS3Url": f"https://{supporting}{path}?X-Amz-Security-Token={amz_id(40)}",
            "outputRoute": f"io-use1-{amz_id(6).lower()}",
            "outputToken": amz_id(60),
        },
        "configuration": {
            "accessPointArn": f"arn:aws:s3-object-lambda:{region}:{account}:accesspoint/"
            f"{access_point}",
            "supportingAccessPointArn": f"arn:aws:s3:{region}:{account}:accesspoint/"
            f"{supporting_access_point}",
            "payload": payload,
        },
        "userRequest": {
            "url": f"https://{access_point}-{account}.s3-object-lambda.{region}.amazonaws.com"
            f"{path}",
            "headers": {
                "Host": f"{access_point}-{account}.s3-object-lambda.{region}.amazonaws.com",
                "Accept-Encoding": "identity",
                "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
            },
        },
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAJ45Q7YFFAREXAMPLE",
            "arn": f"arn:aws:iam::{account}:user/{user}",
            "accountId": account,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        },
        "protocolVersion": "1.00",
    }


register(
    "s3-put",
    "S3 ObjectCreated notification (one record)",
    S3_SCHEMA,
    s3_put,
    (
        Variant(
            "encoded-key",
            "object key with spaces and '+' that S3 URL-encodes",
            {"key": "photos/2024 summer/my file+1.jpg"},
        ),
        Variant(
            "versioned",
            "put into a versioned bucket",
            {"version_id": "096fKKXTRTtl3on89fVO.nfljtsv6qko"},
        ),
    ),
)
register("s3-delete", "S3 ObjectRemoved notification", S3_SCHEMA, s3_delete)
register("s3-batch", "S3 Batch Operations task invocation", S3_BATCH_SCHEMA, s3_batch, (
    Variant("v2", "invocation schema 2.0 with userArguments",
            {"schema_version": "2.0", "user_arguments": {"k1": "v1"}}),
))
register(
    "s3-object-lambda",
    "S3 Object Lambda GetObject request",
    S3_OBJECT_LAMBDA_SCHEMA,
    s3_object_lambda,
)
