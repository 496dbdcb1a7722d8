"""Property-based API test: schemathesis generates requests from ``/openapi.json`` for
every operation and sends each as every demo role. Any 5xx, or an answer that does not
match the spec (status, content type, headers, body schema), fails the test. Endpoints
added by later modules are covered automatically through the spec.

``positive_data_acceptance`` is left out on purpose: a cursor, an ETag or an
Idempotency-Key can be schema-valid and still be one this API never issued, and the
contract says the answer to those is 400.

It runs on a stack of its own, because the generated requests change settings, roles
and users at random.

``make test`` sends a few examples (8) per operation and role, the same ones every run
(derandomized); ``make fuzz`` sends ``HELPDESK_FUZZ_EXAMPLES`` (default 200), drawn from
the seed pytest-randomly prints, so a failure replays with ``--randomly-seed``.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.filters import HasAPIOperation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

ROLES = ("admin@demo.test", "agent@demo.test", "customer@demo.test")
DEFAULT_EXAMPLES = 8
EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(state_dir=Path(tmp_path_factory.mktemp("fuzz"))).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def fuzz_tokens(fuzz_stack: Stack) -> dict[str, str]:
    return {email: fuzz_stack.login(email) for email in ROLES}


@pytest.fixture(scope="module")
def api_schema(fuzz_stack: Stack) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_url(f"{fuzz_stack.url}/openapi.json")
    # The test sends each role's real token; a generated Authorization header would be
    # replaced by it, and a negative case "accepted" for a header it never sent.
    loaded.config.generation.update(with_security_parameters=False)
    # An invalid body that is also too large is refused for its size first (413, declared
    # for every operation with a body), a rejection as good as a 400.
    loaded.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*NegativeDataRejectionConfig._DEFAULT_EXPECTED_STATUSES, "413"])
    return loaded


def _half(which: int) -> Callable[[HasAPIOperation], bool]:
    """One of two fixed halves of the operations, by a hash of method and path: the two
    tests below take a half each, so ``make test``'s two workers fuzz at once (each on a
    stack of its own: the fixtures are per module and worker)."""
    def chosen(ctx: HasAPIOperation) -> bool:
        operation = ctx.operation
        return zlib.crc32(f"{operation.method.upper()} {operation.path}".encode()) % 2 == which
    return chosen


first_half = schemathesis.pytest.from_fixture("api_schema").include(_half(0))
second_half = schemathesis.pytest.from_fixture("api_schema").include(_half(1))
fuzzed = settings(max_examples=EXAMPLES, deadline=None,
                  suppress_health_check=list(HealthCheck),
                  derandomize=EXAMPLES == DEFAULT_EXAMPLES)


def _conforms(case: schemathesis.Case, stack: Stack, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        case.call_and_validate(base_url=stack.url,
                               headers={"Authorization": f"Bearer {token}"},
                               excluded_checks=[positive_data_acceptance])


@first_half.parametrize()
@fuzzed
def test_every_operation_conforms_for_every_role(
    case: schemathesis.Case, fuzz_stack: Stack, fuzz_tokens: dict[str, str]
) -> None:
    _conforms(case, fuzz_stack, fuzz_tokens)


@second_half.parametrize()
@fuzzed
def test_every_other_operation_conforms_for_every_role(
    case: schemathesis.Case, fuzz_stack: Stack, fuzz_tokens: dict[str, str]
) -> None:
    _conforms(case, fuzz_stack, fuzz_tokens)
