"""What memberships keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from app.billing.models import Subscription
from app.exports.archive import ExportContext, json_document, render_stream, stream_rows
from app.memberships.models import ComplimentaryMembership
from app.memberships.services import current_membership
from app.personal_data import Deletion, Feature, Section, Table, register


def _current(ctx: ExportContext) -> dict | None:
    membership = current_membership(ctx.account, ctx.now)
    return {"kind": membership.kind, "until": membership.until} if membership else None


def _periods(ctx: ExportContext) -> Iterator[dict]:
    """Every period of membership, paid and complimentary, earliest first."""
    paid = select(
        Subscription.status,
        Subscription.current_period_start,
        Subscription.current_period_end,
        Subscription.cancel_at_period_end,
        Subscription.ended_at,
    ).where(Subscription.account_id == ctx.account.id)
    for row in stream_rows(paid.order_by(Subscription.id)):
        yield {
            "source": "paid",
            "status": row.status,
            "from": row.current_period_start,
            "until": row.ended_at or row.current_period_end,
            "renews": row.status in ("active", "trialing") and not row.cancel_at_period_end,
        }
    complimentary = select(
        ComplimentaryMembership.starts_at,
        ComplimentaryMembership.ends_at,
        ComplimentaryMembership.ended_early_at,
    ).where(ComplimentaryMembership.account_id == ctx.account.id)
    for row in stream_rows(complimentary.order_by(ComplimentaryMembership.id)):
        yield {
            "source": "complimentary",
            "from": row.starts_at,
            "until": row.ended_early_at or row.ends_at,
            "ended_early": row.ended_early_at is not None,
        }


def write_memberships(ctx: ExportContext) -> Iterator[str]:
    return json_document("memberships.json", {"current": _current(ctx)}, {"periods": _periods(ctx)})


def memberships_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/memberships.html", current=_current(ctx), periods=_periods(ctx)
    )


register(
    Feature(
        name="memberships",
        tables=(
            Table(
                "complimentary_memberships",
                title="Complimentary memberships",
                holds="Complimentary memberships an admin granted you: when they start and "
                "end, the admin who granted them and the reason they gave.",
                why="A complimentary membership is what lets you post without paying; the "
                "admin and the reason keep the operators accountable for each one.",
                kept="Until you delete your account. If you are an admin, the grants you "
                "made stay with their members, without your name.",
                export="memberships.json",
                on_delete="Removed. Grants you made as an admin stay, no longer naming you.",
                references={"account_id": Deletion.REMOVED, "granted_by_id": Deletion.UNLINKED},
            ),
        ),
        sections=(
            Section(
                "memberships.json",
                "Memberships",
                "Whether you are a member now and why, and every period of membership you "
                "had, paid or complimentary, with its dates. Who granted a complimentary "
                "membership, and the reason they gave, are the operators' records and are "
                "left out.",
                write_memberships,
                memberships_html,
            ),
        ),
    )
)
