"""Settings: a TOML file plus ``KIOSK_*`` environment variables.

Every business figure is a setting, so a provider can follow its own tariff and
its regulator's rules without code changes. Environment variables win over the
TOML file (``KIOSK_CONFIG`` names it; default ``kiosk.toml`` in the user's
config directory), which wins over the defaults below.
"""

from __future__ import annotations

import json
import os
import tomllib
import types
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

APP_NAME = "accessible-kiosk"


def data_dir() -> Path:
    """Where the embedded database and simulator journals live (platformdirs)."""
    from platformdirs import user_data_dir

    override = os.environ.get("KIOSK_DATA_DIR")
    return Path(override) if override else Path(user_data_dir(APP_NAME))


def config_file() -> Path:
    from platformdirs import user_config_dir

    override = os.environ.get("KIOSK_CONFIG")
    return Path(override) if override else Path(user_config_dir(APP_NAME)) / "kiosk.toml"


class AssistanceProgram(BaseModel):
    """An assistance program besides Lifeline that the kiosk tells customers about."""

    key: str
    name: str
    benefit: str
    who_qualifies: str
    how_to_apply: str
    decides: str


def _default_programs() -> list[AssistanceProgram]:
    return [
        AssistanceProgram(
            key="211",
            name="Local bill help (2-1-1)",
            benefit="Local agencies and charities may help pay a phone or internet bill.",
            who_qualifies="Each agency has its own rules; many help people with low income.",
            how_to_apply="Call 2-1-1, or visit 211.org, and ask for help with utility bills.",
            decides="Each agency decides who it can help, not this kiosk.",
        )
    ]


class LayeredSettings(BaseModel):
    """A pydantic model filled from, first to last: the arguments given, the
    ``env_prefix`` environment variables (any case; lists and models as JSON), the TOML
    file of :func:`config_file` (when ``from_config_file``), then the defaults.

    pydantic-settings does the same, but importing it (with asyncio, dotenv and its
    cloud secret stores) took about 150 ms of the 0.4 s in which a kiosk must greet
    its customer; pydantic still checks and converts every value.
    """

    model_config = ConfigDict(extra="ignore")
    env_prefix: ClassVar[str] = "KIOSK_"
    from_config_file: ClassVar[bool] = True

    def __init__(self, **values: Any) -> None:
        layers: dict[str, Any] = {}
        if self.from_config_file:
            path = config_file()
            if path.is_file():
                layers.update(read_config_file(path))
        layers.update(_from_environment(type(self)))
        layers.update(values)
        super().__init__(**layers)


