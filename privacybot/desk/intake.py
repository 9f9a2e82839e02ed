"""Check what a patient typed into the request form, one field at a time.

Used by the chat form (to re-ask with a reason) and by the intake endpoint (to refuse with a
422 and the same reason), so a request that reaches the database is always whole and clean.
Every problem is explained in words a patient understands.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from privacybot.handoff.form_spec import KINDS

MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_RELATIONSHIP = 60
DASHES = str.maketrans({"ー": "-", "−": "-", "‐": "-", "―": "-", "–": "-", "—": "-"})
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,24}$")


class FieldError(ValueError):
    """`reason` in English for the intake API; `code` and `values` let the chat say it in the
    patient's language (catalogue key `field_<code>`)."""

    def __init__(self, field: str, reason: str, code: str = "", **values: object) -> None:
        self.field, self.reason, self.code, self.values = field, reason, code, values
        super().__init__(f"{field}: {reason}")


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t" for ch in text)


def clean_name(value: str) -> str:
    name = " ".join(str(value or "").split(" ")).strip()
    if "\n" in name or "\r" in name:
        raise FieldError("requester_name", "please write the name on one line", "name_multiline")
    if _has_control_characters(name):
        raise FieldError(
            "requester_name",
            "the name contains characters that cannot be stored",
            "name_bad_characters",
        )
    name = " ".join(name.split())
    if not name:
        raise FieldError(
            "requester_name", "please tell me the name the clinic knows you by", "name_empty"
        )
    if len(name) > MAX_NAME:
        raise FieldError(
            "requester_name",
            f"the name is longer than {MAX_NAME} characters",
            "name_too_long",
            max=MAX_NAME,
        )
    if not any(ch.isalpha() for ch in name):
        raise FieldError("requester_name", "a name needs at least one letter", "name_no_letter")
    return name


def clean_email(value: str) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()  # ｔａｒｏ＠… typed full-width
    if not text:
        raise FieldError(
            "contact_email", "please give an e-mail address for the clinic's answer", "email_empty"
        )
    if any(ch in text for ch in "\r\n") or _has_control_characters(text):
        raise FieldError(
            "contact_email", "the e-mail address contains a line break", "email_line_break"
        )
    if not text.isascii():
        # The clinic's mail carries plain addresses only (no SMTPUTF8): an address with
        # other letters could not be answered, and a look-alike ("pаypal", Cyrillic а) would
        # mislead staff. NFKC has already turned full-width letters into plain ones.
        unusual = next(ch for ch in text if not ch.isascii())
        raise FieldError(
            "contact_email",
            f"please write the address in plain Latin letters and digits (it has {unusual!r})",
            "email_not_ascii",
            character=unusual,
        )
    try:
        return validate_email(text, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as error:
        raise FieldError(
            "contact_email",
            f"that is not a valid e-mail address ({error})",
            "email_invalid",
            detail=error,
        ) from None


def clean_phone(value: str | None) -> str | None:
    text = unicodedata.normalize("NFKC", str(value or ""))  # ０９０－１２３４… typed full-width
    text = " ".join(text.translate(DASHES).split())
    if not text:
        return None
    if not PHONE.match(text):
        raise FieldError(
            "phone", "a phone number has digits, and may have +, spaces, - or ( )", "phone_invalid"
        )
    return text


def clean_kind(value: str) -> str:
    kind = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if kind not in KINDS:
        raise FieldError("kind", "please choose one of: " + ", ".join(KINDS))
    return kind


def clean_description(value: str) -> str:
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if _has_control_characters(text):
        text = "".join(
            ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
        )
    if not text:
        raise FieldError(
            "description", "please describe the request in a few words", "description_empty"
        )
    if len(text) > MAX_DESCRIPTION:
        raise FieldError(
            "description",
            f"the description is {len(text)} characters long; please shorten it to "
            f"{MAX_DESCRIPTION} (the clinic will ask for details by e-mail)",
            "description_too_long",
            length=len(text),
            max=MAX_DESCRIPTION,
        )
    return text


def clean_on_behalf(value: str) -> str:
    text = str(value or "").strip().lower()
    if text in ("self", "myself", "me", "for myself", "mine"):
        return "self"
    if text in ("other", "someone else", "for someone else"):
        return "other"
    raise FieldError("on_behalf_of", "please answer 'myself' or 'someone else'")


def clean_relationship(value: str | None, on_behalf_of: str = "other") -> str | None:
    if on_behalf_of == "self":
        return None
    text = " ".join(str(value or "").split())
    if not text:
        raise FieldError(
            "relationship",
            "please say how you are related (parent, guardian...)",
            "relationship_empty",
        )
    if len(text) > MAX_RELATIONSHIP or _has_control_characters(text):
        raise FieldError(
            "relationship",
            f"please keep it under {MAX_RELATIONSHIP} characters",
            "relationship_too_long",
            max=MAX_RELATIONSHIP,
        )
    return text


def clean_language(value: str | None) -> str | None:
    """A language code such as en or ja (the clinic answers the patient in it), or None."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", text):
        raise FieldError("language", "a language code such as 'en' or 'ja'", "language_invalid")
    return text


@dataclass(frozen=True)
class RequestSubmission:
    kind: str
    requester_name: str
    contact_email: str
    description: str
    on_behalf_of: str = "self"
    relationship: str | None = None
    phone: str | None = None
    language: str | None = None

    @classmethod
    def validated(cls, **fields: str | None) -> RequestSubmission:
        """A clean submission, or FieldError naming the first field that is wrong."""
        on_behalf_of = clean_on_behalf(fields.get("on_behalf_of") or "self")
        return cls(
            kind=clean_kind(fields.get("kind") or ""),
            requester_name=clean_name(fields.get("requester_name") or ""),
            contact_email=clean_email(fields.get("contact_email") or ""),
            description=clean_description(fields.get("description") or ""),
            on_behalf_of=on_behalf_of,
            relationship=clean_relationship(fields.get("relationship"), on_behalf_of),
            phone=clean_phone(fields.get("phone")),
            language=clean_language(fields.get("language")),
        )
