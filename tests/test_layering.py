"""Kivy stays in kiosk/app.py and kiosk/screens/; the core can run without a screen."""

import importlib
import pkgutil
import subprocess
import sys

import kiosk

SCREEN_MODULES = ("kiosk.app", "kiosk.screens")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(kiosk.__path__, "kiosk."):
        if info.name.startswith(SCREEN_MODULES) or info.name == "kiosk.__main__":
            continue
        names.append(info.name)
    return names


def test_core_modules_do_not_import_kivy():
    modules = core_modules()
    assert "kiosk.circulation" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'kivy' or m.startswith('kivy.'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"kivy loaded by core modules: {out.stdout}"


def test_wire_imports_neither_side():
    code = (
        "import sys, wire.events\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'hub')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_command_module_registers():
    import kiosk.commands

    for info in pkgutil.iter_modules(kiosk.commands.__path__):
        module = importlib.import_module(f"kiosk.commands.{info.name}")
        assert callable(module.register), info.name
