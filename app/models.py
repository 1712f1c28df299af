"""Every feature's models, imported in one place for Alembic and the tests."""

from app.accounts.models import Account
from app.memberships.models import ComplimentaryMembership

__all__ = ["Account", "ComplimentaryMembership"]
