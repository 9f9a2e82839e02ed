"""What the patient is e-mailed about their request, in their language.

Built from the message catalogue (privacybot/replies/messages/<language>.yml). A subject holds
the reference and the clinic's name only; what the patient typed goes in the body only.
"""

from __future__ import annotations

from dataclasses import dataclass

from privacybot.desk.confirmation import Secrets
from privacybot.desk.models import DataRequest
from privacybot.replies.catalog import MessageCatalog
from privacybot.settings import ClinicProfile


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


class PatientLetters:
    def __init__(self, clinic: ClinicProfile, public_url: str) -> None:
        self.clinic = clinic
        self.public_url = public_url.rstrip("/")
        self._catalogs: dict[str, MessageCatalog] = {}

    def catalog(self, language: str | None) -> MessageCatalog:
        """The patient's language when the clinic speaks it, else the clinic's first."""
        chosen = language if language in self.clinic.languages else self.clinic.languages[0]
        if chosen not in self._catalogs:
            self._catalogs[chosen] = MessageCatalog.for_clinic(self.clinic, chosen)
        return self._catalogs[chosen]

    def confirm_url(self, token: str) -> str:
        return f"{self.public_url}/requests/confirm/{token}"

    def status_url(self, token: str) -> str:
        return f"{self.public_url}/requests/status/{token}"

    def acknowledgment(
        self, request: DataRequest, secrets: Secrets, confirmation: str, hours: float
    ) -> Letter:
        """The first mail: what was asked, how to confirm (unless confirmation is off), what
        happens next, and the status page."""
        say = self.catalog(request.language).say
        parts = [say("mail_ack_intro"), self._details(request, say, with_description=True)]
        if confirmation != "off":
            parts.append(
                say(
                    f"mail_confirm_{confirmation}",
                    hours=_hours(hours),
                    confirm_url=self.confirm_url(secrets.confirm_token),
                    code=secrets.code,
                )
            )
        parts += [
            say("mail_next_steps"),
            say("mail_status_link", status_url=self.status_url(secrets.access_token)),
        ]
        if confirmation == "required":
            parts.append(say("mail_not_you"))
        parts.append(say("mail_signature"))
        return Letter(say("mail_ack_subject", reference=request.reference), "\n\n".join(parts))

    def status_update(self, request: DataRequest) -> Letter:
        say = self.catalog(request.language).say
        body = "\n\n".join(
            [
                say("mail_update_intro"),
                self._details(request, say, with_description=False),
                say("mail_update_questions"),
                say("mail_signature"),
            ]
        )
        return Letter(say("mail_update_subject", reference=request.reference), body)

    def reply(self, request: DataRequest, text: str) -> Letter:
        """What staff wrote to the patient in the desk, with the request it is about."""
        say = self.catalog(request.language).say
        body = "\n\n".join(
            [
                text,
                self._details(request, say, with_description=False),
                say("mail_update_questions"),
                say("mail_signature"),
            ]
        )
        return Letter(say("mail_reply_subject", reference=request.reference), body)

    def _details(self, request: DataRequest, say, with_description: bool) -> str:
        lines = [
            f"{say('mail_label_reference')}: {request.reference}",
            f"{say('mail_label_request')}: {say('kind_' + request.kind)}",
            f"{say('mail_label_made')}: {request.created_at:%Y-%m-%d}",
            f"{say('mail_label_status')}: {say('status_' + request.status)}",
        ]
        if request.due_on and request.status in ("received", "in_progress"):
            lines.append(f"{say('mail_label_due')}: {request.due_on:%Y-%m-%d}")
        if with_description:
            lines += ["", f"{say('mail_label_description')}:", request.description]
        return "\n".join(lines)


def _hours(hours: float) -> str:
    return f"{hours:g}"
