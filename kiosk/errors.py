"""The kiosk's one root error class.

Refusals (a copy already on loan, an unknown card) are values, not exceptions: see
``kiosk.circulation``. Exceptions are for things that stop a command: a store held by another
process, an unreadable settings file, a file that cannot be imported.
"""


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose; its message is shown to people."""


class StoreLocked(KioskError):
    """Another process holds the store for writing."""


class StoreCorrupt(KioskError):
    """The snapshot cannot be read; the journal alone cannot rebuild the store."""


class NotInitialised(KioskError):
    """The kiosk home has no identity yet (run ``python -m kiosk init``)."""


class ImportRefused(KioskError):
    """A whole file was refused (wrong format, missing columns); nothing was changed."""
