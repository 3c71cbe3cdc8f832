"""Old import path of the signed-request driver (now bot.sandbox.slack_user)."""

from bot.sandbox.slack_user import TEAM, BoltDriver
from tests.integration.waiting import wait_for

__all__ = ["TEAM", "BoltDriver", "wait_for"]
