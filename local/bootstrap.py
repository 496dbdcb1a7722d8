"""Create the local stack's AWS resources on a running moto server from ``infra/resources.yaml``.

``local/cloudformation.py`` reads the template and resolves it for the stage (parameters,
pseudo parameters, intrinsic functions); here each supported resource, so resolved, is
created with boto3 against ``endpoint_url``:

- ``AWS::DynamoDB::Table``: keys, GSIs, billing mode, SSE, TTL and point-in-time recovery,
  on DynamoDB Local when ``dynamodb_endpoint_url`` names it (it has no backups, so point-in-time
  recovery is skipped there). ``DeletionProtectionEnabled`` is left out on purpose (it
  would stop a local reset).
- ``AWS::SQS::Queue``: every property as a queue attribute (redrive policies included).
- ``AWS::S3::Bucket``: public access block, default encryption, versioning, ownership
  controls, CORS and notifications to a queue. Lifecycle rules are skipped: moto stores
  them but never expires objects.
- ``AWS::Cognito::UserPool`` / ``UserPoolClient`` / ``UserPoolGroup``: the CloudFormation
  properties mapped onto CreateUserPool / CreateUserPoolClient / CreateGroup (moto's own
  CloudFormation creates no Cognito resources). ``DeletionProtection`` is left out.

Skipped locally (see ``SKIPPED_TYPES``): CloudFront (the local server serves the portal
itself), SES receipt rules (the local stack drops mail straight into the bucket), bucket
policies (they name AWS service principals and a deny on non-TLS access that would refuse
plain-HTTP calls to moto if it evaluated them), and the IAM role (moto does not enforce it).

What moto (5.2.5) does not do, so local runs cannot show it: it drops the DLQ's
``RedriveAllowPolicy`` attribute and never expires TTL items or lifecycle objects. (It
also lets a user write attributes the app client's WriteAttributes leave out, such as
``email`` and ``custom:tenant``; ``local/moto_fidelity.py`` makes it refuse them as
Cognito does.)

Idempotent: every resource is looked up by name first (tables, queues, buckets, the user
pool, its client and groups), so a second run against the same server, e.g. after a state
restore, creates nothing and returns the same ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

# The resolver's names stay importable from here (tests and bench import them so).
from local.cloudformation import (
    ACCOUNT_ID,
    BUCKET,
    QUEUE,
    TABLE,
    TEMPLATE_PATH,
    USER_POOL,
    USER_POOL_CLIENT,
    USER_POOL_GROUP,
    Resolver,
    UnresolvableError,
    load_template,
    resource_names,
    resources_of,
)

__all__ = [
    "ACCOUNT_ID", "BUCKET", "LOCAL_MAIL_DOMAIN", "QUEUE", "SKIPPED_TYPES", "TABLE",
    "TEMPLATE_PATH", "USER_POOL", "USER_POOL_CLIENT", "USER_POOL_GROUP", "LocalResources",
    "Resolver", "UnresolvableError", "create_resources", "create_tables", "load_template",
    "resource_names",
    "stack_parameters",
]

log = logging.getLogger(__name__)

DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

SKIPPED_TYPES = {
    "AWS::CloudFront::Distribution": "the local server serves the portal on the API's origin",
    "AWS::CloudFront::OriginAccessControl": "no CloudFront locally",
    "AWS::CloudFront::ResponseHeadersPolicy": "the local server sets the security headers",
    "AWS::S3::BucketPolicy": "AWS principals only; a TLS-only deny would refuse plain HTTP",
    "AWS::SES::ReceiptRuleSet": "no inbound SMTP locally; mail is put into the bucket",
    "AWS::SES::ReceiptRule": "no inbound SMTP locally; mail is put into the bucket",
    "AWS::IAM::Role": "moto does not enforce IAM",
    "AWS::SQS::QueuePolicy": "moto does not enforce queue policies",
    "AWS::ApiGateway::GatewayResponse": "the local server answers unknown paths itself",
    "AWS::Serverless::Function": "merged into chalice's function; local/events.py runs it",
    # API Gateway's stage and route throttling (all callers together) is not emulated; the
    # app's own limits per e-mail, user and client address run locally as on AWS.
    "AWS::Serverless::Api": "merged into chalice's REST API; the local server is the gateway",
}
# The sender's domain locally (MailDomain has no default: a real deploy names its own).
LOCAL_MAIL_DOMAIN = "helpdesk.localhost"

# logical id in the template -> field of LocalResources
_FIELDS = {
    "DirectoryTable": "directory_table",
    "TicketsTable": "tickets_table",
    "ContactOrdersTable": "contact_orders_table",
    "NetworksTable": "networks_table",
    "HelpTable": "help_table",
    "ChatTable": "chat_table",
    "IdempotencyTable": "idempotency_table",
    "NotificationsQueue": "notifications_queue_url",
    "NotificationsDLQ": "notifications_dlq_url",
    "AttachmentsBucket": "attachments_bucket",
    "InboundMailBucket": "inbound_mail_bucket",
    "PortalBucket": "portal_bucket",
    "UserPool": "user_pool_id",
    "UserPoolClient": "user_pool_client_id",
}


@dataclass(frozen=True)
class LocalResources:
    endpoint_url: str | None
    region: str
    stage: str
    user_pool_id: str
    user_pool_client_id: str
    directory_table: str
    tickets_table: str
    contact_orders_table: str
    networks_table: str
    help_table: str
    chat_table: str
    idempotency_table: str
    notifications_queue_url: str
    notifications_dlq_url: str
    attachments_bucket: str
    inbound_mail_bucket: str
    portal_bucket: str

    @property
    def jwks_url(self) -> str:
        """Where moto serves the pool's signing keys."""
        base = self.endpoint_url or f"https://cognito-idp.{self.region}.amazonaws.com"
        return f"{base}/{self.user_pool_id}/.well-known/jwks.json"

    def env(self) -> dict[str, str]:
        """The generated ids as the environment variables chalicelib/config.py reads."""
        return {
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.user_pool_client_id,
            "COGNITO_JWKS_URL": self.jwks_url,
            "MAIL_FROM": f"noreply@{LOCAL_MAIL_DOMAIN}",
        }


