"""What a post's text holds besides its words: links and @handles, as X writes them."""

from __future__ import annotations

import re

LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HANDLE = re.compile(r"@\w{1,15}")  # X handles are at most 15 characters
