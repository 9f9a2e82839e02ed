"""The request desk: take a request in, answer its status, let staff work on it."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from privacybot.desk.confirmation import MAX_CODE_FAILURES, Secrets, code_digest, digest
from privacybot.desk.intake import RequestSubmission
from privacybot.desk.letters import Letter, PatientLetters
from privacybot.desk.mail import new_message_id
from privacybot.desk.models import (
    OPEN_STATUSES,
    STATUSES,
    TRANSITIONS,
    DataRequest,
    OutboxMail,
    RequestEvent,
    RequestMessage,
    utcnow,
)
from privacybot.desk.references import new_reference, normalise_reference
from privacybot.desk.reply_templates import ReplyTemplates, unfilled
from privacybot.settings import ClinicProfile, RequestSettings

LANGUAGE_NAMES = {"en": "English", "ja": "Japanese", "": "-"}
KIND_LABELS = {
    "disclosure": "Disclosure (a copy of the personal information held)",
    "correction": "Correction",
    "addition": "Addition",
    "deletion": "Deletion",
    "stop_using": "Stop using the personal information",
    "complaint": "Complaint about the handling of personal information",
    "other": "Other",
}


class DeskError(ValueError):
    """A staff action that cannot be done in the request's state, with the reason."""


class DeskInputError(ValueError):
    """What staff sent cannot be used as it is (an unknown colleague, a reply not finished)."""


@dataclass(frozen=True)
class Submitted:
    reference: str
    created: bool  # False when the same submission was received before
    # "required": the clinic gets it once the patient confirms; "optional": the clinic has it,
    # the patient is asked to confirm; "off": the clinic has it, nothing to confirm.
    confirmation: str = "off"


@dataclass(frozen=True)
class Confirmation:
    """What came of a patient's confirmation: confirmed, already (confirmed before), expired,
    wrong (code), locked (too many wrong codes), invalid (no such link)."""

    outcome: str
    reference: str = ""
    language: str | None = None
    kind: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class PatientView:
    """What the patient's status page shows: nothing staff wrote for themselves."""

    reference: str
    kind: str
    status: str
    language: str | None
    created_at: datetime
    due_on: date | None
    history: list[tuple[datetime, str, str | None]] = field(default_factory=list)
    replies: list[tuple[datetime, str]] = field(default_factory=list)  # the clinic's messages


