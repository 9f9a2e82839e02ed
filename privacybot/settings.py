"""The settings object: the clinic profile and service settings, read from one YAML file.

The file is `$PRIVACYBOT_SETTINGS` (default `clinic.yml` in the project root); environment
variables `PRIVACYBOT_<SECTION>__<KEY>` override single values.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def settings_path() -> Path:
    return Path(os.environ.get("PRIVACYBOT_SETTINGS", PROJECT_ROOT / "clinic.yml"))


class ClinicProfile(BaseModel):
    name: str = Field(min_length=1)
    contact_email: EmailStr
    postal_address: str = Field(min_length=1)
    emergency_number: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    policy_url: str = ""


class CorpusSettings(BaseModel):
    directory: Path = Path("policy_corpus/sakura")
    # Place the clinic-independent privacy topics (privacybot/topics/) in the policy, so that a
    # policy is understood without a question bank; off: the clinic's own bank only (for
    # comparison in benchmarks).
    privacy_topics: bool = True

    def resolved(self) -> Path:
        return self.directory if self.directory.is_absolute() else PROJECT_ROOT / self.directory

    def policy_file(self, language: str) -> Path:
        return self.resolved() / language / "policy.md"

    def quoted_policy_file(self, language: str, published: str) -> Path:
        """The policy answers in `language` quote: its own version when the clinic provides
        one, else the `published` language's (the seed policy is English only)."""
        own = self.policy_file(language)
        return own if own.is_file() else self.policy_file(published)

    def glossary_file(self, language: str) -> Path:
        return self.resolved() / language / "glossary.yml"

    def question_bank_file(self, language: str) -> Path:
        return self.resolved() / language / "question_bank.yml"


class ServiceSettings(BaseModel):
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    api_port: int = 8000
    # More Rasa instances on these ports, for load; they need a shared tracker store
    # (PostgreSQL) and lock store (Redis): see conversations.
    extra_rasa_ports: list[int] = Field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa instance; the service spreads messages over them."""
        return [self.rasa_url] + [f"http://{self.host}:{p}" for p in self.extra_rasa_ports]

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"


class DatabaseSettings(BaseModel):
    # SQLite file by default; e.g. postgresql+psycopg://user:password@host/dbname
    url: str = "sqlite:///var/privacybot.db"

    def resolved_url(self) -> str:
        return _absolute_sqlite(self.url)


def _absolute_sqlite(url: str) -> str:
    """A relative SQLite path is relative to the project folder, whoever reads it."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str(PROJECT_ROOT / url[len(prefix) :])
    return url


TRACKER_STORE_PASSWORD_VARIABLE = "PRIVACYBOT_TRACKER_STORE_PASSWORD"


class ConversationSettings(BaseModel):
    """Where Rasa keeps conversations (redacted: bot/tracker_store.py), and for how long."""

    # SQLite file by default; e.g. postgresql://user:password@host/dbname (several Rasa
    # instances must share one).
    tracker_store_url: str = "sqlite:///var/conversations.db"
    # Conversations with no message for this many days are deleted by the purge job, which
    # runs in the service every purge_interval_hours (and as `privacybot purge`).
    retention_days: int = Field(default=30, ge=1)
    purge_interval_hours: float = Field(default=1.0, gt=0)
    # Unfinished request forms' answers (request drafts) are deleted after this many hours.
    draft_retention_hours: float = Field(default=24.0, gt=0)
    # With several Rasa instances: a Redis lock store (redis://host:port/db), so that the
    # messages of one conversation are handled one at a time, in order. Empty: in memory.
    lock_store_url: str = ""

    def resolved_url(self) -> str:
        return _absolute_sqlite(self.tracker_store_url)

    def rasa_tracker_store(self) -> dict:
        """The tracker_store section of Rasa's endpoints.yml for this database."""
        from sqlalchemy.engine import make_url

        url = make_url(self.resolved_url())
        store = {
            "type": "bot.tracker_store.RedactingSQLTrackerStore",
            "dialect": url.get_backend_name(),
            "db": url.database,
        }
        if url.host:  # Rasa passes an endpoint's `url` to the store as its host
            store["url"] = url.host
        for key in ("port", "username"):
            if getattr(url, key):
                store[key] = getattr(url, key)
        if url.password:  # Rasa reads ${VARIABLES} from its environment: no secret in a file
            store["password"] = "${" + TRACKER_STORE_PASSWORD_VARIABLE + "}"
        return store

    def rasa_lock_store(self) -> dict | None:
        """The lock_store section of Rasa's endpoints.yml, or None for Rasa's default."""
        if not self.lock_store_url:
            return None
        from sqlalchemy.engine import make_url

        url = make_url(self.lock_store_url)
        return {
            "type": "bot.lock_store.AtomicRedisLockStore",
            "url": url.host or "127.0.0.1",
            "port": url.port or 6379,
            "db": int(url.database or 0),
        }