def stack_parameters(stage: str) -> dict[str, str]:
    """The template's parameters for a stack made here. ``PortalOrigin`` has no default (a
    deployment must name its portal); only the local stage lets any origin upload (``*``),
    as its portal and API share one local address anyway."""
    # The pool's EmailConfiguration names MailDomain's SES identity (verified locally).
    parameters = {"Stage": stage, "MailDomain": LOCAL_MAIL_DOMAIN}
    if stage == "local":
        parameters["PortalOrigin"] = "*"
    return parameters


# ---------------------------------------------------------------- DynamoDB


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _existing_tables(client: Any) -> set[str]:
    """One ListTables for all: DescribeTable would do, but DynamoDB Local counts a table's
    items to answer it (10 s for 2 million), and a restart should not grow with the data."""
    return {name for page in client.get_paginator("list_tables").paginate()
            for name in page["TableNames"]}


def _create_table(client: Any, props: Mapping[str, Any], existing: set[str]) -> str:
    name = props["TableName"]
    if name not in existing:
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        sse = props.get("SSESpecification")
        if sse:  # CloudFormation says SSEEnabled where the API says Enabled
            request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))}
        client.create_table(**request)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    pitr = props.get("PointInTimeRecoverySpecification", {})
    if pitr.get("PointInTimeRecoveryEnabled"):
        try:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        except ClientError as error:  # DynamoDB Local has no backups; its SQLite file is all
            if _error_code(error) != "UnknownOperationException":
                raise
    return str(name)


# ---------------------------------------------------------------- SQS


