"""Runs the app's event handlers as AWS would: schedules on their rates, SQS messages
from their queues, and S3 object events from their buckets.

S3 events: the local stack asks moto to notify a local queue about new objects in
each bucket an ``@app.on_s3_event`` handler watches (that is what moto can do), and
the pump turns those notifications into the Lambda S3 event the handler expects.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from chalice.app import (
    Chalice,
    S3EventConfig,
    ScheduledEventConfig,
    SQSEventConfig,
)

log = logging.getLogger("helpdesk.local")

ACCOUNT = "123456789012"
S3_EVENTS_QUEUE = "helpdesk-local-s3-events"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: Any) -> int:
    """Seconds between runs of ``rate(N unit)``; cron schedules are not run locally."""
    text = expression if isinstance(expression, str) else expression.to_string()
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"the local scheduler runs rate() schedules only, not {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


class _Context:
    """The bits of a Lambda context that handlers use."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class EventRunner:
    app: Chalice
    region: str
    sqs: Any  # a boto3 SQS client pointed at moto
    s3: Any
    _last_run: dict[str, float] = field(default_factory=dict)
    _queue_urls: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- schedules --------------------------------------------------------------------
    def schedules(self) -> list[ScheduledEventConfig]:
        return [s for s in self.app.event_sources if isinstance(s, ScheduledEventConfig)]

    def run_schedule(self, source: ScheduledEventConfig, now: datetime) -> Any:
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": ACCOUNT,
            "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:{ACCOUNT}:rule/{source.name}"],
            "detail": {},
        }
        return self.app.handler_map[source.name](event, _Context(source.name))

    def run_due_schedules(self, monotonic_now: float) -> None:
        for source in self.schedules():
            every = rate_seconds(source.schedule_expression)
            last = self._last_run.setdefault(source.name, monotonic_now)
            if monotonic_now - last >= every:
                self._last_run[source.name] = monotonic_now
                self._safely(self.run_schedule, source, datetime.now(UTC))

    def tick(self, now: datetime) -> dict[str, Any]:
        """``POST /_local/tick``: every schedule as of ``now``, then drain every queue."""
        with self._lock:
            ran = {s.name: _jsonable(self._safely(self.run_schedule, s, now))
                   for s in self.schedules()}
            delivered = self.drain()
        return {"schedules": ran, "delivered": delivered}

    # --- queues -----------------------------------------------------------------------
    def consumers(self) -> list[SQSEventConfig]:
        return [s for s in self.app.event_sources if isinstance(s, SQSEventConfig)]

    def _url(self, queue: str) -> str:
        if queue not in self._queue_urls:
            self._queue_urls[queue] = self.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        return self._queue_urls[queue]

    def pump_queue(self, source: SQSEventConfig) -> int:
        """One receive and one handler call; returns how many messages it handled."""
        assert source.queue
        url = self._url(source.queue)
        answer = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(10, source.batch_size),
            AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=0,
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._sqs_record(source.queue, m) for m in messages]}
        failed: set[str] = set()
        try:
            result = self.app.handler_map[source.name](event, _Context(source.name))
            if isinstance(result, dict):
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:
            log.exception("queue handler %s failed; the batch goes back", source.name)
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] in failed:
                # Back at once, so retries (and the redrive to the DLQ) do not wait locally.
                self.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            else:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages) - len(failed)

    def _sqs_record(self, queue: str, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"], "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{self.region}:{ACCOUNT}:{queue}",
            "awsRegion": self.region,
        }

    # --- S3 object events -------------------------------------------------------------
    def s3_watchers(self) -> list[S3EventConfig]:
        return [s for s in self.app.event_sources if isinstance(s, S3EventConfig)]

    def connect_s3_events(self) -> None:
        """Ask moto to tell the local S3 events queue about new objects in watched buckets."""
        watchers = self.s3_watchers()
        if not watchers:
            return
        url = self.sqs.create_queue(QueueName=S3_EVENTS_QUEUE)["QueueUrl"]
        self._queue_urls[S3_EVENTS_QUEUE] = url
        arn = f"arn:aws:sqs:{self.region}:{ACCOUNT}:{S3_EVENTS_QUEUE}"
        for bucket in {w.bucket for w in watchers}:
            self.s3.put_bucket_notification_configuration(
                Bucket=bucket,
                NotificationConfiguration={"QueueConfigurations": [
                    {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]},
            )

    def pump_s3_events(self) -> int:
        if not self.s3_watchers():
            return 0
        url = self._url(S3_EVENTS_QUEUE)
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=0).get("Messages", [])
        for message in messages:
            for record in json.loads(message["Body"]).get("Records", []):
                self.deliver_s3_record(record)
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def deliver_s3_record(self, record: dict[str, Any]) -> None:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 events carry keys URL-encoded
        for watcher in self.s3_watchers():
            if (watcher.bucket == bucket and key.startswith(watcher.prefix or "")
                    and key.endswith(watcher.suffix or "")):
                self._safely(self.app.handler_map[watcher.name], {"Records": [record]},
                             _Context(watcher.name))

    # --- the loop ---------------------------------------------------------------------
    def deliver_pending(self) -> int:
        """Drains every queue now (``/_local/inbound-email``), between the loop's passes."""
        with self._lock:
            return self.drain()

    def drain(self, rounds: int = 200) -> int:
        """Deliver until every queue is empty (bounded, so a poison message cannot spin)."""
        delivered = 0
        for _ in range(rounds):
            moved = self.pump_s3_events() + sum(self.pump_queue(c) for c in self.consumers())
            delivered += moved
            if moved == 0 and not self._anything_visible():
                break
        return delivered

    def _anything_visible(self) -> bool:
        names = [c.queue for c in self.consumers() if c.queue]
        if self.s3_watchers():
            names.append(S3_EVENTS_QUEUE)
        for name in names:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self._url(name), AttributeNames=["ApproximateNumberOfMessages"])
            if int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0)):
                return True
        return False

    def step(self) -> int:
        """One pass of the background loop; returns how many messages it delivered."""
        with self._lock:
            self.run_due_schedules(time.monotonic())
            moved = self._safely(self.pump_s3_events)
            moved = moved if isinstance(moved, int) else 0
            for consumer in self.consumers():
                handled = self._safely(self.pump_queue, consumer)
                moved += handled if isinstance(handled, int) else 0
            return moved

    @staticmethod
    def _safely(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:
            log.exception("local event handler failed")
            return {"error": repr(exc)}


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


class BackgroundLoop(threading.Thread):
    """Schedules on their rates and the queues pumped: a pass every ``interval`` seconds
    when idle, and at once again after a pass that delivered something (a notification
    sent as its change commits reaches its consumer within ``interval``)."""

    def __init__(self, runner: EventRunner, interval: float = 0.5) -> None:
        super().__init__(name="local-events", daemon=True)
        self.runner = runner
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            while self.runner.step() and not self.stopping.is_set():
                pass

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
