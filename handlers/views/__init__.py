"""Bolt listeners: views."""
