"""The blueprint under test: a real upload triggers it; its role may read the bucket only."""

from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, LambdaFunction

HERE = Path(__file__).parent
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


@pytest.fixture
def function():
    with LambdaFunction(
        "app.lambda_handler",
        code_dir=HERE,
        isolation="inline",
        name="s3-get-object",
        role_policy=READ_UPLOADS,
    ) as fn:
        yield fn


def test_an_upload_triggers_the_function_which_returns_the_content_type(aws, function):
    trigger = aws.bucket("uploads").notify(function, events=["s3:ObjectCreated:*"])

    aws.s3.put_object(
        Bucket="uploads", Key="photos/cat picture.png", Body=b"\x89PNG", ContentType="image/png"
    )

    assert trigger.last.assert_ok() == "image/png"
    assert "CONTENT TYPE: image/png" in trigger.last.logs
    assert trigger.events[0]["Records"][0]["s3"]["object"]["key"] == "photos/cat+picture.png"


def test_a_bucket_the_role_cannot_read_is_a_permission_error(aws, function):
    trigger = aws.bucket("other-bucket").notify(function)

    aws.s3.put_object(Bucket="other-bucket", Key="x.txt", Body=b"x")

    error = trigger.last.assert_error(ErrorKind.PERMISSION)
    assert 's3:GetObject on resource: "arn:aws:s3:::other-bucket/x.txt"' in error.message
    assert "Error getting object x.txt from bucket other-bucket" in trigger.last.logs
