"""The library's version, in one place: packaging reads it from here (see pyproject.toml)."""

__version__ = "0.2.0"