class RequestDesk:
    def __init__(
        self,
        session_factory: Callable[[], Session],
        clinic: ClinicProfile,
        mail_domain: str = "localhost",
        requests: RequestSettings | None = None,
        public_url: str = "http://127.0.0.1:8000",
        staff: tuple[str, ...] = (),
    ) -> None:
        self.session_factory = session_factory
        self.clinic = clinic
        self.mail_domain = mail_domain
        self.requests = requests or RequestSettings()
        self.letters = PatientLetters(clinic, public_url)
        self.staff = staff  # who a request can be assigned to
        self.templates = ReplyTemplates(clinic.languages, self.requests.reply_templates_folder())

    def submit(
        self, submission: RequestSubmission, idempotency_key: str, channel: str = "chat"
    ) -> Submitted:
        """Store the request and its mail in one transaction.

        The same idempotency key (one confirmed form) always gives the same reference, so a
        repeated "yes" or a retried call never creates a second request.
        """
        mode = self.requests.confirmation
        existing = self._submitted_before(idempotency_key)
        if existing:
            return existing
        for _ in range(5):
            reference = new_reference()
            secrets = Secrets.new()
            now = utcnow()
            status = "unconfirmed" if mode == "required" else "received"
            try:
                with self.session_factory() as session, session.begin():
                    request = DataRequest(
                        reference=reference,
                        idempotency_key=idempotency_key,
                        kind=submission.kind,
                        requester_name=submission.requester_name,
                        contact_email=submission.contact_email,
                        phone=submission.phone,
                        on_behalf_of=submission.on_behalf_of,
                        relationship_to_patient=submission.relationship,
                        description=submission.description,
                        channel=channel,
                        language=submission.language,
                        status=status,
                        created_at=now,
                        access_token_hash=digest(secrets.access_token),
                        due_on=self._due_on(now) if status == "received" else None,
                    )
                    if mode != "off":
                        request.confirm_token_hash = digest(secrets.confirm_token)
                        request.confirm_code_hash = code_digest(reference, secrets.code)
                        request.confirm_before = now + timedelta(
                            hours=self.requests.confirmation_hours
                        )
                    session.add(request)
                    session.flush()
                    session.add(
                        RequestEvent(
                            request_id=request.id,
                            actor=f"patient via {channel}",
                            action="created",
                            to_status=status,
                        )
                    )
                    session.add(
                        self._patient_mail(
                            request,
                            self.letters.acknowledgment(
                                request, secrets, mode, self.requests.confirmation_hours
                            ),
                        )
                    )
                    if status == "received":
                        session.add(self._clinic_mail(request))
                return Submitted(reference, created=True, confirmation=mode)
            except IntegrityError:
                existing = self._submitted_before(idempotency_key)
                if existing:
                    return existing
                continue  # a reference (or token) collision: draw again
        raise RuntimeError("could not allocate a unique reference")

    def status_for_requester(self, reference: str, email: str) -> str | None:
        """The status, only for the e-mail given on the request; None otherwise (the same
        answer for an unknown reference, so nobody learns whether a reference exists)."""
        reference = normalise_reference(reference) or ""
        with self.session_factory() as session:
            request = session.scalar(select(DataRequest).where(DataRequest.reference == reference))
            if request is None or request.contact_email.lower() != str(email).strip().lower():
                return None
            return request.status

    def list(
        self,
        status: str | None = None,
        kind: str | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
        assignee: str | None = None,
    ) -> tuple[int, list[DataRequest]]:
        """Requests as a work queue: open ones first, the answer due soonest (so overdue ones)
        at the top; then those waiting for the patient's confirmation; then closed ones, newest
        first. `assignee`: a staff member's name, or "" for nobody's yet."""
        query = select(DataRequest)
        if status:
            query = query.where(DataRequest.status == status)
        if assignee is not None:
            query = query.where(
                DataRequest.assignee == assignee if assignee else DataRequest.assignee.is_(None)
            )
        if kind:
            query = query.where(DataRequest.kind == kind)
        if text:
            # What staff typed is looked for as it is: % and _ are letters here, not wildcards.
            literal = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{literal}%"
            query = query.where(
                or_(
                    *(
                        func.lower(column).like(pattern, escape="\\")
                        for column in (
                            DataRequest.reference,
                            DataRequest.requester_name,
                            DataRequest.contact_email,
                        )
                    )
                )
            )
        with self.session_factory() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            queue = case(
                (DataRequest.status.in_(OPEN_STATUSES), 0),
                (DataRequest.status == "unconfirmed", 1),
                else_=2,
            )
            due_first = case(
                (DataRequest.status.in_(OPEN_STATUSES), DataRequest.due_on), else_=None
            )
            rows = session.scalars(
                query.order_by(
                    queue,
                    due_first.is_(None),  # open requests without a due date after the rest
                    due_first,
                    DataRequest.created_at.desc(),
                    DataRequest.id.desc(),
                )
                .limit(limit)
                .offset(offset)
            ).all()
            return total, list(rows)

    def get(self, reference: str) -> DataRequest | None:
        reference = normalise_reference(reference) or ""
        with self.session_factory() as session:
            return session.scalar(
                select(DataRequest)
                .options(selectinload(DataRequest.events), selectinload(DataRequest.messages))
                .where(DataRequest.reference == reference)
            )

    def change_status(
        self, reference: str, new_status: str, actor: str, note: str | None = None
    ) -> DataRequest:
        if new_status not in STATUSES:
            raise DeskError(f"unknown status '{new_status}'; one of {', '.join(STATUSES)}")
        reference = normalise_reference(reference) or ""
        with self.session_factory() as session, session.begin():
            request = session.scalar(
                select(DataRequest).where(DataRequest.reference == reference).with_for_update()
            )
            if request is None:
                raise LookupError(reference)
            if new_status not in TRANSITIONS[request.status]:
                allowed = ", ".join(TRANSITIONS[request.status]) or "none (it is closed)"
                raise DeskError(
                    f"a '{request.status}' request cannot become '{new_status}'; allowed: {allowed}"
                )
            if (
                new_status == "completed"
                and request.identity_checked_at is None
                and self.requests.identity_check_before_completing
            ):
                raise DeskError(
                    "record how the requester's identity was checked before completing it"
                )
            session.add(
                RequestEvent(
                    request_id=request.id,
                    actor=actor,
                    action="status_changed",
                    from_status=request.status,
                    to_status=new_status,
                    note=(note or None) and note[:500],
                )
            )
            request.status = new_status
            session.add(self._patient_mail(request, self.letters.status_update(request)))
        return self.get(reference)

    def assign(self, reference: str, assignee: str | None, actor: str) -> DataRequest:
        """Give the request to a colleague (or to nobody, with None)."""
        if assignee is not None and assignee not in self.staff:
            known = ", ".join(self.staff) or "none configured"
            raise DeskInputError(f"'{assignee}' is not a staff member; staff: {known}")

        def work(session: Session, request: DataRequest) -> None:
            if request.assignee == assignee:
                return
            session.add(
                RequestEvent(
                    request_id=request.id,
                    actor=actor,
                    action="assigned",
                    note=f"{request.assignee or 'nobody'} → {assignee or 'nobody'}",
                )
            )
            request.assignee = assignee

        return self._work_on(reference, work)

    def add_note(self, reference: str, text: str, actor: str) -> DataRequest:
        """An internal note: for colleagues, never shown or sent to the patient."""
        text = _clean(text)

        def work(session: Session, request: DataRequest) -> None:
            message = RequestMessage(request_id=request.id, kind="note", author=actor, body=text)
            session.add(message)
            session.add(RequestEvent(request_id=request.id, actor=actor, action="noted"))

        return self._work_on(reference, work)

    def record_identity_check(
        self, reference: str, method: str, actor: str, note: str | None = None
    ) -> DataRequest:
        """How the requester's identity was checked, by whom and when (once)."""
        if method not in self.requests.identity_methods:
            ways = "; ".join(self.requests.identity_methods)
            raise DeskInputError(f"'{method}' is not one of the clinic's ways: {ways}")

        def work(session: Session, request: DataRequest) -> None:
            if request.status not in OPEN_STATUSES:
                raise DeskError(f"a '{request.status}' request takes no identity check")
            if request.identity_checked_at is not None:
                raise DeskError(
                    f"the identity was already checked by {request.identity_checked_by} "
                    f"at {request.identity_checked_at:%Y-%m-%d %H:%M} UTC"
                )
            request.identity_method = method
            request.identity_checked_by = actor
            request.identity_checked_at = utcnow()
            session.add(
                RequestEvent(
                    request_id=request.id,
                    actor=actor,
                    action="identity_checked",
                    note=(f"{method}: {note.strip()}" if note and note.strip() else method)[:500],
                )
            )

        return self._work_on(reference, work)

    def reply_draft(self, reference: str, template: str) -> tuple[str, str]:
        """A template filled for this request, in the patient's language: (language, text)."""
        request = self.get(reference)
        if request is None:
            raise LookupError(reference)
        catalog = self.letters.catalog(request.language)
        try:
            return catalog.language, self.templates.render(template, request, catalog)
        except LookupError:
            raise DeskInputError(f"no reply template '{template}' in {catalog.language}") from None

    def reply(
        self,
        reference: str,
        text: str,
        actor: str,
        template: str | None = None,
        client_key: str | None = None,
    ) -> DataRequest:
        """Write to the patient: stored, shown on their status page, mailed through the
        outbox in the same transaction. The same client_key sends it once."""
        text = _clean(text)
        left = unfilled(text)
        if left:
            raise DeskInputError("write in what is still marked [[...]]: " + "; ".join(left))

        def work(session: Session, request: DataRequest) -> None:
            if client_key:
                owner = session.scalar(
                    select(RequestMessage.request_id).where(RequestMessage.client_key == client_key)
                )
                if owner == request.id:
                    return  # sent before: the page pressed "send" again
                if owner is not None:
                    raise DeskInputError(
                        "this reply's id was already used for another request; reload the page"
                    )
            if request.status == "unconfirmed":
                raise DeskError("the requester has not confirmed their e-mail address yet")
            session.add(
                RequestMessage(
                    request_id=request.id,
                    kind="reply",
                    author=actor,
                    body=text,
                    template=template,
                    client_key=client_key or None,
                )
            )
            session.add(
                RequestEvent(
                    request_id=request.id,
                    actor=actor,
                    action="replied",
                    note=f"from the template '{template}'" if template else None,
                )
            )
            session.add(self._patient_mail(request, self.letters.reply(request, text)))

        try:
            return self._work_on(reference, work)
        except IntegrityError:  # the same client_key sent twice at once: the first one stands
            return self._work_on(reference, work)

    def _work_on(self, reference: str, work: Callable[[Session, DataRequest], None]) -> DataRequest:
        """Do one piece of staff work on a request in one transaction, then show it."""
        reference = normalise_reference(reference) or ""
        with self.session_factory() as session, session.begin():
            request = session.scalar(
                select(DataRequest).where(DataRequest.reference == reference).with_for_update()
            )
            if request is None:
                raise LookupError(reference)
            work(session, request)
        return self.get(reference)

    def confirm_by_token(self, token: str) -> Confirmation:
        """The patient opened the link in their acknowledgment and said yes."""
        return self._confirm(DataRequest.confirm_token_hash == digest(token), code=None)

    def confirm_by_code(self, reference: str, code: str) -> Confirmation:
        """The patient typed the code from their acknowledgment into the chat."""
        reference = normalise_reference(reference) or ""
        return self._confirm(DataRequest.reference == reference, code=code)

    def _confirm(self, where, code: str | None) -> Confirmation:
        now = utcnow()
        with self.session_factory() as session, session.begin():
            request = session.scalar(select(DataRequest).where(where).with_for_update())
            if request is None or request.confirm_token_hash is None:
                return Confirmation("invalid")

            def outcome(name: str) -> Confirmation:
                return Confirmation(
                    name, request.reference, request.language, request.kind, request.created_at
                )

            if request.confirmed_at is not None:
                return outcome("already")
            if request.confirm_before is not None and request.confirm_before < now:
                return outcome("expired")
            if code is not None:
                if request.confirm_code_failures >= MAX_CODE_FAILURES:
                    return outcome("locked")
                expected = request.confirm_code_hash or ""
                if not hmac.compare_digest(expected, code_digest(request.reference, code)):
                    request.confirm_code_failures += 1
                    locked = request.confirm_code_failures >= MAX_CODE_FAILURES
                    return outcome("locked" if locked else "wrong")
            request.confirmed_at = now
            event = RequestEvent(
                request_id=request.id,
                actor="patient (e-mail address confirmed: "
                + ("code typed in the chat)" if code is not None else "link in the e-mail)"),
                action="confirmed",
            )
            if request.status == "unconfirmed":
                event.from_status, event.to_status = "unconfirmed", "received"
                request.status = "received"
                request.due_on = self._due_on(now)
                session.add(self._clinic_mail(request))
            session.add(event)
            return outcome("confirmed")

    def pending_confirmation(self, token: str) -> Confirmation:
        """What the confirmation link is about, before the patient says yes (a GET: mail
        scanners open links, so opening one confirms nothing)."""
        with self.session_factory() as session:
            request = session.scalar(
                select(DataRequest).where(DataRequest.confirm_token_hash == digest(token))
            )
            if request is None:
                return Confirmation("invalid")
            state = (
                "already"
                if request.confirmed_at is not None
                else "expired"
                if request.confirm_before is not None and request.confirm_before < utcnow()
                else "pending"
            )
            return Confirmation(
                state, request.reference, request.language, request.kind, request.created_at
            )

    def status_page_language(self, access_token: str) -> str | None:
        """The patient's language for their status page, before the e-mail check."""
        with self.session_factory() as session:
            return session.scalar(
                select(DataRequest.language).where(
                    DataRequest.access_token_hash == digest(access_token)
                )
            )

    def patient_view(self, access_token: str, email: str) -> PatientView | None:
        """The request behind a status link, only with the e-mail address given on it (the
        same answer for a wrong address and an unknown link)."""
        with self.session_factory() as session:
            request = session.scalar(
                select(DataRequest)
                .options(selectinload(DataRequest.events), selectinload(DataRequest.messages))
                .where(DataRequest.access_token_hash == digest(access_token))
            )
            given = str(email or "").strip().lower().encode()
            if request is None or not hmac.compare_digest(
                request.contact_email.lower().encode(), given
            ):
                return None
            history = [
                (event.at, event.action, event.to_status)
                for event in request.events
                if event.action in ("created", "confirmed", "status_changed")
            ]
            replies = [(m.at, m.body) for m in request.messages if m.kind == "reply"]
            return PatientView(
                reference=request.reference,
                kind=request.kind,
                status=request.status,
                language=request.language,
                created_at=request.created_at,
                due_on=request.due_on,
                history=history,
                replies=replies,
            )

    def purge_unconfirmed(self, now: datetime | None = None) -> int:
        """Delete requests never confirmed in time, with their trail and mails (the clinic
        never received them)."""
        now = now or utcnow()
        with self.session_factory() as session, session.begin():
            ids = session.scalars(
                select(DataRequest.id).where(
                    DataRequest.status == "unconfirmed", DataRequest.confirm_before < now
                )
            ).all()
            if ids:
                session.execute(delete(OutboxMail).where(OutboxMail.request_id.in_(ids)))
                session.execute(delete(RequestEvent).where(RequestEvent.request_id.in_(ids)))
                session.execute(delete(RequestMessage).where(RequestMessage.request_id.in_(ids)))
                session.execute(delete(DataRequest).where(DataRequest.id.in_(ids)))
            return len(ids)

    def _due_on(self, received: datetime) -> date:
        return (received + timedelta(days=self.requests.due_days)).date()

    def _submitted_before(self, key: str) -> Submitted | None:
        with self.session_factory() as session:
            row = session.execute(
                select(
                    DataRequest.reference, DataRequest.status, DataRequest.confirm_token_hash
                ).where(DataRequest.idempotency_key == key)
            ).first()
        if row is None:
            return None
        reference, status, token = row
        mode = "required" if status == "unconfirmed" else ("off" if token is None else "optional")
        return Submitted(reference, created=False, confirmation=mode)

    def _patient_mail(self, request: DataRequest, letter: Letter) -> OutboxMail:
        return OutboxMail(
            request_id=request.id,
            message_id=new_message_id(self.mail_domain),
            to_address=request.contact_email,
            subject=letter.subject,
            body=letter.body,
            reply_to=str(self.clinic.contact_email),
        )

    def _confirmation_note(self, request: DataRequest) -> str:
        if request.confirmed_at is not None:
            return f"confirmed by the requester at {request.confirmed_at:%Y-%m-%d %H:%M} UTC"
        if request.confirm_token_hash is None:
            return "not asked (requests.confirmation: off)"
        return "NOT YET CONFIRMED: the requester has been asked to confirm the address"

    def _clinic_mail(self, request: DataRequest) -> OutboxMail:
        on_behalf = (
            "the patient themself"
            if request.on_behalf_of == "self"
            else f"someone else (requester is: {request.relationship_to_patient})"
        )
        language = request.language or ""
        body = "\n".join(
            [
                f"A personal-information request was received through the {request.channel}.",
                "",
                f"Reference:     {request.reference}",
                f"Request:       {KIND_LABELS.get(request.kind, request.kind)}",
                f"Name:          {request.requester_name}",
                f"E-mail:        {request.contact_email}",
                f"Phone:         {request.phone or '-'}",
                f"On behalf of:  {on_behalf}",
                f"Language:      {LANGUAGE_NAMES.get(language, language)}"
                + (" (the patient wrote in it: please answer in it)" if language else ""),
                f"Received:      {request.created_at:%Y-%m-%d %H:%M} UTC",
                f"Answer due:    {request.due_on:%Y-%m-%d}"
                if request.due_on
                else "Answer due:    -",
                "E-mail check:  " + self._confirmation_note(request),
                "",
                "Description (as typed by the requester):",
                request.description,
                "",
                "Verify the requester's identity before acting (APPI), then answer by e-mail.",
                "Track this request in the staff desk.",
            ]
        )
        return OutboxMail(
            request_id=request.id,
            message_id=new_message_id(self.mail_domain),
            to_address=str(self.clinic.contact_email),
            subject=f"[{request.reference}] Personal information request: "
            f"{KIND_LABELS.get(request.kind, request.kind)}",
            body=body,
            reply_to=request.contact_email,
        )


MAX_TEXT = 5000


def _clean(text: str) -> str:
    """A note or reply as staff wrote it, or the reason it cannot be taken."""
    text = (text or "").strip()
    if not text:
        raise DeskInputError("write something first: the text is empty")
    if len(text) > MAX_TEXT:
        raise DeskInputError(f"at most {MAX_TEXT} characters ({len(text)} written)")
    return text
