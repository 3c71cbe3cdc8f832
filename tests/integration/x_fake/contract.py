"""What the X fake's contract tests share: the OpenAPI contract, credentials, raw calls, the
real tweepy client pointed at the fake, and the schema checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
import tweepy
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from requests.adapters import HTTPAdapter

from bot.sandbox.x_api import XFake

SPEC_PATH = Path(__file__).resolve().parents[2] / "contracts" / "x" / "openapi.json"
X_HOST = "https://api.twitter.com"
USER = {
    "Authorization": 'OAuth oauth_consumer_key="ck", oauth_token="1000-tok", oauth_signature="s"'
}
APP = {"Authorization": "Bearer app-bearer"}


class RewriteAdapter(HTTPAdapter):
    """Sends tweepy's https://api.twitter.com requests to the fake (bot/sources will own this)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base_url = base_url

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        request.url = self._base_url + request.url.removeprefix(X_HOST)
        return super().send(request, *args, **kwargs)


def tweepy_for(fake: XFake) -> tweepy.Client:
    """The real tweepy client, with user and app credentials, talking to `fake`."""
    api = tweepy.Client(
        bearer_token="app-bearer",
        consumer_key="ck",
        consumer_secret="cs",
        access_token="1000-tok",
        access_token_secret="ts",
        return_type=requests.Response,
    )
    api.session.mount(X_HOST, RewriteAdapter(fake.base_url))
    return api


def assert_schema(spec: dict[str, Any], name: str, body: Any) -> None:
    schema = {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "components": spec["components"]}
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    assert [error.message for error in validator.iter_errors(body)] == []


def assert_problem(spec: dict[str, Any], response: requests.Response, status: int) -> Any:
    """The response is an RFC 7807 problem of the schema its `type` maps to; returns the body."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    mapping = spec["components"]["schemas"]["Problem"]["discriminator"]["mapping"]
    assert_schema(spec, mapping[body["type"]].rsplit("/", 1)[1], body)
    return body


def call(fake: XFake, method: str, path: str, headers: dict[str, str] = APP, **kw: Any) -> Any:
    return requests.request(method, fake.base_url + path, headers=headers, timeout=5, **kw)
