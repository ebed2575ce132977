"""Ordered schema migrations: ``mNNNN_name.py`` files, each with one ``SQL`` string.

Add a new file with the next number; never edit one that has shipped. ``hub.db.migrate`` applies
every file newer than the database's ``PRAGMA user_version``, each in its own transaction.
"""
