"""The staff desk API: list, open and move requests; every change goes to the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from privacybot.api.deps import get_desk, require_staff
from privacybot.api.schemas import (
    Assignment,
    DeskOptions,
    IdentityCheck,
    Kind,
    NoteIn,
    ReplyDraft,
    ReplyIn,
    RequestDetail,
    RequestList,
    RequestSummary,
    Status,
    StatusChange,
    TemplateOut,
)
from privacybot.api.security import SIGN_IN_RESPONSES
from privacybot.desk.models import DataRequest
from privacybot.desk.service import DeskError, DeskInputError, RequestDesk

T = TypeVar("T")

router = APIRouter(prefix="/desk/api", tags=["staff desk"], responses=SIGN_IN_RESPONSES)


@router.get("/requests", response_model=RequestList)
def list_requests(
    status: Status | None = None,
    kind: Kind | None = None,
    q: str | None = Query(default=None, max_length=200, description="reference, name or e-mail"),
    assignee: str | None = Query(
        default=None, max_length=100, description='a staff member; "me"; "none" for unassigned'
    ),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=1_000_000),  # an integer the database can hold
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestList:
    """The work queue: open requests first, the answer due soonest (overdue ones) on top."""
    who = {"me": staff, "none": ""}.get(assignee, assignee) if assignee else None
    total, rows = desk.list(
        status=status, kind=kind, text=q, limit=limit, offset=offset, assignee=who
    )
    return RequestList(total=total, items=[RequestSummary.of(r) for r in rows])


@router.get(
    "/requests/{reference}",
    response_model=RequestDetail,
    responses={404: {"description": "unknown reference"}},
)
def open_request(
    reference: str, desk: RequestDesk = Depends(get_desk), staff: str = Depends(require_staff)
) -> RequestDetail:
    row = desk.get(reference)
    if row is None:
        raise HTTPException(status_code=404, detail=f"no request {reference}")
    return RequestDetail.of(row)


@router.post(
    "/requests/{reference}/status",
    response_model=RequestDetail,
    responses={
        404: {"description": "unknown reference"},
        409: {"description": "that status cannot follow the current one"},
    },
)
def change_status(
    reference: str,
    body: StatusChange,
    request: Request,
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestDetail:
    """Move the request on; the patient is e-mailed the new status."""
    detail = _carry_out(
        reference, lambda: desk.change_status(reference, body.status, actor=staff, note=body.note)
    )
    request.app.state.outbox_wakeup.set()
    return detail


WORK_RESPONSES = {
    404: {"description": "unknown reference"},
    409: {"description": "not possible in the request's state"},
    422: {"description": "what was sent cannot be used; the detail says why"},
}


def _carry_out(reference: str, work: Callable[[], DataRequest]) -> RequestDetail:
    """Staff work on a request, shown as the request after it."""
    return RequestDetail.of(_refusing(reference, work))


def _refusing(reference: str, work: Callable[[], T]) -> T:
    """One place that turns the desk's refusals into answers the page can show."""
    try:
        return work()
    except LookupError:
        raise HTTPException(status_code=404, detail=f"no request {reference}") from None
    except DeskError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    except DeskInputError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


@router.get("/options", response_model=DeskOptions)
def options(
    desk: RequestDesk = Depends(get_desk), staff: str = Depends(require_staff)
) -> DeskOptions:
    return DeskOptions(
        me=staff,
        staff=list(desk.staff),
        identity_methods=desk.requests.identity_methods,
        identity_check_before_completing=desk.requests.identity_check_before_completing,
        templates={
            language: [
                TemplateOut(key=t.key, title=t.title) for t in desk.templates.for_language(language)
            ]
            for language in desk.clinic.languages
        },
    )


@router.post(
    "/requests/{reference}/assignee", response_model=RequestDetail, responses=WORK_RESPONSES
)
def assign(
    reference: str,
    body: Assignment,
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestDetail:
    return _carry_out(reference, lambda: desk.assign(reference, body.assignee, actor=staff))


@router.post("/requests/{reference}/notes", response_model=RequestDetail, responses=WORK_RESPONSES)
def add_note(
    reference: str,
    body: NoteIn,
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestDetail:
    """An internal note, for colleagues only."""
    return _carry_out(reference, lambda: desk.add_note(reference, body.text, actor=staff))


@router.post(
    "/requests/{reference}/identity", response_model=RequestDetail, responses=WORK_RESPONSES
)
def record_identity(
    reference: str,
    body: IdentityCheck,
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestDetail:
    """How the requester's identity was checked; needed before the request is completed."""
    return _carry_out(
        reference,
        lambda: desk.record_identity_check(reference, body.method, actor=staff, note=body.note),
    )


@router.get(
    "/requests/{reference}/reply-draft", response_model=ReplyDraft, responses=WORK_RESPONSES
)
def reply_draft(
    reference: str,
    template: str = Query(max_length=60),
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> ReplyDraft:
    """A reply template filled for this request, in the patient's language, to edit."""
    language, text = _refusing(reference, lambda: desk.reply_draft(reference, template))
    return ReplyDraft(template=template, language=language, text=text)


@router.post(
    "/requests/{reference}/replies", response_model=RequestDetail, responses=WORK_RESPONSES
)
def reply(
    reference: str,
    body: ReplyIn,
    request: Request,
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestDetail:
    """Write to the patient: mailed through the outbox and shown on their status page."""
    detail = _carry_out(
        reference,
        lambda: desk.reply(
            reference, body.text, actor=staff, template=body.template, client_key=body.client_key
        ),
    )
    request.app.state.outbox_wakeup.set()
    return detail
