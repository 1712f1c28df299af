"""The base of every form in Kindred.

Every form subclasses ``Form`` so that rules about what people may type hold in one
place for every field of every feature.
"""

from __future__ import annotations

from flask_wtf import FlaskForm


class Form(FlaskForm):
    """A CSRF-protected form; every Kindred form derives from it."""
