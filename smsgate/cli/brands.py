"""`smsgate brand create | update | list`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.accounts.brands import OptInSettings, SendLimits, create_brand, update_brand
from smsgate.accounts.keywords import add_keywords, brand_keywords, remove_keywords
from smsgate.cli.errors import cli_errors
from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import Brand
from smsgate.sendtime.windows import Window

F = TypeVar("F", bound=Callable[..., Any])

brand = click.Group("brand", help="Manage brands and their sender numbers.")

_options = [
    click.option("--number", "numbers", multiple=True, help="Sender number (repeatable)."),
    click.option("--messaging-service-sid", help="Twilio Messaging Service SID (MG...)."),
    click.option("--help-text", help="What a HELP reply says (contact details)."),
    click.option("--mps", type=int, help="Send rate cap in messages per second (default 10)."),
    click.option("--frequency", help='Opt-in reply frequency, e.g. "Up to 4 msgs/month."'),
    click.option("--reply", "replies", nargs=3, multiple=True,
                 metavar="KIND LANGUAGE TEXT",
                 help="The brand's own reply: KIND opt_in|opt_out|help, LANGUAGE en|es; an "
                      "empty TEXT restores the standard one (repeatable)."),
    click.option("--window", help="The brand's own send window in the recipient's local time, "
                 "HH:MM-HH:MM (e.g. 09:00-17:30), or none; it can only narrow the law's."),
    click.option("--frequency-cap", type=int,
                 help="Texts per number per rolling 24 hours (0: none; state law still applies)."),
    click.option("--daily-cap", type=int,
                 help="Message segments per day, reset at midnight Pacific (0: none)."),
    click.option("--double-opt-in/--single-opt-in", "double_opt_in", default=None,
                 help="API opt-ins wait for the number's YES to a confirmation request."),
    click.option("--confirm-within", "confirm_within", type=int, metavar="HOURS",
                 help="How long a double opt-in waits for its YES (default 48)."),
    click.option("--program", help='What the confirmation request calls the program, e.g. '
                                   '"Acme Deals alerts" (default: "NAME texts").'),
    click.option("--join-keyword", "join_keywords", multiple=True, metavar="WORD",
                 help="Texting WORD opts in to this brand (repeatable)."),
    click.option("--help-keyword", "help_keywords", multiple=True, metavar="WORD",
                 help="Texting WORD gets the HELP reply (repeatable)."),
    click.option("--opt-out-keyword", "opt_out_keywords", multiple=True, metavar="WORD",
                 help="Texting WORD opts out of this brand (repeatable)."),
]


def _with_options(command: F) -> F:
    """Apply the options `create` and `update` share, in the order they are listed."""
    for option in reversed(_options):
        command = option(command)
    return command


def _reply_texts(replies: tuple[tuple[str, str, str], ...]) -> dict[tuple[str, str], str]:
    return {(kind, language): text for kind, language, text in replies}


def _describe(b: Brand) -> str:
    numbers = ",".join(n.number for n in b.numbers) or "-"
    window = (str(Window(b.window_start, b.window_end))
              if b.window_start is not None and b.window_end is not None else "-")
    return (f"{b.name}\tnumbers={numbers}\tmessaging_service={b.messaging_service_sid or '-'}"
            f"\tmps={b.messages_per_second}\twindow={window}"
            f"\tfrequency_cap={b.frequency_cap or '-'}\tdaily_cap={b.daily_cap or '-'}"
            + (f"\tdouble_opt_in={b.confirm_within_hours}h" if b.double_opt_in else "")
            + "".join(f"\t{kind}_keyword={word}"
                      for kind, word in brand_keywords(db.session(), b.id)))


@brand.command("create")
@click.option("--name", required=True, help="Brand name, shown at the start of every text.")
@_with_options
@with_appcontext
@cli_errors
def create(name: str, numbers: tuple[str, ...], messaging_service_sid: str | None,
           help_text: str | None, mps: int | None, frequency: str | None,
           replies: tuple[tuple[str, str, str], ...], window: str | None,
           frequency_cap: int | None, daily_cap: int | None,
           double_opt_in: bool | None, confirm_within: int | None,
           program: str | None, join_keywords: tuple[str, ...], help_keywords: tuple[str, ...],
           opt_out_keywords: tuple[str, ...]) -> None:
    """Create a brand."""
    session = db.session()
    created = create_brand(session, name, numbers, messaging_service_sid=messaging_service_sid,
                           help_text=help_text, messages_per_second=mps, frequency_text=frequency,
                           reply_texts=_reply_texts(replies),
                           limits=SendLimits(window, frequency_cap, daily_cap),
                           opt_in=OptInSettings(double_opt_in, confirm_within, program))
    ledger.extend_stopalls_to_brand(session, created.id)  # earlier STOPALLs cover it too
    _add_keywords(session, created, join_keywords, help_keywords, opt_out_keywords)
    session.commit()
    click.echo(_describe(created))


@brand.command("update")
@click.argument("name")
@_with_options
@click.option("--remove-keyword", "remove", multiple=True, metavar="WORD",
              help="Remove one of the brand's own keywords (repeatable).")
@with_appcontext
@cli_errors
def update(name: str, numbers: tuple[str, ...], messaging_service_sid: str | None,
           help_text: str | None, mps: int | None, frequency: str | None,
           replies: tuple[tuple[str, str, str], ...], window: str | None,
           frequency_cap: int | None, daily_cap: int | None,
           double_opt_in: bool | None, confirm_within: int | None,
           program: str | None, join_keywords: tuple[str, ...], help_keywords: tuple[str, ...],
           opt_out_keywords: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Change a brand; --number adds sender numbers."""
    session = db.session()
    changed = update_brand(session, name, add_numbers=numbers,
                           messaging_service_sid=messaging_service_sid, help_text=help_text,
                           messages_per_second=mps, frequency_text=frequency,
                           reply_texts=_reply_texts(replies),
                           limits=SendLimits(window, frequency_cap, daily_cap),
                           opt_in=OptInSettings(double_opt_in, confirm_within, program))
    remove_keywords(session, changed, remove)
    _add_keywords(session, changed, join_keywords, help_keywords, opt_out_keywords)
    session.commit()
    click.echo(_describe(changed))


def _add_keywords(session: Session, target: Brand, join: tuple[str, ...],
                  help_: tuple[str, ...], opt_out: tuple[str, ...]) -> None:
    for kind, words in (("join", join), ("help", help_), ("opt_out", opt_out)):
        add_keywords(session, target, kind, words)


@brand.command("list")
@with_appcontext
def list_brands() -> None:
    """List brands with their numbers and rate caps."""
    for b in db.session.scalars(select(Brand).order_by(Brand.name)):
        click.echo(_describe(b))


COMMANDS = [brand]
