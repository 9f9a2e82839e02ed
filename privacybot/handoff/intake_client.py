"""The action server's client of the service's internal intake endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from privacybot.settings import Settings


class IntakeUnavailable(RuntimeError):
    """The service could not store or look up the request; nothing was stored."""


class IntakeRejected(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class Handed:
    reference: str
    confirmation: str  # required | optional | off: see privacybot.desk.service.Submitted


@dataclass
class IntakeClient:
    base_url: str
    token: str
    timeout: float = 10.0
    # One client for the action server's life: its connections are kept open and shared by
    # the worker threads (a client per call built an SSL context each time).
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            headers={"X-Internal-Token": self.token},
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> IntakeClient:
        return cls(settings.services.api_url, settings.api.internal_token)

    def submit(self, fields: dict, idempotency_key: str, channel: str) -> Handed:
        """The request's reference (the same key always gives the same one), and whether the
        patient is to confirm their e-mail address."""
        body = {**fields, "idempotency_key": idempotency_key, "channel": channel}
        response = self._post("/internal/requests", body)
        if response.status_code == 422:
            problems = response.json().get("detail") or [{}]
            problem = problems[0] if isinstance(problems, list) else {}
            location = problem.get("loc") or ["?"]
            raise IntakeRejected(str(location[-1]), problem.get("msg", "invalid request"))
        if response.status_code not in (200, 201):
            raise IntakeUnavailable(f"intake answered {response.status_code}")
        answer = response.json()
        return Handed(answer["reference"], answer.get("confirmation", "off"))

    def confirm_code(self, reference: str, code: str) -> str:
        """confirmed, already, expired, wrong, locked or invalid."""
        response = self._post(
            "/internal/requests/confirm-code", {"reference": reference, "code": code}
        )
        if response.status_code != 200:
            raise IntakeUnavailable(f"confirmation answered {response.status_code}")
        return response.json()["outcome"]

    def status(self, reference: str, email: str) -> str | None:
        response = self._post(
            "/internal/requests/status", {"reference": reference, "contact_email": email}
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise IntakeUnavailable(f"status lookup answered {response.status_code}")
        return response.json()["status"]

    def keep_draft(self, key: str, fields: dict[str, str | None]) -> None:
        """Keep checked form answers out of the conversation, in the service's draft."""
        response = self._call("PUT", f"/internal/drafts/{key}", fields)
        if response.status_code != 200:
            raise IntakeUnavailable(f"draft answered {response.status_code}")

    def draft(self, key: str) -> dict[str, str | None]:
        response = self._call("GET", f"/internal/drafts/{key}")
        if response.status_code == 404:
            return {}
        if response.status_code != 200:
            raise IntakeUnavailable(f"draft answered {response.status_code}")
        return response.json()

    def discard_draft(self, key: str) -> None:
        response = self._call("DELETE", f"/internal/drafts/{key}")
        if response.status_code != 204:
            raise IntakeUnavailable(f"draft answered {response.status_code}")

    def _post(self, path: str, body: dict) -> httpx.Response:
        return self._call("POST", path, body)

    def _call(self, method: str, path: str, body: dict | None = None) -> httpx.Response:
        try:
            return self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise IntakeUnavailable(str(error)) from error
