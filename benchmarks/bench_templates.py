"""Per-test cost of templates: reading one (cached per file and content) and deploying a
10-resource template into moto with `aws.deploy()`.

1. `FunctionConfig.from_template(path, "Worker")`, what every test configured from a
   template pays: the first call in the process (which imports the SAM transform and
   transforms the template) and the next ones (a content hash and the function's values
   resolved).
2. `with AWS() as aws: aws.deploy(path)`, what a test with `deploy=True` pays, against
   `with AWS() as aws: pass` (the fixture alone) in the same run, turn about: the first
   deployment in the process (it imports moto's models of the template's services) and
   the next ones.

    python benchmarks/bench_templates.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_lambda import FunctionConfig  # noqa: E402
from pytest_lambda.aws import AWS  # noqa: E402
from pytest_lambda.config import INTERPRETER_RUNTIME  # noqa: E402

# Ten resources (and the function, its role and its event source mapping).
TEMPLATE = f"""\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: {INTERPRETER_RUNTIME}
    Timeout: 10
    Environment:
      Variables:
        TABLE: !Ref Orders
        BUCKET: !Ref Uploads
        QUEUE: !Ref Jobs
        TOPIC: !Ref Alerts
        SECRET: !Ref Token
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {{StreamViewType: NEW_AND_OLD_IMAGES}}
  Uploads:
    Type: AWS::S3::Bucket
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        maxReceiveCount: 3
        deadLetterTargetArn: !GetAtt DeadLetters.Arn
  DeadLetters:
    Type: AWS::SQS::Queue
  Alerts:
    Type: AWS::SNS::Topic
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: bench-bus
  Placed:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {{source: [shop]}}
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
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
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Policies:
        - DynamoDBCrudPolicy: {{TableName: !Ref Orders}}
        - SQSPollerPolicy: {{QueueName: !GetAtt Jobs.QueueName}}
      Events:
        Batch:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
"""


def timed_ms(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def summary(name: str, durations: list[float]) -> str:
    ordered = sorted(durations)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"| {name} | {statistics.median(durations):.2f} | {p90:.2f} | {len(durations)} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "template.yaml"
        path.write_text(TEMPLATE)
        (Path(directory) / "app.py").write_text("def handler(event, context):\n    return {}\n")

        def read() -> None:
            FunctionConfig.from_template(path, "Worker")

        def deploy() -> None:
            with AWS() as aws:
                aws.deploy(path)

        def fixture_alone() -> None:
            with AWS():
                pass

        first_read = timed_ms(read)
        reads = [timed_ms(read) for _ in range(rounds)]
        fixture_alone()  # moto, its server and the guard started once, as in a session
        first_deploy = timed_ms(deploy)
        deploys: list[float] = []
        bare: list[float] = []
        for _ in range(rounds):
            deploys.append(timed_ms(deploy))
            bare.append(timed_ms(fixture_alone))

    print(f"first read in the process (imports the SAM transform): {first_read:.1f} ms")
    print(f"first deployment in the process (imports moto's models): {first_deploy:.1f} ms")
    print()
    print("| per test, after the first | median ms | p90 ms | rounds |")
    print("|---|---:|---:|---:|")
    print(summary("FunctionConfig.from_template (cached read)", reads))
    print(summary("aws fixture + aws.deploy() of 10 resources", deploys))
    print(summary("aws fixture alone", bare))
    pairs = [d - b for d, b in zip(deploys, bare, strict=True)]
    print()
    print(f"deploy's own cost, median of the pairs: {statistics.median(pairs):.2f} ms")


if __name__ == "__main__":
    main()
