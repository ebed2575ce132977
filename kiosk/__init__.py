"""Bannalai kiosk: lending by barcode and offline Khmer reading on a Raspberry Pi.

Kivy is imported only by ``kiosk.app`` and ``kiosk.screens``; everything else is plain Python.
"""

__version__ = "0.1.0"