def _queue_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _create_queue(client: Any, props: Mapping[str, Any]) -> str:
    name = props["QueueName"]
    try:
        return str(client.get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as error:
        if "NonExistentQueue" not in _error_code(error):
            raise
    attributes = {
        key: _queue_attribute(value) for key, value in props.items() if key != "QueueName"
    }
    return str(client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


# ---------------------------------------------------------------- S3


def _rename(values: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """CloudFormation property names -> API parameter names (unmapped ones are kept)."""
    return {names.get(key, key): value for key, value in values.items()}


def _cors_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    return _rename(rule, {"Id": "ID", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"})


def _encryption(value: Mapping[str, Any]) -> dict[str, Any]:
    rename = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
    return {"Rules": [_rename(r, rename) for r in value["ServerSideEncryptionConfiguration"]]}


def _cors(value: Mapping[str, Any]) -> dict[str, Any]:
    return {"CORSRules": [_cors_rule(rule) for rule in value["CorsRules"]]}


def _same(value: Any) -> Any:
    return value


def _notifications(value: Mapping[str, Any]) -> dict[str, Any]:
    """S3 -> SQS notifications (the inbound mail queue); CloudFormation's shape -> the API's."""
    def queue(config: Mapping[str, Any]) -> dict[str, Any]:
        rules = config.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        converted: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
        if rules:
            converted["Filter"] = {"Key": {"FilterRules": [
                {"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
        return converted

    return {"QueueConfigurations": [queue(c) for c in value.get("QueueConfigurations", [])]}


# Bucket property -> (S3 client method, its parameter, property value -> parameter value).
# LifecycleConfiguration is not applied: moto stores rules but never expires anything.
_BUCKET_SETTINGS: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "PublicAccessBlockConfiguration": (
        "put_public_access_block",
        "PublicAccessBlockConfiguration",
        _same,
    ),
    "BucketEncryption": ("put_bucket_encryption", "ServerSideEncryptionConfiguration", _encryption),
    "OwnershipControls": ("put_bucket_ownership_controls", "OwnershipControls", _same),
    "VersioningConfiguration": ("put_bucket_versioning", "VersioningConfiguration", _same),
    "CorsConfiguration": ("put_bucket_cors", "CORSConfiguration", _cors),
    "NotificationConfiguration": (
        "put_bucket_notification_configuration", "NotificationConfiguration", _notifications),
}


def _create_bucket(client: Any, props: Mapping[str, Any], region: str) -> str:
    name = str(props["BucketName"])
    try:
        client.head_bucket(Bucket=name)
        return name
    except ClientError as error:
        if _error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    request: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    client.create_bucket(**request)
    for prop, (method, parameter, convert) in _BUCKET_SETTINGS.items():
        if prop in props:
            getattr(client, method)(Bucket=name, **{parameter: convert(props[prop])})
    return name


# ---------------------------------------------------------------- Cognito

# CloudFormation property -> CreateUserPool parameter (same name unless mapped).
_POOL_PARAMETERS = {
    "UserPoolName": "PoolName",
    "Policies": "Policies",
    "UsernameAttributes": "UsernameAttributes",
    "AliasAttributes": "AliasAttributes",
    "UsernameConfiguration": "UsernameConfiguration",
    "AutoVerifiedAttributes": "AutoVerifiedAttributes",
    "AccountRecoverySetting": "AccountRecoverySetting",
    "AdminCreateUserConfig": "AdminCreateUserConfig",
    "Schema": "Schema",
    "MfaConfiguration": "MfaConfiguration",
    "EmailConfiguration": "EmailConfiguration",
    "UserAttributeUpdateSettings": "UserAttributeUpdateSettings",
    "VerificationMessageTemplate": "VerificationMessageTemplate",
    "UserPoolTags": "UserPoolTags",
}
_CLIENT_PARAMETERS = (
    "ClientName",
    "GenerateSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
)
_GROUP_PARAMETERS = ("GroupName", "Description", "Precedence", "RoleArn")


def _find_user_pool(client: Any, name: str) -> str | None:
    for page in client.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    return None


def _create_user_pool(client: Any, props: Mapping[str, Any]) -> str:
    existing = _find_user_pool(client, props["UserPoolName"])
    if existing is not None:
        return existing
    request = {_POOL_PARAMETERS[k]: v for k, v in props.items() if k in _POOL_PARAMETERS}
    return str(client.create_user_pool(**request)["UserPool"]["Id"])


def _find_client(client: Any, pool_id: str, name: str) -> str | None:
    pages = client.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, MaxResults=60
    )
    for page in pages:
        for app_client in page["UserPoolClients"]:
            if app_client["ClientName"] == name:
                return str(app_client["ClientId"])
    return None


def _create_user_pool_client(client: Any, props: Mapping[str, Any]) -> str:
    pool_id = props["UserPoolId"]
    existing = _find_client(client, pool_id, props["ClientName"])
    if existing is not None:
        return existing
    request = {k: v for k, v in props.items() if k in _CLIENT_PARAMETERS}
    response = client.create_user_pool_client(UserPoolId=pool_id, **request)
    return str(response["UserPoolClient"]["ClientId"])


def _create_group(client: Any, props: Mapping[str, Any]) -> str:
    pool_id, name = props["UserPoolId"], props["GroupName"]
    try:
        client.get_group(UserPoolId=pool_id, GroupName=name)
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        request = {k: v for k, v in props.items() if k in _GROUP_PARAMETERS}
        client.create_group(UserPoolId=pool_id, **request)
    return str(name)


# ---------------------------------------------------------------- entry point


def _in_creation_order(template: Mapping[str, Any]) -> list[tuple[str, dict]]:
    """Supported resources, each after what it refers to: tables, queues (a queue without a
    RedrivePolicy, i.e. a DLQ, before its source), buckets, pool, client, groups."""
    rank = {TABLE: 0, QUEUE: 1, BUCKET: 3, USER_POOL: 4, USER_POOL_CLIENT: 5, USER_POOL_GROUP: 6}

    def key(item: tuple[str, dict]) -> int:
        kind, properties = item[1]["Type"], item[1].get("Properties", {})
        return rank[kind] + (1 if kind == QUEUE and "RedrivePolicy" in properties else 0)

    return sorted(resources_of(template, *rank), key=key)


def _properties(resolver: Resolver, resource: Mapping[str, Any]) -> dict[str, Any]:
    resolved = resolver.resolve(resource.get("Properties", {}))
    return {k: v for k, v in resolved.items() if v is not None}


def _warn_about_unknown_types(template: Mapping[str, Any]) -> None:
    known = {TABLE, QUEUE, BUCKET, USER_POOL, USER_POOL_CLIENT, USER_POOL_GROUP}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] not in known | SKIPPED_TYPES.keys():
            log.warning("bootstrap: %s (%s) is not created locally", logical_id, resource["Type"])


def create_tables(client: Any, stage: str = "local", region: str = "eu-west-1") -> list[str]:
    """Create (or find) only the template's tables with ``client``, a DynamoDB client:
    the integration tests give each module empty tables beside the run's other resources."""
    template = load_template()
    resolver = Resolver(template, stack_parameters(stage), region=region)
    existing = _existing_tables(client)
    return [_create_table(client, _properties(resolver, resource), existing)
            for _, resource in resources_of(template, TABLE)]


def create_resources(
    endpoint_url: str | None, stage: str = "local", region: str = "eu-west-1",
    dynamodb_endpoint_url: str | None = None,
) -> LocalResources:
    """Create (or find) every supported resource of the template on the moto server, and
    the tables on DynamoDB Local when ``dynamodb_endpoint_url`` names it.

    ``endpoint_url=None`` is for moto's in-process mock (``mock_aws``), which catches the
    calls to AWS's own addresses; it is refused anywhere else by the dummy credentials.
    """
    for url in (endpoint_url, dynamodb_endpoint_url):
        if url and "amazonaws.com" in url:
            raise ValueError("create_resources is for a local stack, not AWS")
    session = boto3.Session(region_name=region, **DUMMY_CREDENTIALS)
    clients = {
        name: session.client(name, endpoint_url=endpoint_url)
        for name in ("sqs", "s3", "cognito-idp")
    }
    clients["dynamodb"] = session.client(
        "dynamodb", endpoint_url=dynamodb_endpoint_url or endpoint_url)
    tables = _existing_tables(clients["dynamodb"])
    creators: dict[str, Callable[[dict[str, Any]], str]] = {
        TABLE: lambda p: _create_table(clients["dynamodb"], p, tables),
        QUEUE: lambda p: _create_queue(clients["sqs"], p),
        BUCKET: lambda p: _create_bucket(clients["s3"], p, region),
        USER_POOL: lambda p: _create_user_pool(clients["cognito-idp"], p),
        USER_POOL_CLIENT: lambda p: _create_user_pool_client(clients["cognito-idp"], p),
        USER_POOL_GROUP: lambda p: _create_group(clients["cognito-idp"], p),
    }
    template = load_template()
    _warn_about_unknown_types(template)
    resolver = Resolver(template, stack_parameters(stage), region=region)
    made: dict[str, str] = {}
    for logical_id, resource in _in_creation_order(template):
        made[logical_id] = creators[resource["Type"]](_properties(resolver, resource))
        if resource["Type"] in (QUEUE, USER_POOL, USER_POOL_CLIENT):
            resolver.refs[logical_id] = made[logical_id]  # Ref: queue URL, pool/client id
    # SES sends only from verified identities; on AWS the deploy verifies MailDomain.
    session.client("ses", endpoint_url=endpoint_url).verify_domain_identity(
        Domain=LOCAL_MAIL_DOMAIN)
    fields = {field: made[logical_id] for logical_id, field in _FIELDS.items()}
    return LocalResources(endpoint_url=endpoint_url, region=region, stage=stage, **fields)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="http://127.0.0.1:5000")
    parser.add_argument("--dynamodb-endpoint-url", default=None)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--region", default="eu-west-1")
    args = parser.parse_args()
    resources = create_resources(args.endpoint_url, stage=args.stage, region=args.region,
                                 dynamodb_endpoint_url=args.dynamodb_endpoint_url)
    print(json.dumps({**asdict(resources), **resources.env()}, indent=2))


if __name__ == "__main__":
    main()