class InsightsSettings(BaseModel):
    """What the staff's insights keep: the answers given (redacted, no conversation or LINE
    user, only the day) and patients' votes on them, for this many days (the hourly purge)."""

    retention_days: int = Field(default=90, ge=1)
    # An answer given with less confidence than this is listed as "low confidence".
    low_confidence: float = Field(default=0.5, ge=0, le=1)
    # Questions at least this similar (cosine of multilingual-e5 embeddings) count as one.
    group_similarity: float = Field(default=0.87, gt=0, le=1)


LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class MailSettings(BaseModel):
    """SMTP for the mails to the clinic's contact address (clinic.contact_email)."""

    from_address: EmailStr = "privacy-assistant@localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    starttls: bool = False
    # A CA certificate (PEM) to trust for the SMTP server besides the system's, e.g. a relay
    # with the clinic's own certificate; empty: the system's trust store only.
    tls_ca_file: str = ""
    username: str = ""
    password: str = Field(default="", repr=False)
    timeout_seconds: float = 10.0
    # Delivery retries: first after retry_base_seconds, doubling up to retry_max_seconds.
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    poll_seconds: float = 5.0

    @model_validator(mode="after")
    def _password_only_over_tls(self) -> MailSettings:
        if self.username and not self.starttls and self.smtp_host not in LOOPBACK_HOSTS:
            raise ValueError(
                "mail.username is set but mail.starttls is false: the SMTP password would "
                f"cross the network to {self.smtp_host} unencrypted; set mail.starttls: true"
            )
        return self


class RequestSettings(BaseModel):
    """How a patient's request is verified and tracked."""

    # The patient proves the e-mail address they gave by following the link (or typing the
    # code) in the acknowledgment: required, the clinic is told once it is confirmed;
    # optional, the clinic is told at once, marked unconfirmed; off, no confirmation asked.
    confirmation: Literal["required", "optional", "off"] = "required"
    # An unconfirmed request (confirmation: required) is deleted after this many hours.
    confirmation_hours: float = Field(default=48.0, gt=0)
    # The clinic's answer is due this many days after a request is received (APPI asks for
    # one "without delay"; the desk lists overdue requests first).
    due_days: int = Field(default=14, ge=1)
    # Staff record how they checked the requester's identity (one of these ways) before a
    # request can be completed; `identity_check_before_completing: false` lifts that.
    identity_methods: list[str] = Field(
        default_factory=lambda: [
            "photo ID at the reception",
            "photo ID on a video call",
            "call back to the phone number on file",
            "known patient, in person",
            "other (see the note)",
        ],
        min_length=1,
    )
    identity_check_before_completing: bool = True
    # A folder of the clinic's own reply templates (<language>.yml), added to and overriding
    # privacybot/desk/reply_templates/; relative to the project.
    reply_templates: Path | None = None

    def reply_templates_folder(self) -> Path | None:
        folder = self.reply_templates
        if folder is None or folder.is_absolute():
            return folder
        return PROJECT_ROOT / folder

    @field_validator("identity_methods")
    @classmethod
    def _short_methods(cls, methods: list[str]) -> list[str]:
        for method in methods:
            if not 0 < len(method) <= 40:
                raise ValueError(f"identity method {method!r}: 1 to 40 characters")
        return methods