def read_config_file(path: Path) -> dict[str, Any]:
    """The TOML file's values, or :class:`ConfigError` naming the file and the line."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the settings file {path}: {error}") from None


def _from_environment(model: type[LayeredSettings]) -> dict[str, Any]:
    environment = {name.upper(): value for name, value in os.environ.items()}
    found: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        variable = f"{model.env_prefix}{name}".upper()
        if variable not in environment:
            continue
        raw = environment[variable]
        if not _is_plain(field.annotation):
            try:
                found[name] = json.loads(raw)
            except json.JSONDecodeError as error:
                raise ConfigError(
                    f"{variable} must be JSON (a list or an object): {error}. "
                    "Quote it for the shell, e.g. " + variable + "='[...]'"
                ) from error
        else:
            found[name] = raw
    return found


def _is_plain(annotation: Any) -> bool:
    """Whether a value of this type is written as it is (not as JSON) in a variable."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return True
    if origin in (typing.Union, types.UnionType):
        return all(_is_plain(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation in (str, int, float, bool)


class Settings(LayeredSettings):
    """All settings, with the defaults a demo kiosk runs on."""

    # Identity and storage
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data dir")
    # How long a statement waits for another process's lock (on the SQLite file, or a
    # PostgreSQL row or table) before the store counts as unusable (the kiosk then says
    # so; it never waits forever).
    database_busy_timeout_seconds: float = 30.0
    # Demo accounts (with their published PINs) are created only on request:
    # KIOSK_DEMO=1 (make run sets it) or ``kiosk db seed``.
    demo: bool = False
    kiosk_id: str = "KIOSK-001"
    store_id: str = "STORE-0001"
    locale: str = "en_US"
    timezone: str = "America/Chicago"  # the store's local time, for receipts and dates
    currency: str = "USD"
    support_phone: str = "1-800-555-0100"

    # Verification. Failures lock an identifier (account number, or phone) whether or
    # not it matches an account, with the same answers, so locks tell nothing.
    pin_max_attempts: int = 3
    lockout_minutes: int = 15
    # Per kiosk: past this many failed verifications (any identifiers) within the
    # window, each check waits first, doubling from the base up to the maximum: guessing
    # across accounts slows down while the kiosk stays open to everyone.
    kiosk_throttle_after_failures: int = 10
    kiosk_failed_window_minutes: int = 15
    kiosk_throttle_base_seconds: float = 2.0
    kiosk_throttle_max_seconds: float = 30.0

    # Secrets kept outside the database: the key of the audit chain and of lockout
    # rows. Empty: the key file in the data directory (made on first use).
    secret_key: str = ""
    secret_key_file: str = ""
    # The audit chain's heads, appended outside the database after each commit; empty:
    # audit-head-<kiosk_id>.jsonl in the data directory.
    audit_head_file: str = ""

    # Payments
    overpayment_limit_cents: int = 50_000
    terminal_delay_seconds: float = 0.0
    terminal_card_last4: str = "4242"
    terminal_card_brand: str = "VISA"
    card_fee_cents: int = 0
    bank_fee_cents: int = 0
    cash_gives_change: bool = False
    # The kiosk's own append-only payment journal; empty = payments-<kiosk id>.jsonl
    # in the data directory. Keep it on the kiosk's disk, apart from a fleet database.
    payment_journal_path: str = ""
    customer_service_phone: str = "1-800-555-0199"  # said in a bank debit's authorization

    # Billing policy
    bill_due_days: int = 16
    delinquent_after_days: int = 20
    disconnection_notice_days: int = 7
    late_fee_cents: int = 500
    reconnection_fee_cents: int = 3_500
    reconnection_hours: int = 24  # service is back on within this long after a reconnection order

    # Arrangements
    extension_max_days: int = 10
    extension_once_per_months: int = 12
    installment_down_payment_divisor: int = 3  # one third down
    installment_default_parts: int = 3
    installment_max_parts: int = 12
    broken_plan_lookback_months: int = 13
    deferred_max_days: int = 30
    dispute_decision_days: int = 30  # a disputed charge is answered within this many days

    # Assistance programs (FCC Lifeline figures)
    lifeline_monthly_credit_cents: int = 925
    lifeline_tribal_credit_cents: int = 3_425
    lifeline_income_percent_of_poverty: int = 135
    lifeline_apply_url: str = "LifelineSupport.org"
    lifeline_support_phone: str = "1-800-234-9473"
    assistance_programs: list[AssistanceProgram] = Field(default_factory=_default_programs)

    # Conversation timing
    response_seconds: float = 60.0
    timeout_warning_seconds: float = 20.0
    max_extensions: int = 10

    # Fraud signals
    fraud_multiple_of_usual: float = 5.0
    fraud_window_minutes: int = 10
    # At most 11: the burst check looks at the account's last 12 payments.
    fraud_max_payments_in_window: int = Field(default=3, ge=1, le=11)

    # Receipts and notifications
    printer_url: str = "dummy:"
    # A printed receipt belongs to its customer's session: one that has not printed
    # this long after the payment is cancelled (never printed for the next customer).
    receipt_print_within_seconds: float = 60.0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "receipts@kiosk.invalid"
    smtp_starttls: bool = False
    sms_gateway_url: str = ""
    sms_email_domain: str = ""
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: float = 30.0  # first retry; doubles each time
    outbox_backoff_max_seconds: float = 3600.0
    outbox_lease_seconds: float = 120.0  # a claimed message is retried after this

    # Speech: speech_engine is "pocketsphinx", "whisper", "hybrid" (Whisper for menus and
    # yes/no, pocketsphinx for digits and amounts: the best by bench_speech --tasks) or
    # "vosk"; "" picks Vosk when a model is installed, else hybrid when Whisper's model
    # is installed, else pocketsphinx. The phone line's 8 calls each run a recognizer:
    # Whisper is too heavy for that (README), so the line has its own.
    vosk_model_dir: str = ""
    speech_engine: str = ""
    line_speech_engine: str = "pocketsphinx"

    # Logs (docs/operations.md): file = log_file (default kiosk.log in the data directory)
    # rotated at log_file_max_bytes keeping log_file_backups; stdout; journald (systemd).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_destination: Literal["file", "stdout", "journald"] = "file"
    log_file: str = ""
    log_file_max_bytes: int = Field(default=5_000_000, ge=10_000)
    log_file_backups: int = Field(default=5, ge=0)

    # kiosk serve: background upkeep and the loopback health endpoint
    outbox_interval_seconds: float = Field(default=2.0, gt=0)
    reconcile_interval_seconds: float = Field(default=300.0, gt=0)
    daily_job_time: str = Field(default="02:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=9464, ge=0, le=65535)  # 0: no health endpoint
    offer_expiry_hours: int = Field(default=24, ge=1)  # an unanswered plan offer lapses

    @field_validator("printer_url")
    @classmethod
    def _printer_address(cls, value: str) -> str:
        """A mistyped printer would pass here and fail only at a customer's receipt."""
        from kiosk.receipts.printer_address import URL_FORMS, parse_printer_address

        try:
            parse_printer_address(value)
        except ValueError as why:
            raise ValueError(f"{why}; use one of {URL_FORMS}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        """A misspelt zone would pass here and stop receipts and reports later."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"no time zone named {value!r}; use an IANA name such as 'America/Chicago'"
            ) from None
        return value

    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{data_dir() / 'kiosk.sqlite3'}"


class ConfigError(ValueError):
    """The settings cannot be used: a bad value in the TOML file or a KIOSK_* variable."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, or :class:`ConfigError` saying which value is wrong and where."""
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigError(f"bad setting: {problems}") from None
    _warn_of_unknown_keys(config_file())
    return settings


def _warn_of_unknown_keys(path: Path) -> None:
    """A misspelt key in kiosk.toml is ignored and its default used: say so where an
    operator starting the kiosk will see it, not only in ``kiosk config check``."""
    import logging

    from kiosk.ops.config_cli import unknown_keys

    if not path.is_file():
        return
    for problem in unknown_keys(read_config_file(path)):
        logging.getLogger("kiosk.settings").warning(
            "%s: %s (ignored, the default is used; see kiosk config check)", path, problem.message
        )
