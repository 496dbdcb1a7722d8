"""``make redrive``: move the DLQs' messages back to their queues (notifications, and the
inbound mail queue).

    python scripts/redrive.py                 the running local stack (make run)
    python scripts/redrive.py --stage dev     a real account (AWS credentials from the usual
                                              places; queue names from .chalice/config.json)

Each message is sent to the queue with its body and attributes, then deleted from the
DLQ; a message that fails again returns to the DLQ after five more receives. The
consumers make a moved message safe to handle again: the notifications consumer by its
delivery records, the inbound one by the Message-ID claimed with each mail's effect.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

# As every client of the app (chalicelib/store/clients.py): botocore's standard retries.
STANDARD_RETRIES = Config(retries={"mode": "standard"})
ROOT = Path(__file__).resolve().parent.parent
LOCAL_ENDPOINT = Path(os.environ.get("HELPDESK_STATE_DIR", ROOT / ".local")) / "endpoint.json"


def _names(stage: str) -> list[tuple[str, str]]:
    """(queue, its DLQ) of every consumer."""
    env = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage][
        "environment_variables"]
    return [(env["NOTIFICATIONS_QUEUE"], env["NOTIFICATIONS_DLQ"]),
            (env["INBOUND_MAIL_QUEUE"], env["INBOUND_MAIL_DLQ"])]


def redrive(sqs: Any, queue: str, dlq: str) -> int:
    queue_url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=dlq)["QueueUrl"]
    moved = 0
    while True:
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"], WaitTimeSeconds=0,
                                       VisibilityTimeout=60).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            extra = {"MessageAttributes": message["MessageAttributes"]} \
                if message.get("MessageAttributes") else {}
            sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"], **extra)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="local", help="local (default), dev or prod")
    args = parser.parse_args(argv)
    if args.stage == "local":
        if not LOCAL_ENDPOINT.exists():
            print("redrive: no local stack is running (make run writes .local/endpoint.json)",
                  file=sys.stderr)
            return 1
        endpoint = json.loads(LOCAL_ENDPOINT.read_text())["aws_endpoint"]
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="eu-west-1",
                           aws_access_key_id="local", aws_secret_access_key="local",
                           config=STANDARD_RETRIES)
    else:
        sqs = boto3.client("sqs", config=STANDARD_RETRIES)
    for queue, dlq in _names(args.stage):
        print(f"redrive: moved {redrive(sqs, queue, dlq)} message(s) from {dlq} to {queue}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
