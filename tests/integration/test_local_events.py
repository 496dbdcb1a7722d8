"""The local stack runs the app's event handlers as AWS would: schedules with the event
time, SQS batches with partial failures and the DLQ after five receives, S3 object events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice import Chalice
from moto import mock_aws

from local.events import EventRunner, rate_seconds

REGION = "eu-west-1"


@pytest.fixture
def sqs_and_s3() -> Iterator[dict[str, Any]]:
    with mock_aws():
        sqs, s3 = boto3.client("sqs", region_name=REGION), boto3.client("s3", region_name=REGION)
        dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        queue = sqs.create_queue(QueueName="jobs", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
            "VisibilityTimeout": "180"})["QueueUrl"]
        s3.create_bucket(Bucket="mail", CreateBucketConfiguration={
            "LocationConstraint": REGION})
        yield {"sqs": sqs, "s3": s3, "queue": queue, "dlq": dlq}


def _app(seen: dict[str, list[Any]]) -> Chalice:
    app = Chalice(app_name="events-under-test")

    @app.schedule("rate(5 minutes)")
    def sweep(event: Any) -> dict[str, str]:
        seen["sweep"].append(event.time)
        return {"swept": event.time}

    @app.on_sqs_message(queue="jobs", batch_size=10)
    def work(event: Any) -> dict[str, Any]:
        failures = []
        for record in event:
            if record.body == "poison":
                failures.append({"itemIdentifier": record.to_dict()["messageId"]})
            else:
                seen["work"].append(record.body)
        return {"batchItemFailures": failures}

    @app.on_s3_event(bucket="mail", prefix="inbound/", events=["s3:ObjectCreated:*"])
    def mail(event: Any) -> None:
        seen["mail"].append(event.key)

    return app


def test_schedules_queues_and_s3_events_reach_their_handlers(sqs_and_s3: dict[str, Any]) -> None:
    seen: dict[str, list[Any]] = {"sweep": [], "work": [], "mail": []}
    runner = EventRunner(app=_app(seen), region=REGION, sqs=sqs_and_s3["sqs"], s3=sqs_and_s3["s3"])
    runner.connect_s3_events()
    for body in ("a", "b", "poison", "c"):
        sqs_and_s3["sqs"].send_message(QueueUrl=sqs_and_s3["queue"], MessageBody=body)
    sqs_and_s3["s3"].put_object(Bucket="mail", Key="inbound/m1.eml", Body=b"Subject: hi\r\n\r\nhi")
    sqs_and_s3["s3"].put_object(Bucket="mail", Key="elsewhere/x", Body=b"not for the handler")

    result = runner.tick(datetime(2026, 11, 22, 9, 30, tzinfo=UTC))

    assert seen["sweep"] == ["2026-11-22T09:30:00Z"]
    assert result["schedules"] == {"sweep": {"swept": "2026-11-22T09:30:00Z"}}
    assert sorted(seen["work"]) == ["a", "b", "c"]  # each good message once
    assert seen["mail"] == ["inbound/m1.eml"]
    # The poison message failed alone, was received five times and now waits in the DLQ.
    dead = sqs_and_s3["sqs"].receive_message(QueueUrl=sqs_and_s3["dlq"], MaxNumberOfMessages=10,
                                      AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dead] == ["poison"]
    left = sqs_and_s3["sqs"].receive_message(QueueUrl=sqs_and_s3["queue"], MaxNumberOfMessages=10)
    assert left.get("Messages", []) == []


def test_a_handler_that_raises_sends_its_whole_batch_back(sqs_and_s3: dict[str, Any]) -> None:
    app = Chalice(app_name="crashing")
    calls: list[int] = []

    @app.on_sqs_message(queue="jobs", batch_size=10)
    def crash(event: Any) -> None:
        calls.append(len(list(event)))
        raise RuntimeError("boom")

    runner = EventRunner(app=app, region=REGION, sqs=sqs_and_s3["sqs"], s3=sqs_and_s3["s3"])
    sqs_and_s3["sqs"].send_message(QueueUrl=sqs_and_s3["queue"], MessageBody="x")
    runner.drain()
    assert len(calls) == 5  # maxReceiveCount deliveries, then the DLQ
    dead = sqs_and_s3["sqs"].receive_message(QueueUrl=sqs_and_s3["dlq"])["Messages"]
    assert [m["Body"] for m in dead] == ["x"]


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(5 minutes)", 300), ("rate(1 minute)", 60), ("rate(2 hours)", 7200),
     ("rate(1 day)", 86400)],
)
def test_rates_are_understood(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


def test_cron_schedules_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="rate"):
        rate_seconds("cron(0 8 * * ? *)")
