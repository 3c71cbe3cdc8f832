"""Settings validation: one line per problem, naming the variable and the fix."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError, load_settings

GOOD = {
    "slack_bot_token": "xoxb-1-abc",
    "slack_signing_secret": "s3cr3t-signing",
    "slack_mentions_channel": "C0123ABCD",
    "x_bearer_token": "bearer-value",
    "x_api_key": "key",
    "x_api_secret": "secret-value",
    "x_access_token": "1000-access",
    "x_access_token_secret": "access-secret",
}


def settings(**overrides: object) -> Settings:
    return Settings(_env_file=None, **{**GOOD, **overrides})  # type: ignore[arg-type]


def test_complete_settings_have_no_problems() -> None:
    """A fully configured HTTP-mode app reports nothing."""
    assert settings().problems() == []


def test_each_missing_variable_is_one_line_naming_it() -> None:
    """Every missing required variable gets exactly one line that starts with its name."""
    empty = Settings(_env_file=None)
    lines = empty.problems()
    names = [line.split(" ", 1)[0] for line in lines]
    assert names == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_MENTIONS_CHANNEL",
        "X_BEARER_TOKEN",
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
    ]


def test_wrong_token_kind_and_channel_name_are_explained() -> None:
    """A user token instead of a bot token and a #name instead of an ID each get their fix."""
    lines = settings(slack_bot_token="xoxp-user", slack_mentions_channel="#support").problems()
    assert lines[0].startswith("SLACK_BOT_TOKEN does not start with xoxb-")
    assert "not a channel ID" in lines[1] and "#support" in lines[1]


def test_socket_mode_needs_no_signing_secret_but_an_app_token() -> None:
    """With SLACK_APP_TOKEN set, the signing secret is optional; a bad app token is named."""
    assert settings(slack_signing_secret=None, slack_app_token="xapp-1-x").problems() == []
    lines = settings(slack_app_token="xoxb-wrong").problems()
    assert lines == [line for line in lines if line.startswith("SLACK_APP_TOKEN")]


def test_type_errors_become_lines_without_tracebacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """PORT=abc is reported as one line naming PORT, never a pydantic traceback."""
    for name, value in GOOD.items():
        monkeypatch.setenv(name.upper(), value)
    monkeypatch.setenv("PORT", "abc")
    monkeypatch.setenv("X_POLL_INTERVAL_SECONDS", "-1")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert [line.split(" ")[0] for line in raised.value.problems] == [
        "X_POLL_INTERVAL_SECONDS",
        "PORT",
    ]


def test_secrets_never_appear_in_problem_lines() -> None:
    """Problem lines never echo a secret value back."""
    lines = settings(slack_bot_token="xoxp-very-secret-value", x_api_key="").problems()
    assert not any("very-secret-value" in line for line in lines)


def test_track_admin_group_must_be_a_user_group_id() -> None:
    """TRACK_ADMIN_GROUP takes a user group ID; a @handle is one line naming the variable."""
    assert settings(track_admin_group="S0ADMINS").problems() == []
    lines = settings(track_admin_group="@admins").problems()
    assert len(lines) == 1 and lines[0].startswith("TRACK_ADMIN_GROUP=")


def test_the_ai_helper_needs_its_url_and_model_together() -> None:
    """AI_BASE_URL without AI_MODEL (or the reverse) is one line saying to set both or none; a
    URL that is not http(s) is named; both set, or neither, is fine; the key is a secret."""
    assert settings().problems() == []
    ok = settings(ai_base_url="https://api.example.com/v1", ai_model="m", ai_api_key="sk-xyz")
    assert ok.problems() == [] and "sk-xyz" in ok.secret_values()
    for half in ({"ai_base_url": "https://api.example.com/v1"}, {"ai_model": "gpt-4o-mini"}):
        [line] = settings(**half).problems()
        assert line.startswith("AI_BASE_URL and AI_MODEL go together")
    [line] = settings(ai_base_url="api.example.com", ai_model="m").problems()
    assert line.startswith("AI_BASE_URL must be an http(s) URL")
