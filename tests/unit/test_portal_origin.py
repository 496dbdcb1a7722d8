"""Issue 14, item 9: a deployment names its portal's origin; ``*`` (any origin may call
the API and upload) is the local stack's only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.config import get_config
from local.bootstrap import TEMPLATE_PATH, Resolver, UnresolvableError, stack_parameters
from scripts.pin_cors_origin import pin_preflight_origin

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))
PARAMETER = TEMPLATE["Parameters"]["PortalOrigin"]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))


def allowed(origin: str) -> bool:
    return re.fullmatch(PARAMETER["AllowedPattern"], origin) is not None


def test_a_deployment_must_name_the_portal_origin() -> None:
    assert "Default" not in PARAMETER


@pytest.mark.parametrize("origin", [
    "*", "", " ", "null", "http://portal.example.com", "https://*.example.com",
    "https://portal.example.com/", "https://portal.example.com/path",
    "https://a.example.com,https://evil.example", "https://a.example.com https://b.example",
    "https://evil.example\n", "https://", "*.cloudfront.net",
])
def test_the_template_refuses_any_origin_but_one_https_origin(origin: str) -> None:
    assert not allowed(origin)


@pytest.mark.parametrize("origin", [
    "https://d111111abcdef8.cloudfront.net", "https://support.example.com",
    "https://support.example.com:8443", "https://portal-origin.invalid",
])
def test_the_template_takes_a_real_origin(origin: str) -> None:
    assert allowed(origin)


def test_deploy_uses_an_origin_the_template_takes_and_never_any() -> None:
    script = (ROOT / "scripts" / "deploy.sh").read_text(encoding="utf-8")
    (closed,) = re.findall(r'CLOSED_ORIGIN="([^"]+)"', script)
    assert allowed(closed)
    assert ":-*}" not in script  # no `${PORTAL_ORIGIN:-*}` fallback


def test_only_the_local_stack_allows_any_origin_for_uploads() -> None:
    assert stack_parameters("local")["PortalOrigin"] == "*"
    assert "PortalOrigin" not in stack_parameters("dev")
    cors = TEMPLATE["Resources"]["AttachmentsBucket"]["Properties"]["CorsConfiguration"]
    local = Resolver(TEMPLATE, stack_parameters("local"), region="eu-west-1").resolve(cors)
    assert local["CorsRules"][0]["AllowedOrigins"] == ["*"]
    with pytest.raises(UnresolvableError):
        Resolver(TEMPLATE, stack_parameters("dev"), region="eu-west-1").resolve(cors)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_deployed_stage_configures_any_origin(stage: str) -> None:
    variables = CONFIG["stages"][stage]["environment_variables"]
    assert variables.get("PORTAL_ORIGIN", "") not in ("*",)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_config.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_config.cache_clear()


@pytest.mark.parametrize("stage,origin,answered", [
    ("local", None, "*"),
    ("local", "http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("prod", None, ""),
    ("prod", "*", ""),
    ("dev", " * ", ""),
    ("prod", "https://support.example.com", "https://support.example.com"),
])
def test_the_app_answers_any_origin_only_on_the_local_stage(
        env: pytest.MonkeyPatch, stage: str, origin: str | None, answered: str) -> None:
    env.setenv("HELPDESK_STAGE", stage)
    if origin is None:
        env.delenv("PORTAL_ORIGIN", raising=False)
    else:
        env.setenv("PORTAL_ORIGIN", origin)
    get_config.cache_clear()
    assert get_config().portal_origin == answered


def test_the_packaged_preflight_answers_the_stacks_origin() -> None:
    origin = "method.response.header.Access-Control-Allow-Origin"
    preflight = {"x-amazon-apigateway-integration": {"type": "mock", "responses": {
        "default": {"statusCode": "200", "responseParameters": {
            origin: "'*'", "method.response.header.Access-Control-Max-Age": "'600'"}}}}}
    template = {"Resources": {"RestAPI": {"Properties": {"DefinitionBody": {"paths": {
        "/tickets": {"options": json.loads(json.dumps(preflight)), "get": {}},
        "/tickets/{id}": {"options": json.loads(json.dumps(preflight))},
        "/health": {"get": {}},
    }}}}}}
    assert pin_preflight_origin(template) == 2
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    for path in ("/tickets", "/tickets/{id}"):
        answer = paths[path]["options"]["x-amazon-apigateway-integration"]["responses"]["default"]
        assert answer["responseParameters"][origin] == {"Fn::Sub": "'${PortalOrigin}'"}
        assert answer["responseParameters"]["method.response.header.Access-Control-Max-Age"] \
            == "'600'"
