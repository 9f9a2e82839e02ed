"""A request's record for the clinic's files: one printable page (the browser's "Save as PDF"
makes the PDF) with the request, the identity check, notes and replies, and the audit trail."""

from __future__ import annotations

import html

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse

from privacybot.api.deps import get_desk, require_staff
from privacybot.desk.models import DataRequest, utcnow
from privacybot.desk.service import KIND_LABELS, RequestDesk

router = APIRouter(tags=["pages"], include_in_schema=False)


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><th scope='row'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in pairs
    )


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "-"


def record_html(request: DataRequest, clinic: str, printed_by: str) -> str:
    """The whole record; every value escaped (patients typed most of it)."""
    on_behalf = (
        "the patient themself"
        if request.on_behalf_of == "self"
        else f"someone else ({request.relationship_to_patient})"
    )
    details = _rows(
        [
            ("Reference", request.reference),
            ("Request", KIND_LABELS.get(request.kind, request.kind)),
            ("Status", request.status),
            ("Name", request.requester_name),
            ("E-mail", request.contact_email),
            ("Phone", request.phone or "-"),
            ("On behalf of", on_behalf),
            ("Channel", request.channel),
            ("Language", request.language or "-"),
            ("Received", _when(request.created_at)),
            ("E-mail address confirmed", _when(request.confirmed_at)),
            ("Answer due", f"{request.due_on:%Y-%m-%d}" if request.due_on else "-"),
            ("Assigned to", request.assignee or "-"),
            (
                "Identity check",
                f"{request.identity_method}, by {request.identity_checked_by}, "
                f"{_when(request.identity_checked_at)}"
                if request.identity_checked_at
                else "not recorded",
            ),
        ]
    )
    messages = "".join(
        "<li><p class='meta'>"
        + html.escape(
            f"{_when(m.at)} · {m.author} · "
            + ("internal note" if m.kind == "note" else "reply sent to the patient")
        )
        + f"</p><p class='text'>{html.escape(m.body)}</p></li>"
        for m in request.messages
    )
    trail = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(v)}</td>"
            for v in (
                _when(e.at),
                e.actor,
                e.action,
                " → ".join(s for s in (e.from_status, e.to_status) if s) or "-",
                e.note or "",
            )
        )
        + "</tr>"
        for e in request.events
    )
    title = f"{request.reference}: record of a personal-information request"
    footer = f"Printed {_when(utcnow())} by {printed_by}. Confidential: personal information."
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/desk/static/record.css"></head>
<body>
<p class="clinic">{html.escape(clinic)}</p>
<h1>{html.escape(title)}</h1>
<p class="noprint"><button type="button" id="print">Print or save as PDF</button></p>
<table class="details">{details}</table>
<h2>What the requester wrote</h2>
<p class="text">{html.escape(request.description)}</p>
<h2>Notes and replies</h2>
{f"<ol class='messages'>{messages}</ol>" if messages else "<p>None.</p>"}
<h2>Audit trail</h2>
<table class="trail"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Status</th>
<th>Note</th></tr></thead><tbody>{trail}</tbody></table>
<p class="footer">{html.escape(footer)}</p>
<script src="/desk/static/record.js"></script>
</body></html>
"""


@router.get("/desk/requests/{reference}/record", response_class=HTMLResponse)
def request_record(
    reference: str, desk: RequestDesk = Depends(get_desk), staff: str = Depends(require_staff)
) -> HTMLResponse:
    request = desk.get(reference)
    if request is None:
        raise HTTPException(status_code=404, detail=f"no request {reference}")
    return HTMLResponse(record_html(request, desk.clinic.name, staff))
