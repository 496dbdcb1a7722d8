"""infra/resources.yaml agrees with .chalice/config.json and keeps its security promises."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.cloudformation import TEMPLATE_PATH, resource_names

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
TEMPLATE: dict[str, Any] = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]

# environment variable in .chalice/config.json -> logical id in the template
NAMED_BY_CONFIG = {
    "DIRECTORY_TABLE": "DirectoryTable",
    "TICKETS_TABLE": "TicketsTable",
    "CONTACT_ORDERS_TABLE": "ContactOrdersTable",
    "NETWORKS_TABLE": "NetworksTable",
    "HELP_TABLE": "HelpTable",
    "CHAT_TABLE": "ChatTable",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "NOTIFICATIONS_QUEUE": "NotificationsQueue",
    "NOTIFICATIONS_DLQ": "NotificationsDLQ",
    "INBOUND_MAIL_QUEUE": "InboundMailQueue",
    "INBOUND_MAIL_DLQ": "InboundMailDLQ",
    "ATTACHMENTS_BUCKET": "AttachmentsBucket",
    "INBOUND_MAIL_BUCKET": "InboundMailBucket",
    "PORTAL_BUCKET": "PortalBucket",
}
MODULE_TABLES = ["DirectoryTable", "TicketsTable", "ContactOrdersTable", "NetworksTable",
                 "HelpTable", "ChatTable"]
SCHEDULED_TABLES = ["TicketsTable", "ContactOrdersTable", "NetworksTable", "HelpTable",
                    "ChatTable"]
DEMO_PASSWORD = "Demo-password-1"
# The special characters Cognito counts as symbols.
COGNITO_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def of_type(kind: str) -> dict[str, Any]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def props(logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = RESOURCES[logical_id]["Properties"]
    return properties


def satisfies(policy: dict[str, Any], password: str) -> bool:
    checks = [
        len(password) >= policy["MinimumLength"],
        not policy.get("RequireUppercase") or any(c.isupper() for c in password),
        not policy.get("RequireLowercase") or any(c.islower() for c in password),
        not policy.get("RequireNumbers") or any(c.isdigit() for c in password),
        not policy.get("RequireSymbols") or any(c in COGNITO_SYMBOLS for c in password),
    ]
    return all(checks)


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_physical_names_equal_the_stage_config(stage: str) -> None:
    env = CONFIG["stages"][stage]["environment_variables"]
    names = resource_names(stage)
    for variable, logical_id in NAMED_BY_CONFIG.items():
        assert names[logical_id] == env[variable], (stage, variable)


def test_every_table_queue_and_bucket_is_known_to_the_config() -> None:
    assert set(resource_names("dev")) == set(NAMED_BY_CONFIG.values())


def test_every_table_is_on_demand_with_pitr_sse_ttl_and_retained() -> None:
    tables = of_type("AWS::DynamoDB::Table")
    assert len(tables) == 7
    for name, table in tables.items():
        p = table["Properties"]
        assert p["BillingMode"] == "PAY_PER_REQUEST", name
        assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert p["SSESpecification"] == {"SSEEnabled": True}, name
        assert p["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name


def index_keys(logical_id: str) -> dict[str, list[tuple[str, str]]]:
    return {
        gsi["IndexName"]: [(k["AttributeName"], k["KeyType"]) for k in gsi["KeySchema"]]
        for gsi in props(logical_id).get("GlobalSecondaryIndexes", [])
    }


# The ticket list indexes (see chalicelib/store/tickets.py) project what a list shows.
EXTRA_LIST_INDEXES = {"TicketsTable": ("GSI3", "GSI4", "GSI5", "GSI6"),
                      "ContactOrdersTable": ("GSI3", "GSI4", "GSI5", "GSI6", "GSI7", "GSI8")}


def test_ticket_list_indexes_carry_every_field_of_a_list_row() -> None:
    from chalicelib.domain.tickets import TicketSummary
    from chalicelib.store.tickets import LIST_INDEXES

    indexes = {g["IndexName"]: g for g in props("TicketsTable")["GlobalSecondaryIndexes"]}
    assert set(LIST_INDEXES) <= set(indexes)
    for name in EXTRA_LIST_INDEXES["TicketsTable"]:
        assert index_keys("TicketsTable")[name] == [(f"{name}PK", "HASH"), (f"{name}SK", "RANGE")]
        projection = indexes[name]["Projection"]
        assert projection["ProjectionType"] == "INCLUDE"
        assert set(TicketSummary.model_fields) <= set(projection["NonKeyAttributes"]), name


def test_module_tables_have_the_key_grammar_and_indexes() -> None:
    for name in MODULE_TABLES:
        p = props(name)
        assert p["KeySchema"] == [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ]
        indexes = index_keys(name)
        assert indexes["GSI1"] == [("GSI1PK", "HASH"), ("GSI1SK", "RANGE")]
        assert indexes["GSI2"] == [("GSI2PK", "HASH"), ("GSI2SK", "RANGE")]
        expected = {"GSI1", "GSI2", "due"} if name in SCHEDULED_TABLES else {"GSI1", "GSI2"}
        expected |= set(EXTRA_LIST_INDEXES.get(name, ()))
        assert set(indexes) == expected, name
        if name in SCHEDULED_TABLES:
            assert indexes["due"] == [("due_shard", "HASH"), ("due_at", "RANGE")]
        for gsi in p["GlobalSecondaryIndexes"]:
            if gsi["IndexName"] in EXTRA_LIST_INDEXES.get(name, ()):
                continue
            assert gsi["Projection"] == {"ProjectionType": "ALL"}
        # Every key attribute is declared, and nothing else (CloudFormation rejects extras).
        used = {a for keys in indexes.values() for a, _ in keys} | {"PK", "SK"}
        assert {d["AttributeName"] for d in p["AttributeDefinitions"]} == used


def test_idempotency_table_has_only_a_partition_key() -> None:
    assert props("IdempotencyTable")["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"}]
    assert "GlobalSecondaryIndexes" not in props("IdempotencyTable")


@pytest.mark.parametrize("queue", ["NotificationsQueue", "InboundMailQueue"])
def test_queues_go_to_their_dlq_after_five_receives(queue: str) -> None:
    redrive = props(queue)["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == 5
    dlq = queue.replace("Queue", "DLQ")
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq, "Arn"]}
    assert props(dlq)["MessageRetentionPeriod"] == 14 * 24 * 3600


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("queue", ["NotificationsQueue", "InboundMailQueue"])
def test_visibility_timeout_is_six_lambda_timeouts(stage: str, queue: str) -> None:
    timeout = CONFIG["stages"][stage]["lambda_timeout"]
    assert props(queue)["VisibilityTimeout"] >= 6 * timeout


def test_stored_mail_is_announced_on_the_inbound_queue_and_only_s3_may_send() -> None:
    (target,) = props("InboundMailBucket")["NotificationConfiguration"]["QueueConfigurations"]
    assert target["Queue"] == {"Fn::GetAtt": ["InboundMailQueue", "Arn"]}
    assert target["Event"] == "s3:ObjectCreated:*"
    assert target["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "inbound/"}]
    assert RESOURCES["InboundMailBucket"]["DependsOn"] == "InboundMailQueuePolicy"
    (allow,) = props("InboundMailQueuePolicy")["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


@pytest.mark.parametrize("function", ["Notifications", "InboundMail"])
def test_consumers_report_partial_batch_failures(function: str) -> None:
    events = RESOURCES[function]["Properties"]["Events"]
    assert events[f"{function}SqsEventSource"]["Properties"]["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"]


def test_buckets_are_private_encrypted_and_owner_enforced() -> None:
    buckets = of_type("AWS::S3::Bucket")
    assert len(buckets) == 3
    for name in buckets:
        p = props(name)
        assert set(p["PublicAccessBlockConfiguration"].values()) == {True}, name
        assert len(p["PublicAccessBlockConfiguration"]) == 4, name
        rule = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert p["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_attachments_accept_browser_posts_from_the_portal_origin() -> None:
    (rule,) = props("AttachmentsBucket")["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [{"Ref": "PortalOrigin"}]


def test_only_ses_from_this_account_may_write_raw_mail() -> None:
    statements = props("InboundMailBucketPolicy")["PolicyDocument"]["Statement"]
    (ses,) = [s for s in statements if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert ses["Action"] == "s3:PutObject"
    assert ses["Resource"] == {"Fn::Sub": "${InboundMailBucket.Arn}/inbound/*"}
    assert ses["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    rule = props("InboundMailRule")["Rule"]
    assert rule["Actions"][0]["S3Action"]["ObjectKeyPrefix"] == "inbound/"
    assert rule["ScanEnabled"] is True and rule["TlsPolicy"] == "Require"
    assert RESOURCES["InboundMailRule"]["DependsOn"] == "InboundMailBucketPolicy"
    expiry = [
        r
        for r in props("InboundMailBucket")["LifecycleConfiguration"]["Rules"]
        if r.get("Prefix") == "inbound/"
    ]
    assert expiry[0]["ExpirationInDays"] == 90


def test_portal_is_served_through_cloudfront_with_a_strict_csp() -> None:
    config = props("PortalDistribution")["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "OriginAccessControlId" in config["Origins"][0]
    headers = props("PortalResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = {d.split()[0]: d.split()[1:] for d in re.split(r";\s*", csp.strip())}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    # Images from the files bucket only (help articles'), no other host.
    assert directives["img-src"][:3] == ["'self'", "data:", "blob:"]
    assert all("-attachments.s3." in host for host in directives["img-src"][3:])
    assert "*" not in " ".join(directives["img-src"][3:]).replace("${", "")
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert "ContentTypeOptions" in security and "ReferrerPolicy" in security


def test_the_client_cannot_write_the_tenant() -> None:
    client = props("UserPoolClient")
    # Without WriteAttributes a client may write every mutable attribute: it must be explicit.
    assert "custom:tenant" not in client["WriteAttributes"]
    assert "custom:tenant" in client["ReadAttributes"]
    (tenant,) = [a for a in props("UserPool")["Schema"] if a["Name"] == "tenant"]
    assert tenant["Mutable"] is False
    assert tenant["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "64"}


def test_the_client_flows_and_token_lifetimes() -> None:
    client = props("UserPoolClient")
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    units = client["TokenValidityUnits"]
    assert (client["IdTokenValidity"], units["IdToken"]) == (1, "hours")
    assert (client["AccessTokenValidity"], units["AccessToken"]) == (1, "hours")
    assert (client["RefreshTokenValidity"], units["RefreshToken"]) == (30, "days")


def test_the_demo_password_satisfies_the_password_policy() -> None:
    policy = props("UserPool")["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert satisfies(policy, DEMO_PASSWORD)
    # ... and the check is not vacuous.
    for weak in [
        "Demo-pass-1",
        "demo-password-1",
        "DEMO-PASSWORD-1",
        "Demo-password-x",
        "Demopassword1",
    ]:
        assert not satisfies(policy, weak), weak


def test_roles_are_not_cognito_groups() -> None:
    # Roles are the directory's (read with the user on every request); no group could
    # disagree with it, and the functions may not manage any.
    assert of_type("AWS::Cognito::UserPoolGroup") == {}
    actions = role_statements()["ManageUsers"]["Action"]
    assert [a for a in actions if "Group" in a] == []


def test_a_user_cannot_change_their_own_email() -> None:
    """ISSUE14 item 4: with their own token a user could change the login address that
    Cognito and the directory know them by. The client may not write it, and a change
    made by an admin call takes effect only once the new address is verified."""
    client = props("UserPoolClient")
    assert "email" not in client["WriteAttributes"]
    assert "email_verified" not in client["WriteAttributes"]
    pool = props("UserPool")
    assert pool["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]}


def test_cognito_mails_through_our_ses_identity() -> None:
    """Invitations and reset codes do not share Cognito's small built-in daily quota."""
    mail = props("UserPool")["EmailConfiguration"]
    assert mail["EmailSendingAccount"] == "DEVELOPER"
    assert mail["From"] == {"Fn::Sub": "Helpdesk <noreply@${MailDomain}>"}
    default, override = mail["SourceArn"]["Fn::If"][1:]
    assert mail["SourceArn"]["Fn::If"][0] == "CognitoMailFromMailDomain"
    assert default == {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:"
                                  "${AWS::AccountId}:identity/${MailDomain}"}
    assert override == {"Ref": "CognitoMailIdentityArn"}
    pattern = TEMPLATE["Parameters"]["CognitoMailIdentityArn"]["AllowedPattern"]
    assert re.fullmatch(pattern, "")
    assert re.fullmatch(pattern, "arn:aws:ses:eu-west-1:123456789012:identity/example.com")
    assert not re.fullmatch(pattern, "arn:aws:s3:::bucket")


