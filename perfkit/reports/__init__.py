"""Notebook-facing helpers: the suite, charts, tables, headlines, the dashboard."""
