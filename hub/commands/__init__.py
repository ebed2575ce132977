"""One module per group of ``python -m hub`` commands, each with ``register(subparsers, parent)``."""
