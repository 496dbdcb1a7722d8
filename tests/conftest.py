"""Shared by every layer: dummy AWS credentials and region before any client exists,
so nothing can ever reach real AWS."""

from __future__ import annotations

import os

for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "HELPDESK_SECRET": "test-secret-that-is-long-enough-for-hmac",
})
