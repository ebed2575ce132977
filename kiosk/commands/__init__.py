"""Command-line commands, one module per group; each exposes ``register(subparsers, parent)``.

Handlers take the parsed ``args`` and return an exit code. They stay thin: parse, call the core,
print. Helpers shared by every command are in ``kiosk.commands._common``.
"""
