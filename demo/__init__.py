"""The demo behind ``./bannalai demo``: a hub, an enrolled kiosk and a sample Khmer library."""
