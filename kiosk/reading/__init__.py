"""Reading station core: safe import into content packages, pagination, page rendering, shelf.

Everything here is plain Python (no Kivy): screens in ``kiosk/screens`` only show the page
images and lists this package produces and forward touches back to it.
"""