def test_functions_get_the_generated_ids_through_sam_globals() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert variables["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert variables["HELPDESK_SECRET"] == {"Ref": "HelpdeskSecret"}
    assert variables["PORTAL_ORIGIN"] == {"Ref": "PortalOrigin"}
    assert TEMPLATE["Parameters"]["HelpdeskSecret"]["NoEcho"] is True
    assert TEMPLATE["Parameters"]["HelpdeskSecret"]["MinLength"] >= 32


def role_statements() -> dict[str, dict[str, Any]]:
    (policy,) = RESOURCES["DefaultRole"]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_all_functions_share_the_role_the_template_merges_into(stage: str) -> None:
    # chalice names its one shared role DefaultRole only when it generates the policy.
    settings = CONFIG["stages"][stage]
    assert settings["autogen_policy"] is True
    assert settings.get("manage_iam_role", True) is True
    assert "lambda_functions" not in settings or all(
        "iam_policy_file" not in f and "autogen_policy" not in f
        for f in settings["lambda_functions"].values()
    )


def test_the_lambda_role_reaches_every_table_and_index_but_cannot_scan() -> None:
    tables = role_statements()["Tables"]
    assert "dynamodb:Scan" not in tables["Action"]
    assert not any(a.endswith("*") for a in tables["Action"])
    for name in of_type("AWS::DynamoDB::Table"):
        assert {"Fn::GetAtt": [name, "Arn"]} in tables["Resource"]
        if props(name).get("GlobalSecondaryIndexes"):
            assert {"Fn::Sub": "${" + name + ".Arn}/index/*"} in tables["Resource"]


def test_every_role_statement_names_its_resources() -> None:
    for sid, statement in role_statements().items():
        resources = statement.get("Resource", statement.get("NotResource"))
        assert resources not in ("*", ["*"]), sid
        for ref in json.dumps(resources).split('"Fn::GetAtt": [')[1:]:
            assert ref.split('"')[1] in RESOURCES, sid


def _throttles() -> dict[tuple[str, str], tuple[int, int]]:
    """(ResourcePath, HttpMethod) -> (rate, burst), with the parameters' defaults."""
    assert RESOURCES["RestAPI"]["Type"] == "AWS::Serverless::Api"  # chalice's, merged into
    parameters = TEMPLATE["Parameters"]
    found = {}
    for setting in props("RestAPI")["MethodSettings"]:
        rate, burst = setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]
        found[(setting["ResourcePath"], setting["HttpMethod"])] = (
            parameters[rate["Ref"]]["Default"], parameters[burst["Ref"]]["Default"])
    return found


