"""A throw-away kiosk home with the demo catalogue and roster, for screenshots, tests and benches.

``python -m kiosk screenshot --demo`` and the UI tests build one in a temporary folder so no real
kiosk's store is touched. Never used on a provisioned kiosk; never imports Kivy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.library import Library
from wire.identity import Identity, render_identity
from wire.tabular import parse_catalog, parse_patrons

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo" / "data"


def make_demo_home(home: Path, *, loans: bool = False, **settings_changes) -> Settings:
    """Provision ``home`` as kiosk ``demo-1`` of prison ``PP1`` with the demo data loaded.

    ``loans``: card C1002 also has two books, one lent 20 days ago (late) and one today.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings.load(home).updated(**settings_changes)
    settings.save()
    identity = Identity(
        kiosk_id="demo-1",
        prison_id="PP1",
        hub_url="https://hub.invalid",
        enrolment_token="demo-token-not-for-use",
    )
    settings.paths.identity_file.write_text(render_identity(identity), encoding="utf-8")
    Library.init(settings, identity.kiosk_id, identity.prison_id)
    with Library.open(settings) as library:
        library.import_catalog(parse_catalog(DEMO_DATA / "catalog.csv").records)
        library.import_patrons(parse_patrons(DEMO_DATA / "patrons.csv").records)
        if loans:
            past = datetime.now(UTC) - timedelta(days=20)
            Library(settings, library.store, Clock(now=lambda: past)).check_out("C1002", "B0008")
            library.check_out("C1002", "B0004")
    return settings
