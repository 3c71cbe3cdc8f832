"""CASE_RETENTION_DAYS and AUDIT_RETENTION_DAYS: defaults, and the problems named when unsafe."""

from __future__ import annotations

from bot.config import Settings
from bot.store.retention import DAY, Retention


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_defaults_keep_cases_180_days_and_the_audit_longer() -> None:
    """Unset, cases are kept 180 days and the audit trail 400."""
    settings = _settings()
    assert (settings.case_retention_days, settings.audit_retention_days) == (180, 400)
    retention = Retention.from_days(settings.case_retention_days, settings.audit_retention_days)
    assert (retention.case_seconds, retention.audit_seconds) == (180 * DAY, 400 * DAY)


def test_a_retention_shorter_than_the_reports_window_is_a_problem() -> None:
    """Cases kept less than 31 days would leave holes in the 30-day report: named with the fix."""
    problems = _settings(case_retention_days=20).problems()
    assert any(p.startswith("CASE_RETENTION_DAYS=20 is too short") for p in problems)


def test_an_audit_shorter_than_the_cases_is_a_problem() -> None:
    """The audit trail may be longer than the cases, never shorter."""
    problems = _settings(case_retention_days=200, audit_retention_days=100).problems()
    assert any(p.startswith("AUDIT_RETENTION_DAYS=100 is shorter") for p in problems)
    assert not any("RETENTION" in p for p in _settings(audit_retention_days=180).problems())
