"""Trust and safety rules that several features share: the limits on new accounts.

Held posts and watched words belong to groups (``app.groups.holding``); notices and
appeals to moderation (``app.groups.appeals``).
"""
