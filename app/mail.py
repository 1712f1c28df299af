"""Outgoing mail: SMTP when MAIL_SERVER is set, else the console and instance/mail/.

In tests every message is also appended to ``outbox(app)`` so tests can read it.
"""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app

from app.db import utcnow


def outbox(app: Flask) -> list[EmailMessage]:
    return app.extensions.setdefault("kindred_outbox", [])


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send one plain-text message and return it."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kindred.localhost")
    message.set_content(body)

    if config.get("TESTING"):
        outbox(current_app).append(message)
    elif config.get("MAIL_SERVER"):
        _send_smtp(message)
    else:
        _write_locally(message)
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_locally(message: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    (folder / f"{stamp}.eml").write_bytes(bytes(message))
    print(f"\n--- mail to {message['To']} ---\n{message}", file=sys.stderr)
