"""The s3-get-object blueprint: an upload triggers it; it returns the object's ContentType.

Its execution role may read the `uploads` bucket and write logs, nothing else.
"""

import pytest

from pytest_lambda import ErrorKind, events

READ_UPLOADS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::uploads/*"},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
    ],
}

pytestmark = pytest.mark.lambda_function(
    "app.lambda_handler",
    code_dir="examples/s3_get_object",
    name="s3-get-object",
    role_policy=READ_UPLOADS,
)


def test_an_upload_triggers_the_function_which_returns_the_content_type(aws, lambda_function):
    trigger = aws.bucket("uploads").notify(lambda_function, events=["s3:ObjectCreated:*"])

    aws.s3.put_object(
        Bucket="uploads", Key="photos/cat picture.png", Body=b"\x89PNG", ContentType="image/png"
    )

    assert trigger.last.assert_ok() == "image/png"
    assert "CONTENT TYPE: image/png" in trigger.last.logs
    assert trigger.events[0]["Records"][0]["s3"]["object"]["key"] == "photos/cat+picture.png"


def test_invoked_with_an_s3_put_event(aws, lambda_invoke):
    aws.bucket("uploads").put("docs/q1.pdf", b"%PDF-1.7", ContentType="application/pdf")

    invocation = lambda_invoke(events.s3_put(bucket="uploads", key="docs/q1.pdf"))

    assert invocation.assert_ok() == "application/pdf"


def test_a_missing_object_fails_with_the_blueprints_message(aws, lambda_invoke):
    aws.bucket("uploads")

    invocation = lambda_invoke(events.s3_put(bucket="uploads", key="gone.txt"))

    # botocore raises its modeled exception, and Lambda reports the class name.
    error = invocation.assert_error("NoSuchKey")
    assert "when calling the GetObject operation: The specified key does not exist" in error.message
    assert "Error getting object gone.txt from bucket uploads" in invocation.logs


def test_a_bucket_the_role_cannot_read_is_a_permission_error(aws, lambda_function):
    trigger = aws.bucket("other-bucket").notify(lambda_function)

    aws.s3.put_object(Bucket="other-bucket", Key="x.txt", Body=b"x")

    error = trigger.last.assert_error(ErrorKind.PERMISSION)
    assert 's3:GetObject on resource: "arn:aws:s3:::other-bucket/x.txt"' in error.message
    assert "Error getting object x.txt from bucket other-bucket" in trigger.last.logs
