"""The generated OpenAPI document is valid 3.1 and names every route once."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_the_openapi_document_is_valid_and_complete() -> None:
    from app import app
    from chalicelib.api.openapi import build_spec

    spec = build_spec()
    validate(spec)
    declared = {(path, method.lower()) for path, methods in app.routes.items()
                for method in methods}
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert declared == documented
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
