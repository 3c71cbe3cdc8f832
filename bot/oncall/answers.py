"""What /oncall answers, as values: the text shown to the person and whether it worked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.oncall import problem_text, slack_moment
from bot.blocks.text import escape_mrkdwn
from bot.domain.oncall_commands import Problem
from bot.domain.policy import AutoReply
from bot.domain.rotation import Rotation, describe_period, next_on_call, on_call


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    ok: bool = True

    @classmethod
    def refusal(cls, problem: Problem) -> Answer:
        return cls(problem_text(problem), ok=False)


def rotation_saved_text(rotation: Rotation, now: float) -> str:
    people = " → ".join(f"<@{m}>" for m in rotation.members)
    text = (
        f"Rotation of *{escape_mrkdwn(rotation.team)}* saved: {people}, "
        f"{describe_period(rotation)}.\nOn call now: <@{on_call(rotation, now)}>"
    )
    following = next_on_call(rotation, now)
    if following is not None:
        text += f"; next: <@{following[0]}> from {slack_moment(following[1])}"
    return text + "."


def autoreply_text(autoreply: AutoReply) -> str:
    state = "*on*" if autoreply.enabled else "*off*"
    lines = [
        f"Out-of-hours auto-reply is {state}. When on, a mention that arrives while the company "
        "is closed gets this public reply once; nothing is ever sent during business hours."
    ]
    if autoreply.template:
        author = f" (written by <@{autoreply.written_by}>)" if autoreply.written_by else ""
        lines.append(f"Text{author}: “{escape_mrkdwn(autoreply.template)}”")
    else:
        lines.append("No text yet: `/oncall autoreply set <text>`.")
    return "\n".join(lines)
