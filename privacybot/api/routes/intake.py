"""Internal endpoints the action server calls: take a request in, tell its status."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from sqlalchemy.exc import OperationalError

from privacybot.api.deps import get_desk, require_internal_token
from privacybot.api.schemas import (
    CodeConfirmation,
    CodeOutcome,
    DraftFields,
    IntakeRequest,
    IntakeResponse,
    StatusAnswer,
    StatusQuery,
)
from privacybot.api.security import SIGN_IN_RESPONSES
from privacybot.desk.drafts import RequestDrafts
from privacybot.desk.intake import FieldError, RequestSubmission
from privacybot.desk.service import RequestDesk

router = APIRouter(
    prefix="/internal",
    tags=["internal"],
    dependencies=[Depends(require_internal_token)],
    responses=SIGN_IN_RESPONSES,
)
DRAFT_KEY = Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")
STORAGE_DOWN = HTTPException(status_code=503, detail="storage unavailable; please try again")


def get_drafts(request: Request) -> RequestDrafts:
    return request.app.state.drafts


@router.put(
    "/drafts/{key}",
    response_model=DraftFields,
    responses={503: {"description": "storage unavailable"}},
)
def keep_draft_answers(
    body: DraftFields, key: str = DRAFT_KEY, drafts: RequestDrafts = Depends(get_drafts)
) -> DraftFields:
    """Keep checked answers of a request form in progress; returns the whole draft."""
    try:
        return DraftFields(**drafts.update(key, body.model_dump(exclude_unset=True)))
    except OperationalError:
        raise STORAGE_DOWN from None


@router.get(
    "/drafts/{key}",
    response_model=DraftFields,
    responses={404: {"description": "no such draft"}, 503: {"description": "storage unavailable"}},
)
def read_draft(key: str = DRAFT_KEY, drafts: RequestDrafts = Depends(get_drafts)) -> DraftFields:
    try:
        draft = drafts.get(key)
    except OperationalError:
        raise STORAGE_DOWN from None
    if draft is None:
        raise HTTPException(status_code=404, detail="no such draft")
    return DraftFields(**draft)


@router.delete(
    "/drafts/{key}", status_code=204, responses={503: {"description": "storage unavailable"}}
)
def discard_draft(key: str = DRAFT_KEY, drafts: RequestDrafts = Depends(get_drafts)) -> None:
    try:
        drafts.discard(key)
    except OperationalError:
        raise STORAGE_DOWN from None


@router.post(
    "/requests",
    response_model=IntakeResponse,
    status_code=201,
    responses={
        200: {"model": IntakeResponse, "description": "the same submission again: already stored"},
        503: {"description": "storage unavailable"},
    },
)
def submit_request(
    body: IntakeRequest, request: Request, response: Response, desk: RequestDesk = Depends(get_desk)
) -> IntakeResponse:
    try:
        submission = RequestSubmission.validated(
            **body.model_dump(exclude={"idempotency_key", "channel"})
        )
    except FieldError as error:  # in FastAPI's own shape for a 422, as the schema says
        raise HTTPException(
            status_code=422,
            detail=[{"loc": ["body", error.field], "msg": error.reason, "type": "value_error"}],
        ) from None
    try:
        submitted = desk.submit(submission, body.idempotency_key, channel=body.channel)
    except OperationalError:
        raise HTTPException(
            status_code=503,
            detail="the request could not be stored; nothing was saved, please try again",
        ) from None
    request.app.state.outbox_wakeup.set()
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    return IntakeResponse(
        reference=submitted.reference,
        created=submitted.created,
        confirmation=submitted.confirmation,
    )


@router.post(
    "/requests/confirm-code",
    response_model=CodeOutcome,
    responses={503: {"description": "storage unavailable"}},
)
def confirm_by_code(
    body: CodeConfirmation, request: Request, desk: RequestDesk = Depends(get_desk)
) -> CodeOutcome:
    """The patient typed the code from their acknowledgment into the chat."""
    try:
        found = desk.confirm_by_code(body.reference, body.code)
    except OperationalError:
        raise STORAGE_DOWN from None
    if found.outcome == "confirmed":
        request.app.state.outbox_wakeup.set()
    return CodeOutcome(outcome=found.outcome, reference=found.reference or body.reference)


@router.post(
    "/requests/status",
    response_model=StatusAnswer,
    responses={404: {"description": "no request with that reference and e-mail"}},
)
def request_status(body: StatusQuery, desk: RequestDesk = Depends(get_desk)) -> StatusAnswer:
    found = desk.status_for_requester(body.reference, body.contact_email)
    if found is None:
        raise HTTPException(
            status_code=404, detail="no request with that reference and e-mail address"
        )
    from privacybot.desk.references import normalise_reference

    return StatusAnswer(
        reference=normalise_reference(body.reference) or body.reference, status=found
    )
