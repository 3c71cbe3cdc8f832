"""What a /track command answers: private lines for the person, a public line for the channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.blocks.text import escape_mrkdwn
from bot.blocks.track import Message, code, one, problem_text


@dataclass(frozen=True, slots=True)
class Reply:
    private: list[Message] = field(default_factory=list)  # only the person sees these
    public: str | None = None  # said where the change was made: who changed what
    note: str = ""  # one line of safe mrkdwn (the Home tab shows it after a button)


def problem(text: str, example: str, *, markup: bool = False) -> Reply:
    """A bad input: what was wrong and a correct example (`markup`: `text` is our own mrkdwn,
    e.g. a channel or user group link, so it is not escaped)."""
    body = f":warning: {text}\nTry: {code(example, 500)}" if markup else problem_text(text, example)
    return Reply([one(body)], note=text if markup else escape_mrkdwn(text))
