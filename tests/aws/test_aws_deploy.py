"""aws.deploy(): a template's resources in the mocked account under the names its
references resolve to, its functions configured from it and its event sources wired."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, FunctionConfig, HarnessError
from pytest_lambda.aws import AWS
from pytest_lambda.config import INTERPRETER_RUNTIME, Isolation
from pytest_lambda.notices import TemplateWarning

APP = """\
import json
import os

import boto3


def echo(event, context):
    return event


def read_item(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    return table.get_item(Key={"pk": event["pk"]}).get("Item")


def write_item(event, context):
    boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item={"pk": event["pk"]})
    return "written"


def settings(event, context):
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET"])
    parameter = boto3.client("ssm").get_parameter(Name=os.environ["PARAM"])
    return {"secret": secret["SecretString"], "parameter": parameter["Parameter"]["Value"]}


def partial(event, context):
    return {
        "batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"
        ]
    }
"""

TEMPLATE = f"""\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: {INTERPRETER_RUNTIME}
    CodeUri: src/
    Timeout: 10
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {{AttributeName: pk, AttributeType: S}}
        - {{AttributeName: status, AttributeType: S}}
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      BillingMode: PAY_PER_REQUEST
      GlobalSecondaryIndexes:
        - IndexName: by-status
          KeySchema: [{{AttributeName: status, KeyType: HASH}}]
          Projection: {{ProjectionType: ALL}}
      StreamSpecification: {{StreamViewType: NEW_AND_OLD_IMAGES}}
  Uploads:
    Type: AWS::S3::Bucket
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        maxReceiveCount: 3
        deadLetterTargetArn: !GetAtt DeadLetters.Arn
  DeadLetters:
    Type: AWS::SQS::Queue
  Ordered:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Alerts:
    Type: AWS::SNS::Topic
  AlertsToDeadLetters:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: sqs
      Endpoint: !GetAtt DeadLetters.Arn
      RawMessageDelivery: true
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: orders-bus
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /app/setting
      Type: String
      Value: "on"
  Token:
    Type: AWS::SecretsManager::Secret
    Properties:
      SecretString: s3cr3t
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.read_item
      Environment:
        Variables:
          TABLE: !Ref Orders
      Policies:
        - DynamoDBReadPolicy: {{TableName: !Ref Orders}}
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.write_item
      Environment:
        Variables:
          TABLE: !Ref Orders
      Policies:
        - DynamoDBReadPolicy: {{TableName: !Ref Orders}}
  Settings:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.settings
      Environment:
        Variables:
          SECRET: !Ref Token
          PARAM: !Ref Setting
      Policies:
        - AWSSecretsManagerGetSecretValuePolicy: {{SecretArn: !Ref Token}}
        - SSMParameterReadPolicy: {{ParameterName: app/setting}}
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules: [{{Name: prefix, Value: incoming/}}]
  OnJob:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.partial
      Events:
        Batch:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  OnChange:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Change:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
  OnClick:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Click:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: LATEST
            BatchSize: 10
  OnAlert:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Alert:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            FilterPolicy:
              level: [high]
  OnOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern:
              source: [shop]
  Nightly:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
        Cleanup:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 hour)
            Input: '{{"job": "cleanup"}}'
Outputs:
  OrdersTable:
    Value: !Ref Orders
  Endpoint:
    Value: !Sub "https://${{ServerlessRestApiNotHere}}.example.com"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A SAM project: template.yaml and src/app.py."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


