"""local/bootstrap.py builds the local stack from infra/resources.yaml on a moto server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.bootstrap import LocalResources, create_resources

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="module")
def runs(endpoint: str) -> tuple[LocalResources, LocalResources]:
    return create_resources(endpoint), create_resources(endpoint)


@pytest.fixture(scope="module")
def resources(runs: tuple[LocalResources, LocalResources]) -> LocalResources:
    return runs[0]


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)


def test_second_run_finds_everything_and_creates_nothing(
    endpoint: str, runs: tuple[LocalResources, LocalResources]
) -> None:
    first, second = runs
    assert second.user_pool_id == first.user_pool_id
    assert second.user_pool_client_id == first.user_pool_client_id
    assert second == first
    cognito = client(endpoint, "cognito-idp")
    assert len(cognito.list_user_pools(MaxResults=60)["UserPools"]) == 1
    clients = cognito.list_user_pool_clients(UserPoolId=first.user_pool_id, MaxResults=60)
    assert len(clients["UserPoolClients"]) == 1


def test_tables_exist_with_indexes_ttl_pitr_and_sse(
    endpoint: str, resources: LocalResources
) -> None:
    dynamodb = client(endpoint, "dynamodb")
    expected = {
        resources.directory_table: {"GSI1", "GSI2"},
        resources.tickets_table: {"GSI1", "GSI2", "GSI3", "GSI4", "GSI5", "GSI6", "due"},
        resources.contact_orders_table: {f"GSI{n}" for n in range(1, 9)} | {"due"},
        resources.networks_table: {"GSI1", "GSI2", "due"},
        resources.help_table: {"GSI1", "GSI2", "due"},
        resources.chat_table: {"GSI1", "GSI2", "due"},
        resources.idempotency_table: set(),
    }
    assert set(dynamodb.list_tables()["TableNames"]) == set(expected)
    for name, indexes in expected.items():
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert {g["IndexName"] for g in table.get("GlobalSecondaryIndexes", [])} == indexes
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["SSEDescription"]["Status"] == "ENABLED"
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
        backups = dynamodb.describe_continuous_backups(TableName=name)
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    due = dynamodb.describe_table(TableName=resources.tickets_table)["Table"]
    (index,) = [g for g in due["GlobalSecondaryIndexes"] if g["IndexName"] == "due"]
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["due_shard", "due_at"]


def test_queue_redrives_to_the_dlq_after_five_receives(
    endpoint: str, resources: LocalResources
) -> None:
    sqs = client(endpoint, "sqs")
    dlq = sqs.get_queue_attributes(QueueUrl=resources.notifications_dlq_url, AttributeNames=["All"])
    queue = sqs.get_queue_attributes(
        QueueUrl=resources.notifications_queue_url, AttributeNames=["All"]
    )
    redrive = json.loads(queue["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq["Attributes"]["QueueArn"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert int(queue["Attributes"]["VisibilityTimeout"]) >= 180
    assert dlq["Attributes"]["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    assert resources.notifications_dlq_url.endswith("/helpdesk-local-notifications-dlq")


def test_buckets_exist_private_and_attachments_accept_posts(
    endpoint: str, resources: LocalResources
) -> None:
    s3 = client(endpoint, "s3")
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    buckets = [resources.attachments_bucket, resources.inbound_mail_bucket, resources.portal_bucket]
    assert set(buckets) <= names
    for bucket in buckets:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())
    (rule,) = s3.get_bucket_cors(Bucket=resources.attachments_bucket)["CORSRules"]
    assert rule["AllowedMethods"] == ["POST"]


def test_pool_has_the_tenant_attribute_and_password_policy(
    endpoint: str, resources: LocalResources
) -> None:
    pool = client(endpoint, "cognito-idp").describe_user_pool(UserPoolId=resources.user_pool_id)
    pool = pool["UserPool"]
    assert pool["Name"] == "helpdesk-local-users"
    assert pool["UsernameAttributes"] == ["email"]
    (tenant,) = [a for a in pool["SchemaAttributes"] if a["Name"] == "custom:tenant"]
    assert tenant["Mutable"] is False
    assert tenant["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "64"}
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12
    assert all(
        policy[k]
        for k in ["RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"]
    )
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]}
    # Cognito's mail through the local SES identity, as on AWS through MailDomain's.
    assert pool["EmailConfiguration"] == {
        "EmailSendingAccount": "DEVELOPER",
        "SourceArn": f"arn:aws:ses:{REGION}:123456789012:identity/helpdesk.localhost",
        "From": "Helpdesk <noreply@helpdesk.localhost>"}


def test_client_allows_password_login_and_hides_the_tenant_from_writes(
    endpoint: str, resources: LocalResources
) -> None:
    cognito = client(endpoint, "cognito-idp")
    app_client = cognito.describe_user_pool_client(
        UserPoolId=resources.user_pool_id, ClientId=resources.user_pool_client_id
    )["UserPoolClient"]
    assert app_client["ClientName"] == "helpdesk-local-portal"
    assert "ALLOW_USER_PASSWORD_AUTH" in app_client["ExplicitAuthFlows"]
    assert "ClientSecret" not in app_client
    assert "custom:tenant" not in app_client["WriteAttributes"]
    assert "email" not in app_client["WriteAttributes"]
    # The demo password passes the pool's policy and logs in through this client.
    user = "demo@example.com"
    cognito.admin_create_user(
        UserPoolId=resources.user_pool_id,
        Username=user,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": user}, {"Name": "custom:tenant", "Value": "t1"}],
    )
    cognito.admin_set_user_password(
        UserPoolId=resources.user_pool_id,
        Username=user,
        Password="Demo-password-1",
        Permanent=True,
    )
    auth = cognito.initiate_auth(
        ClientId=resources.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": "Demo-password-1"},
    )
    assert "IdToken" in auth["AuthenticationResult"]


def test_the_pool_has_no_groups(endpoint: str, resources: LocalResources) -> None:
    # Roles are the directory's alone; nothing in Cognito could disagree with it.
    groups = client(endpoint, "cognito-idp").list_groups(UserPoolId=resources.user_pool_id)
    assert groups["Groups"] == []


def test_env_points_the_app_at_the_local_pool(resources: LocalResources) -> None:
    env = resources.env()
    assert env["COGNITO_USER_POOL_ID"] == resources.user_pool_id
    assert env["COGNITO_CLIENT_ID"] == resources.user_pool_client_id
    assert env["COGNITO_JWKS_URL"].endswith(f"/{resources.user_pool_id}/.well-known/jwks.json")