class StaffSettings(BaseModel):
    """Who may use the staff desk: user name -> password hash (`privacybot hash-password`)."""

    users: dict[str, str] = Field(default_factory=dict, repr=False)


class ApiSettings(BaseModel):
    # The service's address as patients reach it (e.g. https://chat.sakura-clinic.example),
    # for the links in their e-mails; empty: services.api_url (this machine only).
    public_url: str = ""
    # Shared secret the action server presents to the service's internal intake endpoints.
    internal_token: str = Field(default="", repr=False)
    # Web pages allowed to call the web chat from a browser (the clinic's site), e.g.
    # ["https://www.sakura-clinic.example"]; empty: same origin only.
    allowed_origins: list[str] = Field(default_factory=list)
    # Requests a client address may make per minute (bursts up to rate_limit_burst), and
    # messages per minute in one web-chat conversation; over either: 429 with Retry-After.
    rate_limit_per_address_per_minute: int = Field(default=120, ge=1)
    rate_limit_burst: int = Field(default=40, ge=1)
    rate_limit_per_conversation_per_minute: int = Field(default=30, ge=1)
    # Largest request body accepted (the LINE webhook allows 1 MB: LINE batches events).
    max_body_bytes: int = Field(default=64_000, ge=1_000)
    # Addresses of the reverse proxies in front of the service, whose X-Forwarded-For names
    # the real client (e.g. ["127.0.0.1"] for nginx on the same host). Empty: the header is
    # ignored, so no client can pick the address its limits are counted under.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Staff sign-in: after this many failures in sign_in_window_seconds for one user name or
    # from one address, further attempts get 429 for sign_in_lockout_seconds.
    sign_in_max_failures: int = Field(default=5, ge=1)
    sign_in_window_seconds: int = Field(default=900, ge=1)
    sign_in_lockout_seconds: int = Field(default=300, ge=1)


class LineSettings(BaseModel):
    """The clinic's LINE official account (Messaging API channel). Empty secret and token:
    the LINE webhook is off and answers 404."""

    channel_secret: str = Field(default="", repr=False)
    channel_access_token: str = Field(default="", repr=False)
    # Where the Messaging API lives; tests point it at a fake LINE API on loopback.
    api_base_url: str = "https://api.line.me"
    # Key of the keyed hash that names a LINE user's conversation (the raw user id is never
    # stored); empty: derived from the channel secret.
    user_key: str = Field(default="", repr=False)
    # How long a reply token is tried (LINE accepts it for a short time only), and the retry
    # back-off while it is.
    reply_window_seconds: float = 50.0
    retry_base_seconds: float = 1.0
    # LINE's loading animation in a one-to-one chat while the assistant works (LINE allows 5
    # to 60 seconds, in steps of 5; it stops by itself when the reply arrives). 0: none.
    loading_seconds: int = Field(default=20, ge=0, le=60, multiple_of=5)

    @property
    def enabled(self) -> bool:
        return bool(self.channel_secret and self.channel_access_token)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRIVACYBOT_", env_nested_delimiter="__")

    clinic: ClinicProfile
    corpus: CorpusSettings = CorpusSettings()
    services: ServiceSettings = ServiceSettings()
    database: DatabaseSettings = DatabaseSettings()
    conversations: ConversationSettings = ConversationSettings()
    insights: InsightsSettings = InsightsSettings()
    mail: MailSettings = MailSettings()
    requests: RequestSettings = RequestSettings()
    staff: StaffSettings = StaffSettings()
    api: ApiSettings = ApiSettings()
    line: LineSettings = LineSettings()

    @property
    def public_url(self) -> str:
        """Where the links in patients' e-mails point."""
        return (self.api.public_url or self.services.api_url).rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=settings_path())
        return (init_settings, env_settings, yaml_source)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