def test_the_template_resources_are_created_under_the_names_references_give(
    aws: AWS, project: Path
) -> None:
    stack = aws.deploy(project)
    reader = FunctionConfig.from_template(project, "Reader")
    table = stack.physical_id("Orders")
    assert reader.env["TABLE"] == table
    assert table.startswith("local-Orders-")
    description = aws.dynamodb.describe_table(TableName=table)["Table"]
    assert [i["IndexName"] for i in description["GlobalSecondaryIndexes"]] == ["by-status"]
    assert description["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert description["LatestStreamArn"] == stack.template.get_att("Orders", "StreamArn", _where())
    assert aws.s3.head_bucket(Bucket=stack.physical_id("Uploads"))
    jobs = stack.queue("Jobs")
    redrive = json.loads(jobs.attribute("RedrivePolicy"))
    assert redrive["deadLetterTargetArn"] == stack.arn("DeadLetters")
    assert stack.queue("Ordered").name.endswith(".fifo")
    assert stack.arn("Alerts") in [t["TopicArn"] for t in aws.sns.list_topics()["Topics"]]
    assert aws.events.describe_event_bus(Name="orders-bus")["Name"] == "orders-bus"
    assert aws.ssm.get_parameter(Name="/app/setting")["Parameter"]["Value"] == "on"
    secret = aws.secretsmanager.get_secret_value(SecretId=stack.physical_id("Token"))
    assert secret["SecretString"] == "s3cr3t"
    assert stack.stream("Clicks").arn == stack.arn("Clicks")
    assert stack["Orders"].type == "AWS::DynamoDB::Table"
    assert "Reader" in stack and "ReaderRole" in stack
    # An output that names what the harness does not create is left out.
    assert stack.outputs == {"OrdersTable": table}


def _where():  # type: ignore[no-untyped-def]
    from pytest_lambda.template import Where

    return Where("template.yaml", None, "test")


def test_a_function_reads_the_table_its_template_names(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    stack.table("Orders").put({"pk": "1", "status": "new"})
    result = stack.function("Reader").invoke({"pk": "1"}).assert_ok()
    assert result == {"pk": "1", "status": "new"}


def test_the_roles_policy_templates_are_enforced(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    error = stack.function("Writer").invoke({"pk": "2"}).assert_error(ErrorKind.PERMISSION)
    assert "dynamodb:PutItem" in error.message
    assert stack.table("Orders").get(pk="2") is None


def test_secrets_and_parameters_reach_the_handler(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    result = stack.function("Settings").invoke({}).assert_ok()
    assert result == {"secret": "s3cr3t", "parameter": "on"}


def test_an_object_put_in_the_bucket_invokes_the_function(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    bucket = stack.bucket("Uploads")
    bucket.put("elsewhere/a.txt", "x")
    bucket.put("incoming/b.txt", "y")
    trigger = stack.trigger("Upload")
    assert len(trigger.invocations) == 1
    record = trigger.last.assert_ok()["Records"][0]
    assert record["s3"]["object"]["key"] == "incoming/b.txt"
    assert record["s3"]["bucket"]["name"] == bucket.name


def test_queue_messages_reach_the_function_in_batches_with_partial_failures(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    queue = stack.queue("Jobs")
    for body in ("ok-1", "bad", "ok-2"):
        queue.send(body)
    trigger = stack.trigger("OnJob.Batch")
    bodies = [r["body"] for event in trigger.events for r in event["Records"]]
    assert sorted(bodies) == ["bad", "ok-1", "ok-2"]
    assert len(trigger.failed_message_ids) == 1  # type: ignore[attr-defined]


def test_table_writes_reach_the_stream_function(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    stack.table("Orders").put({"pk": "9", "status": "new"})
    record = stack.trigger("Change").last.assert_ok()["Records"][0]
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"]["pk"] == {"S": "9"}
    assert record["eventSourceARN"] == stack.template.get_att("Orders", "StreamArn", _where())


def test_kinesis_records_reach_the_stream_function(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    stack.stream("Clicks").put(json.dumps({"page": "home"}), partition_key="p")
    event = stack.trigger("Click").last.assert_ok()
    record = event["Records"][0]
    assert record["eventSourceARN"] == stack.arn("Clicks")
    assert record["kinesis"]["partitionKey"] == "p"


def test_sns_filter_policy_from_the_template(aws: AWS, project: Path, isolation: Isolation) -> None:
    stack = aws.deploy(project, isolation=isolation)
    topic = stack.topic("Alerts")
    attributes = {"level": {"DataType": "String", "StringValue": "low"}}
    topic.publish("ignored", MessageAttributes=attributes)
    attributes["level"]["StringValue"] = "high"
    topic.publish("wake up", MessageAttributes=attributes)
    trigger = stack.trigger("Alert")
    assert [e["Records"][0]["Sns"]["Message"] for e in trigger.events] == ["wake up"]


def test_a_rule_on_the_templates_bus_invokes_its_function(
    aws: AWS, project: Path, isolation: Isolation
) -> None:
    stack = aws.deploy(project, isolation=isolation)
    entry = {"EventBusName": "orders-bus", "DetailType": "placed", "Detail": "{}"}
    aws.events.put_events(Entries=[{**entry, "Source": "shop"}, {**entry, "Source": "other"}])
    trigger = stack.trigger("Placed")
    assert [e["source"] for e in trigger.events] == ["shop"]


def test_a_schedule_fires_when_the_test_says(aws: AWS, project: Path) -> None:
    stack = aws.deploy(project, isolation="inline")
    trigger = stack.trigger("Tick")
    assert trigger.invocations == []
    event = trigger.fire().assert_ok()  # type: ignore[attr-defined]
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [trigger.source_arn]
    scheduler = stack.trigger("Nightly.Cleanup")
    assert scheduler.fire().assert_ok() == {"job": "cleanup"}  # type: ignore[attr-defined]


def test_a_subscription_of_a_queue_to_a_topic(aws: AWS, project: Path) -> None:
    stack = aws.deploy(project)
    stack.topic("Alerts").publish("to the queue")
    messages = aws.sqs.receive_message(QueueUrl=stack.physical_id("DeadLetters"))["Messages"]
    assert [m["Body"] for m in messages] == ["to the queue"]


def test_deploying_again_gives_the_same_stack(aws: AWS, project: Path) -> None:
    assert aws.deploy(project) is aws.deploy(str(project))


def test_a_second_stack_of_the_same_name_is_refused(
    aws: AWS, project: Path, tmp_path: Path
) -> None:
    aws.deploy(project)
    other = tmp_path / "other.yaml"
    other.write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    with pytest.raises(HarnessError, match="a stack named 'local' is already deployed"):
        aws.deploy(other)
    second = aws.deploy(other, parameter_overrides={"AWS::StackName": "other"})
    assert second.physical_id("Q").rsplit("/", 1)[-1].startswith("other-Q-")


def test_the_stack_names_what_it_lacks(aws: AWS, project: Path) -> None:
    stack = aws.deploy(project)
    with pytest.raises(KeyError, match="has no 'Order'; did you mean 'Orders'"):
        stack["Order"]
    with pytest.raises(HarnessError, match="'Uploads' of stack 'local' is a AWS::S3::Bucket"):
        stack.table("Uploads")
    with pytest.raises(HarnessError, match="has no 'Readr'; did you mean 'Reader'"):
        stack.function("Readr")


def test_what_is_not_deployed_is_said(aws: AWS, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return e\n")
    path = tmp_path / "template.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Pool:
                Type: AWS::Cognito::UserPool
              Node:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: index.handler
                  Runtime: nodejs20.x
              Py:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: app.handler
                  Runtime: {INTERPRETER_RUNTIME}
                  Events:
                    Iot:
                      Type: IoTRule
                      Properties:
                        Sql: SELECT * FROM 'topic'
            """
        )
    )
    with pytest.warns(TemplateWarning) as warned:
        stack = aws.deploy(path)
    messages = " | ".join(str(w.message) for w in warned)
    assert "resource 'Pool', property Type: AWS::Cognito::UserPool is not deployed" in messages
    assert "resource 'Node', property Runtime: not deployed: its runtime 'nodejs20.x'" in messages
    assert "resource 'Py', property Events.Iot: a IoTRule event is not wired" in messages
    assert list(stack.functions) == ["Py"]


def test_deploy_without_a_template_says_how_to_give_one(
    aws: AWS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(HarnessError, match="aws.deploy\\(\\) found no template"):
        aws.deploy()
