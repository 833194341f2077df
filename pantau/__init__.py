"""Pantau: Indonesian news to evidence-linked PLOVER events and escalation signals."""

__version__ = "0.1.0"
