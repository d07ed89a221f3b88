"""sam-app, tested from its template alone: no handler string, code directory, variable
or policy is repeated here. The template's table, bucket and queue are deployed into moto
(`deploy=True`, or `aws.deploy()`), its events are wired, its layer is importable and its
role's policy templates are enforced."""

import json

import pytest

from pytest_lambda import events

# The template says python3.12; on another interpreter pytest-lambda says so once per
# function (RuntimeVersionWarning). The behaviour these tests check is the same.
pytestmark = pytest.mark.filterwarnings("ignore::pytest_lambda.RuntimeVersionWarning")


def hello(name):
    return events.apigateway_rest(method="GET", path="/hello", query={"name": name})


@pytest.mark.lambda_function("HelloWorldFunction", deploy=True)
def test_hello_greets_from_the_layer_and_counts_visits(aws, lambda_invoke):
    first = lambda_invoke(hello("sam"))
    second = lambda_invoke(hello("sam"))

    assert json.loads(first.assert_ok()["body"]) == {"message": "hello sam", "visits": 1}
    assert json.loads(second.assert_ok()["body"])["visits"] == 2
    table = aws.stacks[0].table("VisitsTable")
    assert table.get(id="sam")["visits"] == 2
    assert first.memory_size_mb == 256  # Globals


@pytest.mark.lambda_function("HelloWorldFunction", deploy=True)
def test_the_project_event_file(lambda_invoke):
    with open("examples/sam_app/events/event.json") as f:
        event = json.load(f)

    assert lambda_invoke(event).assert_ok()["statusCode"] == 200


def test_an_upload_under_incoming_is_recorded(aws):
    stack = aws.deploy()
    bucket = stack.bucket("UploadsBucket")

    bucket.put("incoming/report.csv", "a,b\n1,2\n")
    bucket.put("elsewhere/ignored.txt", "x")

    upload = stack.trigger("Upload")
    assert len(upload.invocations) == 1
    assert upload.last.assert_ok() == {"recorded": 1}
    assert stack.table("VisitsTable").get(id="upload:incoming/report.csv")["size"] == 8
    assert bucket.name == "local-uploads-123456789012"


def test_a_job_that_is_not_json_fails_alone(aws):
    stack = aws.deploy()
    queue = stack.queue("JobsQueue")

    queue.send({"job": 1})
    bad = queue.send("not json")

    jobs = stack.trigger("Jobs")
    assert jobs.last.assert_ok() == {"batchItemFailures": [{"itemIdentifier": bad}]}
    # The failed message stays in the queue, invisible until its visibility timeout ends.
    assert queue.attribute("ApproximateNumberOfMessagesNotVisible") == "1"


def test_a_function_of_the_stack_takes_a_hand_made_event_too(aws):
    stack = aws.deploy()
    event = events.s3_put(bucket=stack.physical_id("UploadsBucket"), key="incoming/a b.txt")

    assert stack.function("UploadFunction").invoke(event).assert_ok() == {"recorded": 1}
    assert stack.table("VisitsTable").get(id="upload:incoming/a b.txt") is not None
