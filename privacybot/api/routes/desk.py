"""The staff desk API: list, open and move requests; every change goes to the audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query

from privacybot.api.deps import get_desk, require_staff
from privacybot.api.schemas import (
    Kind,
    RequestDetail,
    RequestList,
    RequestSummary,
    Status,
    StatusChange,
)
from privacybot.api.security import SIGN_IN_RESPONSES
from privacybot.desk.service import DeskError, RequestDesk

router = APIRouter(prefix="/desk/api", tags=["staff desk"], responses=SIGN_IN_RESPONSES)


@router.get("/requests", response_model=RequestList)
def list_requests(
    status: Status | None = None,
    kind: Kind | None = None,
    q: str | None = Query(default=None, max_length=200, description="reference, name or e-mail"),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=1_000_000),  # an integer the database can hold
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestList:
    total, rows = desk.list(status=status, kind=kind, text=q, limit=limit, offset=offset)
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
    desk: RequestDesk = Depends(get_desk),
    staff: str = Depends(require_staff),
) -> RequestDetail:
    try:
        row = desk.change_status(reference, body.status, actor=staff, note=body.note)
    except LookupError:
        raise HTTPException(status_code=404, detail=f"no request {reference}") from None
    except DeskError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return RequestDetail.of(row)
