"""Schemathesis against the generated OpenAPI document, in-process, with a token of each
role: no server errors, every status and body as the document declares, invalid input
refused with a 4xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_client import token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 10
ROLES = ("admin", "commissioner_a", "liaison_u1", "expert_u1")


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, make, world, role) -> None:
    ticket = make.ticket(world, "in_progress")
    headers = {"Authorization": f"Bearer {token_for(app, getattr(world, role))}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {"number": ticket.number} if "{number}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(mode, path_parameters=fixed)

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:  # type: ignore[no-untyped-def]
                nonlocal cases
                cases += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()
    print(f"schemathesis {role}: {cases} cases")
    assert cases > 100
