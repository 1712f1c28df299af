"""Every feature's models module, imported in one place so the metadata knows every table.

Alembic's ``migrations/env.py`` and the tests import this; a new feature adds its line here.
"""

from app import mail
from app.accounts import models as accounts
from app.billing import models as billing
from app.blocks import models as blocks
from app.exports import models as exports
from app.groups import models as groups
from app.memberships import models as memberships
from app.messages import models as messages
from app.notifications import models as notifications
from app.reading import models as reading
from app.search import schema as search  # no models: the search index's DDL
from app.seats import models as seats

__all__ = [
    "accounts",
    "billing",
    "blocks",
    "exports",
    "groups",
    "mail",
    "memberships",
    "messages",
    "notifications",
    "reading",
    "search",
    "seats",
]
