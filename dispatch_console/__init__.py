"""Threat dispatch console: record threats of mass violence, triage them, notify the right units, track outcomes."""

__version__ = "0.1.0"
