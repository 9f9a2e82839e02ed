"""The service's OpenAPI schema, fuzzed against the running service with schemathesis: whatever
a client sends, no 5xx, and every answer is one the schema declares (status, content type,
body shape).

Desk routes are called as the staff user, internal ones with the internal token. Valid
(positive) cases for an existing conversation or request use a real one, so the fuzzer
reaches the assistant and the desk's 200 answers, not only their 404s.
"""

from __future__ import annotations

import base64
import os
import uuid

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from privacybot.api.app import create_app

pytestmark = pytest.mark.assistant

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
INTERNAL_TOKEN_HEADER = "x-internal-token"


@pytest.fixture(scope="module")
def api_url(rasa_url, settings) -> str:
    """The service in front of a running assistant (the chat must not answer 503)."""
    return settings.services.api_url


@pytest.fixture(scope="module")
def existing_reference(api_url) -> str:
    """A request in the desk, so the desk routes can answer 200 and 409 too."""
    response = httpx.post(
        f"{api_url}/internal/requests",
        headers={INTERNAL_TOKEN_HEADER: os.environ["PRIVACYBOT_API__INTERNAL_TOKEN"]},
        json={
            "idempotency_key": uuid.uuid4().hex,
            "kind": "disclosure",
            "requester_name": "Fuzz Tester",
            "contact_email": "fuzz.tester@example.com",
            "description": "A copy of my records, please.",
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["reference"]


# The schema the service's own code declares, internal routes included, so the operations are
# known when pytest collects them (the service starts later, with the first test); the first
# test checks that the running service serves this very schema at /openapi.json, less the
# internal routes.
schema = schemathesis.openapi.from_dict(create_app().openapi())


def test_the_running_service_serves_the_fuzzed_schema_without_internal_routes(api_url):
    served = httpx.get(f"{api_url}/openapi.json", timeout=30)
    assert served.status_code == 200
    full = schema.raw_schema
    public = {p: v for p, v in full["paths"].items() if not p.startswith("/internal/")}
    assert len(public) < len(full["paths"])
    assert served.json() == {**full, "paths": public}
    assert not any("/internal" in path for path in served.json()["paths"])


@schema.parametrize()
@hypothesis.settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_service_answers_every_request_as_its_schema_says(
    case, api_url, staff_user, existing_reference
):
    headers = {}
    if case.path.startswith("/desk/"):
        user, password = staff_user
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    if case.path.startswith("/internal/"):
        headers[INTERNAL_TOKEN_HEADER] = os.environ["PRIVACYBOT_API__INTERNAL_TOKEN"]
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        parameters = case.path_parameters or {}
        if "conversation_id" in parameters:
            issued = httpx.post(f"{api_url}/chat/conversations", timeout=30)
            parameters["conversation_id"] = issued.json()["conversation_id"]
        if "reference" in parameters:
            parameters["reference"] = existing_reference
    case.call_and_validate(base_url=api_url, headers=headers, checks=CHECKS, timeout=60)
