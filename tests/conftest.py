"""Shared by every layer: dummy AWS credentials and region before any client exists,
so nothing can ever reach real AWS."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import pytest

for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
              "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(_name, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "HELPDESK_SECRET": "test-secret-that-is-long-enough-for-hmac",
})
# The app's rate limits (chalicelib/config.py RateLimits), inherited by every local stack
# the tests start: every test client is 127.0.0.1 and the demo users sign in again and
# again, which no real client does. Forgot- and reset-password keep their defaults per
# address (and reset-password per IP), so tests/e2e/test_http_contract.py sees the real
# limits; tests of a limit set their own (tests/integration/test_rate_limits.py).
os.environ.update({
    "RATE_LIMIT_LOGIN_PER_EMAIL": "100000/300",
    "RATE_LIMIT_LOGIN_PER_IP": "100000/300",
    "RATE_LIMIT_FORGOT_PASSWORD_PER_IP": "100000/3600",
    "RATE_LIMIT_ATTACHMENTS_PER_USER": "100000/3600",
    "RATE_LIMIT_ATTACHMENTS_PER_IP": "100000/3600",
    "RATE_LIMIT_HELP_FEEDBACK_PER_IP": "100000/3600",
    "RATE_LIMIT_HELP_VIEWS_PER_IP": "100000/3600",
    "RATE_LIMIT_CHAT_STARTS_PER_IP": "100000/3600",
})


# The e2e modules that never use the session's stack: each starts (and stops, or kills)
# stacks of its own.
OWN_STACK = {"test_api_schema.py", "test_restart.py", "test_crash_safety.py"}
# Modules whose tests are groups of their own: the API fuzz's two halves run on both
# workers at once (each worker starts the module's stack for its half).
SPLIT_BY_TEST = ("tests/e2e/test_api_schema.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test gets its layer's marker (``-m unit`` runs the unit tests alone).

    ``make test`` runs two pytest-xdist workers (``--dist loadgroup``): the e2e modules
    that share the session's local stack and browser are two fixed groups (a hash of the
    module), each on one worker with the stack and browser that worker starts once, so
    the browser tests do not all wait on one worker; the e2e
    modules that start stacks of their own (``OWN_STACK``; the API fuzz's tests each) and
    each integration module are groups of their own, so the two workers share the load,
    and a module's resources and tenants are set up once (each worker bootstraps the
    shared moto resources once, on first use)."""
    for item in items:
        layer = item.nodeid.split("/")[1] if item.nodeid.startswith("tests/") else ""
        module = item.nodeid.split("::", 1)[0]
        if layer in ("unit", "integration", "e2e"):
            item.add_marker(getattr(pytest.mark, layer))
        if layer == "e2e" and module.rsplit("/", 1)[-1] not in OWN_STACK:
            item.add_marker(pytest.mark.xdist_group(f"e2e-{zlib.crc32(module.encode()) % 2}"))
        elif module.endswith(SPLIT_BY_TEST):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("[", 1)[0]))
        elif layer in ("e2e", "integration"):
            item.add_marker(pytest.mark.xdist_group(module))


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """The endpoint of one in-memory DynamoDB Local (AWS's own engine), started on first use
    and stopped at the end of the run. It holds no tables: a user creates them (e.g.
    ``local.bootstrap.create_resources(None, dynamodb_endpoint_url=endpoint)`` under
    ``mock_aws``, whose interception leaves requests to 127.0.0.1 alone) and points the app
    at it with ``AWS_ENDPOINT_URL_DYNAMODB``. ``make test`` installs the engine
    (``scripts/ensure-dynamodb-local.sh``)."""
    from local.dynamodb_local import DynamoDBLocal

    engine = DynamoDBLocal(None)
    endpoint = engine.start()
    yield endpoint
    engine.stop()
