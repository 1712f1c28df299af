"""Mail is written with the change that causes it and delivered after the commit, with retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import abort
from sqlalchemy import func, select, update

from app import jobs
from app.db import db, utcnow
from app.mail import MailStatus, OutgoingMail, deliver, outbox, send_mail, sweep, sweep_mail
from tests.mail.smtp_server import SMTPServer


@pytest.fixture
def mail_app(make_app):
    """An app whose routes write a row and send mail, then answer as told."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.post("/test/mail/<int:status>")
    def mail_then_answer(status: int):
        send_mail("ada@example.org", "About your change", "It is done.\n")
        if status >= 400:
            abort(status)
        return "ok", status

    @app.post("/test/mail-then-crash")
    def mail_then_crash():
        send_mail("ada@example.org", "About your change", "It is done.\n")
        raise RuntimeError("the change failed after the mail was written")

    return app


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(make_app, smtp_server):
    return make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=5,
        PROPAGATE_EXCEPTIONS=False,
    )


def rows(app) -> list[OutgoingMail]:
    with app.app_context():
        return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def make_due(app) -> None:
    """Move every pending message's next attempt into the past, as time passing would."""
    with app.app_context():
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.status == MailStatus.PENDING)
            .values(next_attempt_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()


def test_mail_is_in_the_outbox_when_the_request_returns(mail_app):
    response = mail_app.test_client().post("/test/mail/200")
    assert response.status_code == 200
    [message] = outbox(mail_app)
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "About your change"
    assert message["From"] == mail_app.config["MAIL_DEFAULT_SENDER"]
    assert message["Message-ID"] and message["Date"]
    assert message.get_content() == "It is done.\n"
    [row] = rows(mail_app)
    assert row.status == MailStatus.SENT and row.attempts == 1 and row.finished_at


def test_nothing_is_sent_before_the_commit(app):
    with app.app_context():
        send_mail("ada@example.org", "Hello", "Body\n")
        assert outbox(app) == []
        db.session.commit()
    assert [m["Subject"] for m in outbox(app)] == ["Hello"]


@pytest.mark.parametrize("status", [400, 404, 500])
def test_a_request_that_rolls_back_sends_no_mail(mail_app, status):
    assert mail_app.test_client().post(f"/test/mail/{status}").status_code == status
    assert outbox(mail_app) == []
    assert rows(mail_app) == []


def test_a_request_that_crashes_after_writing_mail_sends_none(mail_app):
    assert mail_app.test_client().post("/test/mail-then-crash").status_code == 500
    assert outbox(mail_app) == []
    assert rows(mail_app) == []


def test_a_rolled_back_session_forgets_its_mail_for_the_next_commit(app):
    with app.app_context():
        send_mail("ada@example.org", "Rolled back", "Body\n")
        db.session.rollback()
        send_mail("bea@example.org", "Kept", "Body\n")
        db.session.commit()
    assert [m["Subject"] for m in outbox(app)] == ["Kept"]


def test_mail_marked_to_be_forgotten_leaves_no_copy_once_sent(smtp_app, smtp_server):
    with smtp_app.app_context():
        send_mail("ada@example.org", "Goodbye", "Body\n", forget_when_done=True)
        send_mail("bea@example.org", "Kept a while", "Body\n")
        db.session.commit()
    assert [m["Subject"] for m in smtp_server.received] == ["Goodbye", "Kept a while"]
    assert [row.recipient for row in rows(smtp_app)] == ["bea@example.org"]


def test_once_delivered_only_the_record_of_delivery_is_kept_not_what_it_said(smtp_app, smtp_server):
    with smtp_app.app_context():
        send_mail("ada@example.org", "About @zinnia", "@zinnia wrote to you.\n")
        db.session.commit()
    [row] = rows(smtp_app)
    assert (row.status, row.recipient, row.subject, row.body) == (
        MailStatus.SENT,
        "ada@example.org",
        "",
        "",
    )
    assert smtp_server.received[0]["Subject"] == "About @zinnia"


def test_mail_marked_to_be_forgotten_waits_while_undelivered(smtp_app, smtp_server):
    smtp_server.stop()
    with smtp_app.app_context():
        send_mail("ada@example.org", "Goodbye", "Body\n", forget_when_done=True)
        db.session.commit()
    [row] = rows(smtp_app)
    assert row.status == MailStatus.PENDING
    smtp_server.start()
    make_due(smtp_app)
    with smtp_app.app_context():
        assert deliver(row.id) is None
    assert rows(smtp_app) == []
    assert [m["Subject"] for m in smtp_server.received] == ["Goodbye"]


def test_mail_goes_out_by_smtp_after_the_commit(smtp_app, smtp_server):
    with smtp_app.app_context():
        send_mail("ada@example.org", "Hello", "Open https://kindred.example/x\n")
        assert smtp_server.received == []
        db.session.commit()
    [received] = smtp_server.received
    assert received["To"] == "ada@example.org"
    assert "https://kindred.example/x" in received.get_content()
    assert [m["Message-ID"] for m in outbox(smtp_app)] == [received["Message-ID"]]


def test_a_mail_server_that_is_down_for_a_while_delays_mail_but_loses_none(smtp_app, smtp_server):
    smtp_server.stop()
    client = smtp_app.test_client()
    with smtp_app.app_context():
        for to in ("ada@example.org", "bea@example.org"):
            send_mail(to, "While the server was down", "Still coming.\n")
        db.session.commit()
    assert outbox(smtp_app) == []
    assert {r.status for r in rows(smtp_app)} == {MailStatus.PENDING}
    assert all(r.attempts == 1 and "Connection refused" in r.last_error for r in rows(smtp_app))

    # Still down when the sweep retries: kept, and retried later than the first time.
    make_due(smtp_app)
    with smtp_app.app_context():
        sweep_mail.call_local()
    assert smtp_server.received == []
    for row in rows(smtp_app):
        assert row.attempts == 2
        wait = row.next_attempt_at - utcnow()
        assert timedelta(seconds=50) < wait <= timedelta(seconds=60), "30 s, doubled"

    smtp_server.start()
    make_due(smtp_app)
    with smtp_app.app_context():
        sweep_mail.call_local()
    assert sorted(m["To"] for m in smtp_server.received) == ["ada@example.org", "bea@example.org"]
    assert {r.status for r in rows(smtp_app)} == {MailStatus.SENT}

    # Sent once: a later sweep sends nothing again.
    make_due(smtp_app)
    with smtp_app.app_context():
        sweep_mail.call_local()
    assert len(smtp_server.received) == 2
    assert client.get("/").status_code == 200


def test_a_recipient_refused_for_good_is_not_retried(smtp_app, smtp_server):
    smtp_server.refuse("gone@example.org")
    with smtp_app.app_context():
        send_mail("gone@example.org", "Hello", "Body\n")
        db.session.commit()
    [row] = rows(smtp_app)
    assert row.status == MailStatus.FAILED
    assert "550" in row.last_error
    make_due(smtp_app)
    with smtp_app.app_context():
        assert sweep() == []


def test_one_message_is_delivered_once_however_often_it_is_queued(smtp_app, smtp_server):
    smtp_server.stop()
    with smtp_app.app_context():
        send_mail("ada@example.org", "Once", "Body\n")
        db.session.commit()
        [mail_id] = db.session.scalars(select(OutgoingMail.id))
    smtp_server.start()
    make_due(smtp_app)
    with smtp_app.app_context():
        assert deliver(mail_id) is None
        assert deliver(mail_id) is None
    assert len(smtp_server.received) == 1


def test_a_delivery_in_progress_is_not_taken_by_another_worker(app):
    with app.app_context():
        send_mail("ada@example.org", "Held", "Body\n")
        db.session.flush()
        [row] = db.session.scalars(select(OutgoingMail))
        # As if a delivery started a moment ago and holds it.
        row.next_attempt_at = utcnow() + timedelta(minutes=9)
        db.session.commit()
        assert deliver(row.id) is None
        assert sweep() == []
    assert outbox(app) == []


def test_the_retry_delay_doubles_up_to_its_ceiling(app):
    from app.mail import _retry_delay

    app.config.update(MAIL_RETRY_DELAY=30, MAIL_RETRY_MAX_DELAY=3600)
    with app.app_context():
        assert [_retry_delay(n) for n in (1, 2, 3, 7, 8, 20)] == [30, 60, 120, 1920, 3600, 3600]


def test_sent_and_refused_mail_is_deleted_after_its_retention(app):
    app.config["MAIL_RETENTION_DAYS"] = 7
    now = utcnow()
    with app.app_context():
        for subject, status, finished in [
            ("sent long ago", MailStatus.SENT, now - timedelta(days=8)),
            ("refused long ago", MailStatus.FAILED, now - timedelta(days=8)),
            ("sent lately", MailStatus.SENT, now - timedelta(days=6)),
            ("never sent", MailStatus.PENDING, None),
        ]:
            db.session.add(
                OutgoingMail(
                    message_id=f"<{subject.replace(' ', '-')}@kindred.localhost>",
                    sender="Kindred <hello@kindred.localhost>",
                    recipient="ada@example.org",
                    subject=subject,
                    body="Body\n",
                    status=status,
                    created_at=now - timedelta(days=9),
                    next_attempt_at=now + timedelta(hours=1),
                    finished_at=finished,
                )
            )
        db.session.commit()
        sweep(now)
        kept = set(db.session.scalars(select(OutgoingMail.subject)))
    assert kept == {"sent lately", "never sent"}


def test_a_queue_that_cannot_be_reached_at_commit_loses_nothing(app, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(jobs.huey, "enqueue", unreachable)
    with app.app_context():
        send_mail("ada@example.org", "Queued later", "Body\n")
        db.session.commit()  # the commit stands: the message is on record
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1
    assert outbox(app) == []
    monkeypatch.undo()
    make_due(app)
    with app.app_context():
        sweep_mail.call_local()
    assert [m["Subject"] for m in outbox(app)] == ["Queued later"]


def test_a_redis_queue_holds_mail_until_a_worker_runs_it(make_app, redis_url):
    app = make_app(JOBS_URL=redis_url)
    assert not jobs.runs_at_once()
    jobs.huey.flush()
    with app.app_context():
        send_mail("ada@example.org", "Through Redis", "Body\n")
        db.session.commit()
    assert outbox(app) == []
    assert jobs.huey.pending_count() == 1
    # What the worker does with each queued job.
    with app.app_context():
        jobs.huey.execute(jobs.huey.dequeue())
    assert [m["Subject"] for m in outbox(app)] == ["Through Redis"]
    assert jobs.huey.pending_count() == 0
