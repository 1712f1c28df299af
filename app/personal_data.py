"""What Kindred keeps about people, declared in code by the feature that keeps it.

Every table that holds data about an account (a foreign key to ``accounts``, directly or
through its parent) is declared here by its feature as a ``Table``: what a row holds, why
Kindred keeps it, for how long, which file of the member's export it goes into (or why it
is left out), and what deleting the account does to each of its references to accounts.
A feature also declares the ``Section``s it writes into the export (one file each, plus
its part of the offline ``index.html``) and, when deleting an account needs more than the
database's own cascades, the step that does it.

``schema_problems`` walks a schema and names every table that refers to accounts without
a decision; the test suite runs it, so a new table cannot land undecided.  The
``/privacy`` page lists what Kindred stores from the same declarations, so the page and the
code cannot drift apart.

A new feature writes ``app/<feature>/personal_data.py`` with one ``register(Feature(...))``
and adds the module's name to ``DECLARATIONS`` below.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from app.accounts.models import Account
    from app.exports.archive import ExportContext

# Every feature's declarations, in the order their sections appear in an export.
DECLARATIONS = (
    "app.accounts.personal_data",
    "app.memberships.personal_data",
    "app.billing.personal_data",
    "app.seats.personal_data",
    "app.groups.personal_data",
    "app.reading.personal_data",
    "app.messages.personal_data",
    "app.notifications.personal_data",
    "app.blocks.personal_data",
    "app.search.personal_data",
    "app.exports.personal_data",
    "app.mail_personal_data",
)

ACCOUNTS_TABLE = "accounts"


class Deletion(enum.Enum):
    """What deleting an account does to a column that refers to it."""

    #: The row goes with the account (``ON DELETE CASCADE``, or the feature's deletion step).
    REMOVED = "removed"
    #: The row stays for everyone else; the reference is cleared (``ON DELETE SET NULL``).
    UNLINKED = "unlinked"


@dataclass(frozen=True)
class Table:
    """A table's decision: what it holds about people and what happens to it."""

    name: str
    title: str
    holds: str
    why: str
    kept: str
    on_delete: str
    #: The export file it goes into; None when it is not exported (say why in ``excluded``).
    export: str | None = None
    excluded: str = ""
    #: Each column referring to ``accounts`` and what deleting that account does to it.
    references: Mapping[str, Deletion] = field(default_factory=dict)
    #: Who outside Kindred ever receives any of it, and what; empty when nobody does.
    shared_with: str = ""
    #: Made by raw SQL rather than a model (the search index): the models' metadata does
    #: not have it, a reflected database does.
    outside_models: bool = False


@dataclass(frozen=True)
class Section:
    """One file of an archive and, optionally, its part of the offline ``index.html``."""

    file: str
    title: str
    holds: str
    write: Callable[[ExportContext], Iterable[str]]
    html: Callable[[ExportContext], Iterable[str]] | None = None
    #: For a file that restates another in a second format (outbox.json, posts.csv): that
    #: file, whose tables it is made from.
    restates: str | None = None


#: A deletion step: called with the account and ``keep_posts`` inside the one transaction
#: that deletes it, before the account row goes.
DeletionStep = Callable[["Account", bool], None]


@dataclass(frozen=True)
class Feature:
    name: str
    tables: tuple[Table, ...] = ()
    #: The files of a member's export this feature writes.
    sections: tuple[Section, ...] = ()
    #: The files of a group archive this feature writes (groups only, so far).
    group_sections: tuple[Section, ...] = ()
    on_account_deleted: DeletionStep | None = None


_features: dict[str, Feature] = {}


def register(feature: Feature) -> Feature:
    """Declare a feature's tables, export sections and deletion step (once per name)."""
    _features[feature.name] = feature
    return feature


def features() -> list[Feature]:
    """Every declared feature, in ``DECLARATIONS`` order."""
    for module in DECLARATIONS:
        importlib.import_module(module)
    order = {_feature_name(module): n for n, module in enumerate(DECLARATIONS)}
    return sorted(_features.values(), key=lambda feature: order.get(feature.name, len(order)))


