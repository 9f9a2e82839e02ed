"""The pages a patient's e-mail links to: confirming a request, and following it.

Public (no sign-in): the random token in the link is the key, and the status page also asks
for the e-mail address given on the request. Opening a confirmation link confirms nothing (mail
scanners open links); the patient presses the button. Every outcome is a page in the
patient's language that says what happened and what to do; nothing is cached or sent on as a
referrer (the security headers).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.exc import OperationalError

from privacybot.api.deps import get_desk
from privacybot.desk.confirmation import plausible_token
from privacybot.desk.service import Confirmation, PatientView, RequestDesk
from privacybot.replies.catalog import MessageCatalog

STATIC = Path(__file__).resolve().parent.parent / "static"
STATUS_CODES = {"confirmed": 200, "already": 200, "pending": 200, "expired": 410, "invalid": 404}
MAX_FORM_BYTES = 2_000

router = APIRouter(prefix="/requests", tags=["patient pages"], include_in_schema=False)


def _page(catalog: MessageCatalog, title_key: str, body: str, status_code: int) -> HTMLResponse:
    say = catalog.say
    clinic = html.escape(catalog.values["clinic_name"])
    document = f"""<!DOCTYPE html>
<html lang="{catalog.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{html.escape(say(title_key))}: {clinic}</title>
<link rel="stylesheet" href="/requests/static/page.css"></head>
<body><main>
<p class="clinic">{clinic}</p>
<h1>{html.escape(say(title_key))}</h1>
{body}
<p class="contact">{html.escape(say("page_contact"))}</p>
</main></body></html>
"""
    return HTMLResponse(document, status_code=status_code)


def _paragraph(text: str, css: str = "", unbroken: str = "") -> str:
    """A paragraph of plain text; `unbroken` (a reference) is kept on one line, not cut at its
    hyphen on a phone."""
    attribute = f' class="{css}"' if css else ""
    escaped = html.escape(text)
    if unbroken:
        kept = html.escape(unbroken)
        escaped = escaped.replace(kept, f'<span class="unbroken">{kept}</span>')
    return f"<p{attribute}>{escaped}</p>"


@router.get("/static/page.css")
def page_style() -> FileResponse:
    return FileResponse(STATIC / "patient_page.css", media_type="text/css")


def _confirmation_page(catalog: MessageCatalog, found: Confirmation, hours: float) -> HTMLResponse:
    say = catalog.say
    kind = say(f"kind_{found.kind}") if found.kind else ""
    texts = {
        "confirmed": lambda: say("page_confirmed", reference=found.reference),
        "already": lambda: say("page_already_confirmed", reference=found.reference),
        "expired": lambda: say("page_expired", hours=f"{hours:g}"),
        "invalid": lambda: say("page_invalid"),
    }
    if found.outcome == "pending":
        made = f"{found.created_at:%Y-%m-%d}" if found.created_at else ""
        body = _paragraph(
            say("page_confirm_intro", reference=found.reference, kind=kind, date=made),
            unbroken=found.reference,
        ) + (
            '<form method="post"><button type="submit">'
            f"{html.escape(say('page_confirm_button'))}</button></form>"
        )
    else:
        css = "done" if found.outcome in ("confirmed", "already") else "problem"
        body = _paragraph(texts[found.outcome](), css, unbroken=found.reference or "")
    return _page(catalog, "page_title_confirm", body, STATUS_CODES[found.outcome])


def _unavailable(desk: RequestDesk, title_key: str) -> HTMLResponse:
    catalog = desk.letters.catalog(None)
    return _page(catalog, title_key, _paragraph(catalog.say("page_unavailable"), "problem"), 503)


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirmation_page(token: str, desk: RequestDesk = Depends(get_desk)) -> HTMLResponse:
    """What the link confirms, with the button that does it."""
    hours = desk.requests.confirmation_hours
    if not plausible_token(token):
        return _confirmation_page(desk.letters.catalog(None), Confirmation("invalid"), hours)
    try:
        found = desk.pending_confirmation(token)
    except OperationalError:
        return _unavailable(desk, "page_title_confirm")
    return _confirmation_page(desk.letters.catalog(found.language), found, hours)


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(token: str, request: Request, desk: RequestDesk = Depends(get_desk)) -> HTMLResponse:
    """Confirm: the clinic is told (once: a second press finds it confirmed)."""
    hours = desk.requests.confirmation_hours
    if not plausible_token(token):
        return _confirmation_page(desk.letters.catalog(None), Confirmation("invalid"), hours)
    try:
        found = desk.confirm_by_token(token)
    except OperationalError:
        return _unavailable(desk, "page_title_confirm")
    if found.outcome == "confirmed":
        request.app.state.outbox_wakeup.set()
    return _confirmation_page(desk.letters.catalog(found.language), found, hours)


def _email_form(catalog: MessageCatalog, problem: str = "") -> str:
    say = catalog.say
    return (
        (_paragraph(problem, "problem") if problem else "")
        + '<form method="post"><label for="email">'
        + html.escape(say("page_status_email_label"))
        + '</label><input id="email" name="email" type="email" autocomplete="email" required '
        'maxlength="254"><button type="submit">'
        + html.escape(say("page_status_button"))
        + "</button></form>"
    )


def _status_details(catalog: MessageCatalog, view: PatientView) -> str:
    say = catalog.say
    rows = [
        (say("mail_label_reference"), view.reference),
        (say("mail_label_request"), say(f"kind_{view.kind}")),
        (say("mail_label_made"), f"{view.created_at:%Y-%m-%d}"),
        (say("mail_label_status"), say(f"status_{view.status}")),
    ]
    if view.due_on and view.status in ("received", "in_progress"):
        rows.append((say("mail_label_due"), f"{view.due_on:%Y-%m-%d}"))
    table = "".join(
        f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>" for label, value in rows
    )
    events = []
    for at, action, to_status in view.history:
        if action == "created":
            what = say("page_event_created")
        elif action == "confirmed":
            what = say("page_event_confirmed")
        else:
            what = say("page_event_status", status=say(f"status_{to_status}"))
        events.append(f"<li><time>{at:%Y-%m-%d %H:%M} UTC</time> {html.escape(what)}</li>")
    replies = "".join(
        f'<article class="reply"><time>{at:%Y-%m-%d %H:%M} UTC</time>'
        f"<p>{html.escape(body)}</p></article>"
        for at, body in view.replies
    )
    return (
        f"<dl>{table}</dl>"
        + (f"<h2>{html.escape(say('page_status_messages'))}</h2>{replies}" if replies else "")
        + f"<h2>{html.escape(say('page_status_history'))}</h2>"
        f'<ol class="history">{"".join(events)}</ol>'
    )


@router.get("/status/{token}", response_class=HTMLResponse)
def status_page(token: str, desk: RequestDesk = Depends(get_desk)) -> HTMLResponse:
    """Asks for the e-mail address first; the same page whether the link exists or not."""
    language = None
    if plausible_token(token):
        try:
            language = desk.status_page_language(token)
        except OperationalError:
            return _unavailable(desk, "page_title_status")
    catalog = desk.letters.catalog(language)
    return _page(catalog, "page_title_status", _email_form(catalog), 200)


@router.post("/status/{token}", response_class=HTMLResponse)
async def show_status(
    token: str, request: Request, desk: RequestDesk = Depends(get_desk)
) -> HTMLResponse:
    body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", errors="replace")
    email = (parse_qs(body).get("email") or [""])[0]
    view = None
    try:
        if plausible_token(token) and email:
            view = desk.patient_view(token, email)
    except OperationalError:
        return _unavailable(desk, "page_title_status")
    if view is None:
        catalog = desk.letters.catalog(None)
        problem = catalog.say("page_status_not_found")
        return _page(catalog, "page_title_status", _email_form(catalog, problem), 404)
    catalog = desk.letters.catalog(view.language)
    return _page(catalog, "page_title_status", _status_details(catalog, view), 200)
