"""Request and response bodies of the service's API (shown in its OpenAPI docs)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from privacybot.desk.models import DataRequest
from privacybot.handoff.form_spec import KINDS

# The database keeps UTC without a zone; the API says so (RFC 3339, as its schema promises).
UtcDatetime = Annotated[
    datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))
]

Kind = Literal[KINDS]  # privacybot/handoff/form_spec.py
Status = Literal["unconfirmed", "received", "in_progress", "completed", "rejected"]


class IntakeRequest(BaseModel):
    idempotency_key: str = Field(
        min_length=8, max_length=128, description="the same for a repeated submission of one form"
    )
    channel: str = Field(default="chat", max_length=20)
    kind: str = Field(max_length=40)
    requester_name: str = Field(max_length=20_000)
    contact_email: str = Field(max_length=20_000)
    phone: str | None = Field(default=None, max_length=200)
    on_behalf_of: str = Field(default="self", max_length=40)
    relationship: str | None = Field(default=None, max_length=2_000)
    description: str = Field(max_length=20_000)
    language: str | None = Field(
        default=None, max_length=16, description="the language the patient wrote in (en, ja)"
    )


class IntakeResponse(BaseModel):
    reference: str
    created: bool
    confirmation: Literal["required", "optional", "off"] = Field(
        description="required: the clinic gets the request once the patient confirms their "
        "e-mail address; optional: the clinic has it, the patient is asked to confirm; off: "
        "nothing to confirm"
    )


class CodeConfirmation(BaseModel):
    reference: str = Field(max_length=100)
    code: str = Field(max_length=20, description="the code from the patient's acknowledgment")


class CodeOutcome(BaseModel):
    outcome: Literal["confirmed", "already", "expired", "wrong", "locked", "invalid"]
    reference: str


class StatusQuery(BaseModel):
    reference: str = Field(max_length=100)
    contact_email: str = Field(max_length=320)


class StatusAnswer(BaseModel):
    reference: str
    status: Status


class DraftFields(BaseModel):
    """Checked answers of a request form in progress (each optional: sent one at a time)."""

    model_config = {"extra": "forbid"}

    requester_name: str | None = Field(default=None, max_length=100)
    contact_email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    relationship: str | None = Field(default=None, max_length=60)
    request_description: str | None = Field(default=None, max_length=2000)


class EventOut(BaseModel):
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    at: UtcDatetime


class MessageOut(BaseModel):
    kind: Literal["note", "reply"] = Field(description="note: internal; reply: sent to the patient")
    author: str
    body: str
    template: str | None
    at: UtcDatetime


class RequestSummary(BaseModel):
    reference: str
    kind: str
    status: str
    requester_name: str
    contact_email: str
    channel: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    confirmed_at: UtcDatetime | None = Field(
        default=None, description="when the requester proved their e-mail address"
    )
    due_on: date | None = Field(default=None, description="when the clinic's answer is due")
    overdue: bool = Field(default=False, description="open, and the due date has passed")
    assignee: str | None = Field(default=None, description="the staff member handling it")

    @classmethod
    def of(cls, row: DataRequest) -> RequestSummary:
        return cls.model_validate(row, from_attributes=True).model_copy(
            update={"overdue": row.is_overdue()}
        )


class RequestDetail(RequestSummary):
    phone: str | None
    on_behalf_of: str
    relationship_to_patient: str | None
    description: str
    language: str | None = None  # the patient's language: answer them in it
    identity_method: str | None = Field(default=None, description="how the identity was checked")
    identity_checked_by: str | None = None
    identity_checked_at: UtcDatetime | None = None
    events: list[EventOut]
    messages: list[MessageOut] = Field(
        default_factory=list, description="internal notes and the replies sent to the patient"
    )

    @classmethod
    def of(cls, row: DataRequest) -> RequestDetail:
        return cls.model_validate(row, from_attributes=True).model_copy(
            update={"overdue": row.is_overdue()}
        )


class RequestList(BaseModel):
    total: int
    items: list[RequestSummary]


class Assignment(BaseModel):
    assignee: str | None = Field(max_length=100, description="a staff member; null: nobody")


class NoteIn(BaseModel):
    text: str = Field(max_length=20_000)


class IdentityCheck(BaseModel):
    method: str = Field(
        max_length=100, description="one of the clinic's ways (GET /desk/api/options)"
    )
    note: str | None = Field(default=None, max_length=400)


class ReplyIn(BaseModel):
    text: str = Field(max_length=20_000)
    template: str | None = Field(default=None, max_length=60)
    client_key: str | None = Field(
        default=None,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the page's id for this reply: sent again, it is mailed once",
    )


class ReplyDraft(BaseModel):
    template: str
    language: str
    text: str


class TemplateOut(BaseModel):
    key: str
    title: str


class DeskOptions(BaseModel):
    """What the desk page offers: colleagues, ways to check identity, reply templates."""

    me: str
    staff: list[str]
    identity_methods: list[str]
    identity_check_before_completing: bool
    templates: dict[str, list[TemplateOut]] = Field(description="by language")


class StatusChange(BaseModel):
    status: Status
    note: str | None = Field(default=None, max_length=500)
