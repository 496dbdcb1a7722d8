"""Issue 14, item 9: every botocore client retries in ``standard`` mode."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.config import Config

from chalicelib.store import clients

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    clients.reset_clients()
    yield
    clients.reset_clients()


def test_standard_retries_keep_the_other_settings() -> None:
    merged = clients.with_standard_retries(
        Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}))
    assert merged.retries == {"max_attempts": 1, "mode": "standard"}
    assert (merged.connect_timeout, merged.read_timeout) == (1, 2)
    assert clients.with_standard_retries().retries == {"mode": "standard"}
    assert clients.with_standard_retries(Config(retries={"mode": "legacy"})).retries == {
        "mode": "standard"}


@pytest.mark.parametrize("make", [clients.client, clients.quick_client])
def test_the_apps_clients_use_standard_retries(fresh_clients: None, make: object) -> None:
    assert callable(make)
    for service in ("dynamodb", "sqs", "s3", "cognito-idp", "sesv2"):
        made = make(service)
        assert made.meta.config.retries["mode"] == "standard"
        # botocore's standard mode counts attempts with the first one included.
        assert made.meta.config.retries["total_max_attempts"] >= 2
        assert made.meta.config.connect_timeout in (1, 3)


def test_no_client_is_made_without_the_retry_config() -> None:
    """App code gets clients from chalicelib/store/clients.py; every ``.client(...)`` call
    of the app and of the scripts that reach a real account passes a ``config``."""
    unconfigured = []
    for path in [*(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "scripts").rglob("*.py"),
                 ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "client" \
                    and not any(k.arg == "config" for k in node.keywords):
                unconfigured.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unconfigured == []