def _feature_name(module: str) -> str:
    name = module.split(".")[1]
    return name.removesuffix("_personal_data")


def tables() -> dict[str, Table]:
    return {table.name: table for feature in features() for table in feature.tables}


def sections() -> list[Section]:
    return [section for feature in features() for section in feature.sections]


def group_sections() -> list[Section]:
    return [section for feature in features() for section in feature.group_sections]


def deletion_steps() -> list[DeletionStep]:
    return [f.on_account_deleted for f in features() if f.on_account_deleted is not None]


# -- the completeness guard -----------------------------------------------------------------


def tables_about_accounts(metadata: MetaData) -> set[str]:
    """Tables that refer to ``accounts``, directly or through a parent that does."""
    about = {ACCOUNTS_TABLE}
    changed = True
    while changed:
        changed = False
        for table in metadata.tables.values():
            if table.name in about:
                continue
            if any(key.column.table.name in about for key in table.foreign_keys):
                about.add(table.name)
                changed = True
    return about


def account_references(metadata: MetaData) -> dict[str, dict[str, str | None]]:
    """For each table, its columns that refer to ``accounts`` and their ``ON DELETE``."""
    found: dict[str, dict[str, str | None]] = {}
    for table in metadata.tables.values():
        for key in table.foreign_keys:
            if key.column.table.name == ACCOUNTS_TABLE:
                found.setdefault(table.name, {})[key.parent.name] = (
                    key.ondelete.upper() if key.ondelete else None
                )
    return found


_EXPECTED_ON_DELETE = {Deletion.REMOVED: {"CASCADE"}, Deletion.UNLINKED: {"SET NULL"}}


def schema_problems(metadata: MetaData, declared: Mapping[str, Table] | None = None) -> list[str]:
    """Everything wrong between a schema and the declarations, as sentences; [] if none.

    Each table about accounts needs a declaration that exports it (to a file some section
    writes) or says why not; each of its columns referring to accounts needs a deletion
    decision that the schema's ``ON DELETE`` carries out; and nothing is declared that the
    schema does not have.
    """
    declared = tables() if declared is None else declared
    files = {section.file for section in sections()}
    problems = []
    for name in sorted(tables_about_accounts(metadata)):
        table = declared.get(name)
        if table is None:
            problems.append(
                f"table {name!r} holds data about accounts but no feature declares it in "
                "app/<feature>/personal_data.py (exported to which file, or excluded and why, "
                "and what deleting an account does to it)"
            )
            continue
        if table.export is None and not table.excluded.strip():
            problems.append(f"table {name!r} is neither exported nor excluded with a reason")
        if table.export is not None and table.export not in files:
            problems.append(
                f"table {name!r} is exported to {table.export!r}, which no section writes"
            )
    references = account_references(metadata)
    for name in sorted(set(declared) & set(metadata.tables)):
        table, columns = declared[name], references.get(name, {})
        for column, ondelete in sorted(columns.items()):
            decision = table.references.get(column)
            if decision is None:
                problems.append(
                    f"column {name}.{column} refers to accounts but has no deletion decision"
                )
            elif ondelete not in _EXPECTED_ON_DELETE[decision]:
                problems.append(
                    f"column {name}.{column} is declared {decision.value} on deletion but its "
                    f"foreign key says ON DELETE {ondelete or 'NO ACTION'}"
                )
        for column in sorted(set(table.references) - set(columns)):
            problems.append(f"{name}.{column} is declared but does not refer to accounts")
    for name in sorted(set(declared) - set(metadata.tables)):
        if declared[name].outside_models:
            continue
        problems.append(f"table {name!r} is declared but is not in the schema")
    return problems


def export_files() -> dict[str, tuple[Section, list[Table]]]:
    """Each export file's section and the tables it is made from, in export order."""
    feeding: dict[str, list[Table]] = {}
    for table in tables().values():
        if table.export:
            feeding.setdefault(table.export, []).append(table)
    return {
        section.file: (section, feeding.get(section.restates or section.file, []))
        for section in sections()
    }
