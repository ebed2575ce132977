"""Bannalai hub: gathers every kiosk's events on the prison LAN and serves catalogue and content.

Layers: ``db`` (SQLite, one writer), ``ingest``/``auth``/``catalogue``/``content`` (plain Python,
no FastAPI), ``api/`` and ``web/`` (thin routers), ``app.create_app(settings)`` wires them.
"""

__version__ = "0.1.0"
