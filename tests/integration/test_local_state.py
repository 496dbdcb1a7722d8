"""Round-trip of the local stack's moto state through local/state.py (everything but
DynamoDB, which DynamoDB Local keeps in its own file), and the debounced saver."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from joserfc import jwk, jwt
from moto.core.base_backend import BackendDict
from moto.server import ThreadedMotoServer

from local import state

REGION = "eu-west-1"
BUCKET = "helpdesk-attachments"
BIG_BODY = os.urandom(3 * 1024 * 1024 + 17)  # spills S3's SpooledTemporaryFile to disk
USERNAME = "agent@example.com"
PASSWORD = "Corr3ct-Horse!"


class Moto:
    """A ThreadedMotoServer on a free port that can be restarted."""

    def __init__(self) -> None:
        self.server: ThreadedMotoServer | None = None
        self.url = ""

    def start(self) -> None:
        self.server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=REGION)


@dataclass
class Seeded:
    pool_id: str
    client_id: str
    queue_url: str
    dlq_url: str


@pytest.fixture(scope="module")
def running_moto_server() -> Iterator[Moto]:
    """One server for the module's tests; a test that restarts it leaves the new one."""
    moto = Moto()
    moto.start()
    yield moto
    moto.stop()


@pytest.fixture
def moto_server(running_moto_server: Moto,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    """The module's server with every moto backend empty, as a fresh server's are."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    BackendDict.reset()
    if running_moto_server.server is None:  # an earlier test failed while it was stopped
        running_moto_server.start()
    server = running_moto_server.server
    assert server is not None and server._server is not None
    wsgi_app = server._server.app
    yield running_moto_server
    if running_moto_server.server is server:  # not restarted: unwatch it (_watched)
        server._server.app = wsgi_app
    BackendDict.reset()


def _seed_dynamodb(moto: Moto) -> None:
    ddb = moto.client("dynamodb")
    ddb.create_table(
        TableName="tickets",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3):
        ddb.put_item(TableName="tickets", Item={"pk": {"S": f"T{i}"}, "status": {"S": "open"}})
    ddb.put_item(TableName="tickets", Item={"pk": {"S": "T9"}, "status": {"S": "closed"}})


def _seed_sqs(moto: Moto) -> tuple[str, str]:
    sqs = moto.client("sqs")
    dlq_url = sqs.create_queue(QueueName="tickets-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    queue_url = sqs.create_queue(QueueName="tickets", Attributes={"RedrivePolicy": redrive})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=queue_url, MessageBody="in-flight")
    received = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=1)["Messages"]
    assert [m["Body"] for m in received] == ["in-flight"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="waiting")
    return queue_url, dlq_url


def _seed_s3(moto: Moto) -> None:
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"hello")
    s3.put_object(Bucket=BUCKET, Key="big.bin", Body=BIG_BODY)


def _seed_cognito(moto: Moto) -> tuple[str, str]:
    idp = moto.client("cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName="helpdesk",
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="portal",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="agents")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=USERNAME,
        UserAttributes=[
            {"Name": "email", "Value": USERNAME},
            {"Name": "custom:tenant", "Value": "acme"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True
    )
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=USERNAME, GroupName="agents")
    return pool_id, client_id


def _seed_mail(moto: Moto) -> None:
    ses = moto.client("ses")
    ses.verify_email_identity(EmailAddress="support@example.com")
    ses.send_email(
        Source="support@example.com",
        Destination={"ToAddresses": ["customer@example.com"]},
        Message={"Subject": {"Data": "Ticket T1"}, "Body": {"Text": {"Data": "Hi"}}},
    )
    moto.client("sns").create_topic(Name="ticket-events")


def seed(moto: Moto) -> Seeded:
    _seed_dynamodb(moto)
    queue_url, dlq_url = _seed_sqs(moto)
    _seed_s3(moto)
    pool_id, client_id = _seed_cognito(moto)
    _seed_mail(moto)
    return Seeded(pool_id=pool_id, client_id=client_id, queue_url=queue_url, dlq_url=dlq_url)


def _assert_empty(moto: Moto) -> None:
    assert moto.client("dynamodb").list_tables()["TableNames"] == []
    assert "QueueUrls" not in moto.client("sqs").list_queues()
    assert moto.client("s3").list_buckets()["Buckets"] == []
    assert moto.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


def _assert_no_dynamodb(moto: Moto) -> None:
    """moto's DynamoDB is not the local stack's database (DynamoDB Local is): not saved."""
    assert moto.client("dynamodb").list_tables()["TableNames"] == []


def _receive(moto: Moto, url: str) -> dict[str, int]:
    messages = (
        moto.client("sqs")
        .receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=1, AttributeNames=["All"]
        )
        .get("Messages", [])
    )
    return {m["Body"]: int(m["Attributes"]["ApproximateReceiveCount"]) for m in messages}


def _assert_sqs(moto: Moto, seeded: Seeded) -> None:
    sqs = moto.client("sqs")
    assert sqs.get_queue_url(QueueName="tickets")["QueueUrl"].endswith("/tickets")
    time.sleep(1.1)  # let the in-flight message's visibility timeout (1 s) run out
    # the receive count of the in-flight message survived: this is its 2nd receive
    assert _receive(moto, seeded.queue_url) == {"in-flight": 2, "waiting": 1}
    time.sleep(1.1)
    # maxReceiveCount=2 reached: the redrive moves "in-flight" to the DLQ
    assert _receive(moto, seeded.queue_url) == {"waiting": 2}
    assert _receive(moto, seeded.dlq_url) == {"in-flight": 3}


def _assert_s3(moto: Moto) -> None:
    s3 = moto.client("s3")
    assert s3.get_object(Bucket=BUCKET, Key="small.txt")["Body"].read() == b"hello"
    assert s3.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == BIG_BODY


def _assert_cognito(moto: Moto, seeded: Seeded) -> None:
    idp = moto.client("cognito-idp")
    pools = idp.list_user_pools(MaxResults=10)["UserPools"]
    assert [p["Id"] for p in pools] == [seeded.pool_id]
    clients = idp.list_user_pool_clients(UserPoolId=seeded.pool_id)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [seeded.client_id]
    auth = idp.initiate_auth(
        ClientId=seeded.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    jwks_url = f"{moto.url}/{seeded.pool_id}/.well-known/jwks.json"
    with urllib.request.urlopen(jwks_url, timeout=5) as response:
        key_set = jwk.KeySet.import_key_set(json.load(response))
    id_claims = jwt.decode(auth["IdToken"], key_set).claims
    assert id_claims["aud"] == seeded.client_id
    assert id_claims["iss"].endswith(f"/{seeded.pool_id}")
    assert id_claims["custom:tenant"] == "acme"
    assert id_claims["cognito:groups"] == ["agents"]
    access_claims = jwt.decode(auth["AccessToken"], key_set).claims
    assert access_claims["client_id"] == seeded.client_id


def _assert_mail(moto: Moto) -> None:
    ses = moto.client("ses")
    assert ses.list_identities()["Identities"] == ["support@example.com"]
    assert ses.get_send_quota()["SentLast24Hours"] == 1
    topics = moto.client("sns").list_topics()["Topics"]
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in topics] == ["ticket-events"]


def test_round_trip_survives_restart(moto_server: Moto, tmp_path: Path) -> None:
    seeded = seed(moto_server)
    path = tmp_path / "moto-state.bin"
    state.save_state(path)
    assert path.read_bytes().startswith(state.MAGIC)

    # simulate a process restart: server gone, every moto backend wiped
    moto_server.stop()
    BackendDict.reset()
    moto_server.start()
    _assert_empty(moto_server)

    assert state.load_state(path) is True
    _assert_no_dynamodb(moto_server)
    _assert_s3(moto_server)
    _assert_cognito(moto_server, seeded)
    _assert_mail(moto_server)
    _assert_sqs(moto_server, seeded)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moto-state.bin"]


def test_missing_file_returns_false(moto_server: Moto, tmp_path: Path) -> None:
    path = tmp_path / "absent.bin"
    assert state.load_state(path) is False
    assert not path.exists()


def _rewrite_header(data: bytes, **changes: Any) -> bytes:
    header_line, _, payload = data[len(state.MAGIC) :].partition(b"\n")
    header = json.loads(header_line) | changes
    return state.MAGIC + json.dumps(header).encode() + b"\n" + payload


def _with_payload(data: bytes, payload: bytes) -> bytes:
    import hashlib

    return (
        _rewrite_header(
            data[: data.index(b"\n", len(state.MAGIC)) + 1],
            payload_size=len(payload),
            payload_sha256=hashlib.sha256(payload).hexdigest(),
        )
        + payload
    )


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "random-bytes": lambda data: os.urandom(4096),
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "truncated-header": lambda data: data[: len(state.MAGIC) + 10],
    "wrong-format": lambda data: _rewrite_header(data, format=state.FORMAT_VERSION + 1),
    "other-moto": lambda data: _rewrite_header(data, moto_version="4.0.0"),
    "flipped-byte": lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),
    "bad-pickle-good-checksum": lambda data: _with_payload(data, b"\x80\x05not a pickle"),
    "pickle-of-wrong-shape": lambda data: _with_payload(data, b"\x80\x05K\x01."),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_unusable_file_is_refused_and_left_untouched(
    moto_server: Moto, tmp_path: Path, corruption: str
) -> None:
    moto_server.client("sqs").create_queue(QueueName="before-load")
    path = tmp_path / "moto-state.bin"
    state.save_state(path)
    bad = CORRUPTIONS[corruption](path.read_bytes())
    path.write_bytes(bad)

    with pytest.raises(state.StateFileError) as excinfo:
        state.load_state(path)

    message = str(excinfo.value)
    assert str(path) in message
    assert "untouched" in message
    assert path.read_bytes() == bad
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moto-state.bin"]
    # the running state was not half-replaced either
    urls = moto_server.client("sqs").list_queues()["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["before-load"]


def test_failed_pickling_keeps_previous_file(
    moto_server: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_server.client("sqs").create_queue(QueueName="first")
    path = tmp_path / "moto-state.bin"
    state.save_state(path)
    before = path.read_bytes()
    moto_server.client("sqs").create_queue(QueueName="second")

    def explode(self: state.StatePickler, obj: Any) -> None:
        raise TypeError("cannot pickle 'SomethingNew' object")

    monkeypatch.setattr(state.StatePickler, "dump", explode)
    with pytest.raises(state.StateSaveError, match="SomethingNew"):
        state.save_state(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moto-state.bin"]


def test_failed_write_keeps_previous_file_and_no_temp(
    moto_server: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "moto-state.bin"
    state.save_state(path)
    before = path.read_bytes()
    moto_server.client("sqs").create_queue(QueueName="later")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state.os, "replace", refuse)
    with pytest.raises(state.StateSaveError, match="No space left"):
        state.save_state(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moto-state.bin"]


def test_save_while_serving_requests(moto_server: Moto, tmp_path: Path) -> None:
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="busy", CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs = moto_server.client("sqs")
    queue_url = sqs.create_queue(QueueName="busy")["QueueUrl"]
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        client_s3, client_sqs = moto_server.client("s3"), moto_server.client("sqs")
        i = 0
        try:
            while not stop.is_set():
                client_s3.put_object(Bucket="busy", Key=f"k{i}", Body=b"x")
                client_sqs.send_message(QueueUrl=queue_url, MessageBody=str(i))
                i += 1
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    path = tmp_path / "moto-state.bin"
    try:
        for _ in range(15):
            state.save_state(path)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    count = s3.list_objects_v2(Bucket="busy")["KeyCount"]
    assert count > 0
    assert state.load_state(path) is True
    assert 0 < s3.list_objects_v2(Bucket="busy")["KeyCount"] <= count


def _watched(moto_server: Moto, saver: state.DebouncedSaver) -> None:
    """What the local stack does: moto's WSGI app tells the saver about each change."""
    assert moto_server.server is not None and moto_server.server._server is not None
    server = moto_server.server._server
    server.app = state.watch_changes(server.app, saver.changed)


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.02)


