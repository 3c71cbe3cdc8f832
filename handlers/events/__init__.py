"""Bolt listeners: events."""
