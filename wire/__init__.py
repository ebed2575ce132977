"""The one kiosk <-> hub contract, imported by both sides.

Nothing here imports the kiosk or the hub. Changing a model here changes the protocol: bump
``PROTOCOL_VERSION`` when an old peer could no longer understand the new shape.
"""

PROTOCOL_VERSION = 1
