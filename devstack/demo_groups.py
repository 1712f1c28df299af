"""Demo groups for `make run`: a public, a members-only and a private group with talk in them."""

from __future__ import annotations

from app.accounts.models import Account
from app.groups import moderation, services
from app.groups.permissions import access_to


def load_demo_groups(accounts: dict[str, Account]) -> None:
    """Create three groups with threads and replies among ``accounts`` (keyed by handle).

    Expects members "ada" (a site admin), "bea", "cai" and "dev", and "eve", who is
    not a member and so only reads.
    """
    ada, bea, cai, dev = (accounts[handle] for handle in ("ada", "bea", "cai", "dev"))

    gardens = services.create_group(
        bea,
        "Balcony gardens",
        "balcony-gardens",
        "Growing food and flowers in small spaces: balconies, windowsills, shared yards.",
        "Questions of any size are welcome. Say where you are so people know your climate.",
        "public",
        "open",
    )
    for person in (cai, dev, ada):
        services.join_group(access_to(gardens, person))
    services.change_role(access_to(gardens, bea), dev.handle, "moderator")
    tomatoes = services.start_thread(
        access_to(gardens, cai),
        "Tomatoes in a north-facing window?",
        "I only get about **four hours** of direct light. Is it worth trying cherry "
        "tomatoes, or should I stick to herbs?",
    )
    services.reply(
        access_to(gardens, dev),
        tomatoes,
        "Cherry tomatoes can manage with that, but expect a small crop. Try "
        "[a dwarf variety](https://example.org/dwarf-tomatoes) and turn the pot every few days.",
    )
    services.reply(
        access_to(gardens, cai),
        tomatoes,
        "> expect a small crop\n\nA small crop is still a crop. Thank you, I'll try it.",
    )
    services.start_thread(
        access_to(gardens, bea),
        "Seed swap this spring",
        "Who has seeds to share? List what you have and what you're looking for.",
    )
    spam = services.start_thread(
        access_to(gardens, ada),
        "Welcome, and how moderation works here",
        "Be kind, stay on topic. Moderation actions are listed in the moderation log.",
    )
    off_topic = services.reply(
        access_to(gardens, cai), spam, "Anyone selling a used bicycle? Ask me privately."
    )
    moderation.hide_post(
        access_to(gardens, dev), off_topic, "Off-topic here; try a local marketplace."
    )

    readers = services.create_group(
        dev,
        "Slow readers' circle",
        "slow-readers",
        "One book a season, read slowly and talked over chapter by chapter.",
        "Hosts pick the book; anyone signed in can read along; members may ask to join.",
        "members",
        "request",
    )
    services.decide_request(
        access_to(readers, dev),
        services.request_to_join(access_to(readers, bea), "I'd love to join this season.").id,
        approve=True,
        response="Welcome!",
    )
    chapter = services.start_thread(
        access_to(readers, dev),
        "Chapter one: first impressions",
        "What stayed with you from the opening pages?",
    )
    services.reply(
        access_to(readers, bea), chapter, "The *weather*, oddly. It felt like a character."
    )
    services.start_thread(
        access_to(readers, bea),
        "Does anyone have the large-print edition?",
        "My copy's print is tiny. Which edition are you all reading?",
    )

    circle = services.create_group(
        ada,
        "Kindred operators",
        "operators",
        "Where the people who run Kindred coordinate.",
        "",
        "private",
        "invite",
    )
    services.invite(access_to(circle, ada), bea.handle)
    services.answer_invitation(access_to(circle, bea), accept=True)
    plans = services.start_thread(
        access_to(circle, ada),
        "This month's open books",
        "The funding page is up to date. Anything to add before we publish the note?",
    )
    services.reply(access_to(circle, bea), plans, "Looks right to me.")