def test_the_api_stage_is_throttled() -> None:
    rate, burst = _throttles()[("/*", "*")]
    assert 0 < rate <= burst


def test_every_public_auth_route_and_ticket_answers_has_a_stricter_throttle() -> None:
    from app import app  # noqa: F401  (registers every route)
    from chalicelib.api.routing import OPERATIONS

    throttles = _throttles()
    stage_rate, stage_burst = throttles[("/*", "*")]
    wanted = [op for op in OPERATIONS if op.public
              and (op.path.startswith("/auth/") or op.path == "/ticket-answers")]
    assert {op.path for op in wanted} >= {"/auth/login", "/auth/forgot-password",
                                          "/auth/reset-password", "/ticket-answers"}
    for op in wanted:
        # API Gateway's method-setting path: every "/" written "~1", after a leading "/".
        key = ("/" + op.path.replace("/", "~1"), op.method)
        assert key in throttles, f"{op.method} {op.path} has no throttle of its own"
        rate, burst = throttles[key]
        assert 0 < rate < stage_rate and rate <= burst < stage_burst, op.path


def test_the_gateways_429_is_a_problem_with_retry_after() -> None:
    throttled = props("ThrottledResponse")
    assert throttled["StatusCode"] == "429"
    assert throttled["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    assert '"status": 429' in throttled["ResponseTemplates"]["application/json"]
