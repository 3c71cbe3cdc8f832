"""Bolt listeners: shortcuts."""
