"""Indexes for the dashboard: a patron's loans (patron list, departures, purge)."""

SQL = """
CREATE INDEX loans_prison_card ON loans(prison_id, card);
"""
