"""Bolt listeners: actions."""
