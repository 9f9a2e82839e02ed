"""The request desk: take a request in, answer its status, let staff work on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from privacybot.desk.intake import RequestSubmission
from privacybot.desk.mail import new_message_id
from privacybot.desk.models import STATUSES, TRANSITIONS, DataRequest, OutboxMail, RequestEvent
from privacybot.desk.references import new_reference, normalise_reference
from privacybot.settings import ClinicProfile

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
    """A staff action that cannot be done, with the reason."""


@dataclass(frozen=True)
class Submitted:
    reference: str
    created: bool  # False when the same submission was received before


class RequestDesk:
    def __init__(
        self,
        session_factory: Callable[[], Session],
        clinic: ClinicProfile,
        mail_domain: str = "localhost",
    ) -> None:
        self.session_factory = session_factory
        self.clinic = clinic
        self.mail_domain = mail_domain

    def submit(
        self, submission: RequestSubmission, idempotency_key: str, channel: str = "chat"
    ) -> Submitted:
        """Store the request and its mail in one transaction.

        The same idempotency key (one confirmed form) always gives the same reference, so a
        repeated "yes" or a retried call never creates a second request.
        """
        existing = self._by_idempotency_key(idempotency_key)
        if existing:
            return Submitted(existing, created=False)
        for _ in range(5):
            reference = new_reference()
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
                        status="received",
                    )
                    session.add(request)
                    session.flush()
                    session.add(
                        RequestEvent(
                            request_id=request.id,
                            actor=f"patient via {channel}",
                            action="created",
                            to_status="received",
                        )
                    )
                    session.add(self._clinic_mail(request))
                return Submitted(reference, created=True)
            except IntegrityError:
                existing = self._by_idempotency_key(idempotency_key)
                if existing:
                    return Submitted(existing, created=False)
                continue  # a reference collision: draw another number
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
    ) -> tuple[int, list[DataRequest]]:
        query = select(DataRequest)
        if status:
            query = query.where(DataRequest.status == status)
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
            rows = session.scalars(
                query.order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return total, list(rows)

    def get(self, reference: str) -> DataRequest | None:
        reference = normalise_reference(reference) or ""
        with self.session_factory() as session:
            return session.scalar(
                select(DataRequest)
                .options(selectinload(DataRequest.events))
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
        return self.get(reference)

    def _by_idempotency_key(self, key: str) -> str | None:
        with self.session_factory() as session:
            return session.scalar(
                select(DataRequest.reference).where(DataRequest.idempotency_key == key)
            )

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
