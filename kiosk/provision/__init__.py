"""Preparing SD cards on a technician's Linux/WSL machine: personalise and flash.

``python -m kiosk.provision personalise IMAGE_OR_DEVICE --identity FILE`` writes a validated
identity onto the FAT boot partition with mtools; ``python -m kiosk.provision flash IMAGE
DEVICE`` writes an image and verifies it by reading it back. Neither mounts anything or needs a
loop device, so both work on image files without privileges (tests run them that way). This
package runs on the technician's machine, never on a kiosk, and never imports Kivy.
"""

from kiosk.errors import KioskError


class ProvisionError(KioskError):
    """A card or image cannot be personalised or flashed; the message says why."""
