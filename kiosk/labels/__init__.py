"""Printed labels and patron cards as PDF: what the desk sticks on books and hands to readers.

- ``templates``: sheet geometry (A4 3x8, A4 2x7, spine labels, ID-1 cards) and printer offsets;
- ``textimage``: Khmer text shaped by HarfBuzz (Pillow/raqm) and drawn as print-resolution images;
- ``sheet``: pages, Code 128 and QR drawing;
- ``items`` and ``cards``: what one label or card shows;
- ``printed``: which copies and patrons to print, and the "label printed" mark on copies.

Everything printed must scan: tests rasterise the PDFs at 300 dpi and decode every label with
``kiosk.scanner.decode``. Nothing here imports Kivy.
"""