def test_a_change_is_saved_after_the_debounce_and_reads_save_nothing(
        moto_server: Moto, tmp_path: Path) -> None:
    path = tmp_path / "moto-state.bin"
    saver = state.DebouncedSaver(path)
    _watched(moto_server, saver)
    saver.start()
    sqs = moto_server.client("sqs")
    sqs.list_queues()
    sqs.get_queue_url  # noqa: B018 (a read; nothing to save)
    time.sleep(saver.delay * 3)
    assert not path.exists() and saver.saves == 0  # reads changed nothing

    sqs.create_queue(QueueName="made-just-now")
    # The count, not the file: the file appears a moment before the count goes up.
    _wait_for(lambda: saver.saves == 1, "a save after a change")
    assert path.exists()
    saves = saver.saves
    sqs.list_queues()
    time.sleep(saver.delay * 3)
    assert saver.saves == saves

    for i in range(20):  # a burst is coalesced into few saves
        sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="made-just-now")["QueueUrl"],
                         MessageBody=str(i))
    _wait_for(lambda: saver.saves > saves, "a save after the burst")
    saver.stop()
    assert saver.saves - saves < 20

    moto_server.stop()
    BackendDict.reset()
    moto_server.start()
    assert state.load_state(path) is True
    url = moto_server.client("sqs").get_queue_url(QueueName="made-just-now")["QueueUrl"]
    attributes = moto_server.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "20"


def test_stop_saves_a_change_made_just_before(moto_server: Moto, tmp_path: Path) -> None:
    path = tmp_path / "moto-state.bin"
    saver = state.DebouncedSaver(path, delay=60)  # only stop() can save it in time
    saver.start()
    moto_server.client("sqs").create_queue(QueueName="made-before-stop")
    saver.changed()
    saver.stop()

    moto_server.stop()
    BackendDict.reset()
    moto_server.start()
    assert state.load_state(path) is True
    urls = moto_server.client("sqs").list_queues()["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["made-before-stop"]


@pytest.mark.parametrize(("environ", "changes"), [
    ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, False),
    ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}, True),
    ({"REQUEST_METHOD": "POST",
      "HTTP_X_AMZ_TARGET": "AWSCognitoIdentityProviderService.AdminGetUser"}, False),
    ({"REQUEST_METHOD": "POST",
      "HTTP_X_AMZ_TARGET": "AWSCognitoIdentityProviderService.InitiateAuth"}, True),
    ({"REQUEST_METHOD": "GET", "QUERY_STRING": "list-type=2"}, False),
    ({"REQUEST_METHOD": "PUT"}, True),
    ({"REQUEST_METHOD": "DELETE"}, True),
    ({"REQUEST_METHOD": "POST", "QUERY_STRING": ""}, True),  # SES's form body: counted
    ({"REQUEST_METHOD": "GET", "QUERY_STRING": "Action=GetSendQuota"}, False),
])
def test_which_calls_change_state(environ: dict[str, str], changes: bool) -> None:
    assert state.changes_state(environ) is changes


def test_load_replaces_live_state(moto_server: Moto, tmp_path: Path) -> None:
    s3 = moto_server.client("s3")
    s3.create_bucket(
        Bucket="saved-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_object(Bucket="saved-bucket", Key="kept.bin", Body=BIG_BODY)
    path = tmp_path / "moto-state.bin"
    state.save_state(path)
    s3.put_object(Bucket="saved-bucket", Key="kept.bin", Body=b"overwritten later")
    s3.create_bucket(
        Bucket="newer-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_object(Bucket="newer-bucket", Key="gone.txt", Body=b"not in the file")

    assert state.load_state(path) is True

    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["saved-bucket"]
    assert s3.get_object(Bucket="saved-bucket", Key="kept.bin")["Body"].read() == BIG_BODY
    # the global bucket-name index was restored too, so the name is free again
    s3.create_bucket(
        Bucket="newer-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
