"""Sessions of the Bluesky fake: createSession, refreshSession, getSession and Bearer checks.

Tokens are JWT-shaped (HS256 under a secret of the fake) because the atproto SDK reads them:
before each call it decodes the access token's `exp` and refreshes the session when less than
15 minutes remain (atproto_client/client/methods_mixin/session.py, `_should_refresh_session`).
The fake still keeps every token it issued, so it can expire or revoke one early.

Reference behaviour (KEY-FACTS "Transport and auth"; src: packages/pds/src/auth-verifier.ts,
account-manager): access tokens live 120 minutes, refresh tokens 90 days; a rotated refresh
token keeps working for 2 hours; an expired token is 400 ExpiredToken, a missing one 401
AuthMissing, a wrong password 401 AuthenticationRequired "Invalid identifier or password".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.bluesky_data import Actor, BlueskyStore
from bot.sandbox.bluesky_rules import XrpcError, require

ACCESS_SECONDS = 120 * 60.0
REFRESH_SECONDS = 90 * 86400.0
ROTATION_GRACE_SECONDS = 2 * 3600.0
REFRESH_SCOPE = "com.atproto.refresh"
APP_PASSWORD = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")
_AUDIENCE = "did:web:localhost"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass
class Token:
    did: str
    scope: str
    expires_at: float
    rotated_at: float | None = None  # a refresh token already exchanged for a new pair

    @property
    def refresh(self) -> bool:
        return self.scope == REFRESH_SCOPE


class Sessions:
    """Every token issued, by its string."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        access_seconds: float = ACCESS_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._clock = clock
        self._secret = secrets.token_bytes(32)
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self.rotation_grace = ROTATION_GRACE_SECONDS
        self.tokens: dict[str, Token] = {}

    def issue(self, did: str, scope: str) -> tuple[str, str]:
        """A new (accessJwt, refreshJwt) pair; `scope` tells an app password from the main one."""
        return self._token(did, scope, self.access_seconds), self._token(
            did, REFRESH_SCOPE, self.refresh_seconds
        )

    def verify(self, token: str, *, refresh: bool) -> Token:
        """The token, if it is one the fake issued, of the right kind and still valid."""
        found = self.tokens.get(token)
        if found is None:
            raise XrpcError(400, "InvalidToken", "Token could not be verified")
        if found.refresh != refresh:
            raise XrpcError(400, "InvalidToken", "Bad token scope")
        now = self._clock()
        if now >= found.expires_at:
            raise XrpcError(400, "ExpiredToken", "Token has expired")
        if found.rotated_at is not None and now >= found.rotated_at + self.rotation_grace:
            raise XrpcError(400, "ExpiredToken", "Token has been revoked")
        return found

    def rotate(self, token: Token) -> None:
        """Mark a refresh token as exchanged: it works for `rotation_grace` more seconds."""
        if token.rotated_at is None:
            token.rotated_at = self._clock()

    def expire(self, *, refresh: bool = False) -> None:
        """Expire every access token (and with `refresh`, every refresh token) now. The JWTs
        still carry their old `exp`, as when the server's and the client's clocks disagree."""
        now = self._clock()
        for token in self.tokens.values():
            if refresh or not token.refresh:
                token.expires_at = min(token.expires_at, now)

    def _token(self, did: str, scope: str, lifetime: float) -> str:
        now = self._clock()
        expires = int(now + lifetime)
        header = {"typ": "refresh+jwt" if scope == REFRESH_SCOPE else "at+jwt", "alg": "HS256"}
        claims = {"scope": scope, "sub": did, "aud": _AUDIENCE, "iat": int(now), "exp": expires}
        claims["jti"] = secrets.token_hex(16)
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64(signature)}"
        self.tokens[token] = Token(did, scope, float(expires))
        return token


def bearer(headers: dict[str, str]) -> str | None:
    """The Bearer token of a request, or None when it has none."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def caller(store: BlueskyStore, sessions: Sessions, headers: dict[str, str]) -> Actor | None:
    """The account an access token belongs to; None without a token (a bad one raises)."""
    token = bearer(headers)
    if token is None:
        return None
    return store.actors[sessions.verify(token, refresh=False).did]


def create_session(
    store: BlueskyStore, sessions: Sessions, body: dict[str, Any], pds: str
) -> dict[str, Any]:
    identifier, password = require(body, "identifier"), require(body, "password")
    actor = store.actor(str(identifier))
    if actor is None or actor.password is None or password != actor.password:
        raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
    return _session(actor, *sessions.issue(actor.did, _scope(actor)), pds=pds)


def refresh_session(
    store: BlueskyStore, sessions: Sessions, headers: dict[str, str], pds: str
) -> dict[str, Any]:
    """Exchange the refresh token (the Bearer) for a new pair; the old one is rotated."""
    token = bearer(headers)
    if token is None:
        raise XrpcError(401, "AuthMissing", "Authentication Required")
    old = sessions.verify(token, refresh=True)
    sessions.rotate(old)  # the old access token stays valid until it expires, as in the reference
    actor = store.actors[old.did]
    return _session(actor, *sessions.issue(actor.did, _scope(actor)), pds=pds)


def get_session(actor: Actor, pds: str) -> dict[str, Any]:
    return {k: v for k, v in _session(actor, "", "", pds=pds).items() if not k.endswith("Jwt")}


def did_document(actor: Actor, pds: str) -> dict[str, Any]:
    """The account's DID document; its #atproto_pds service is where the SDK then sends calls."""
    digest = hashlib.sha256(actor.did.encode()).digest()
    key = "zQ3sh" + "".join(_BASE58[byte % 58] for byte in digest)[:44]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": actor.did,
        "alsoKnownAs": [f"at://{actor.handle}"],
        "verificationMethod": [
            {"id": f"{actor.did}#atproto", "type": "Multikey", "controller": actor.did,
             "publicKeyMultibase": key},
        ],
        "service": [
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds},
        ],
    }  # fmt: skip


def _session(actor: Actor, access: str, refresh: str, *, pds: str) -> dict[str, Any]:
    body: dict[str, Any] = {"accessJwt": access, "refreshJwt": refresh}
    body.update(did=actor.did, handle=actor.handle, didDoc=did_document(actor, pds))
    if actor.email is not None:
        body.update(email=actor.email, emailConfirmed=True, emailAuthFactor=False)
    body["active"] = True
    return body


def _scope(actor: Actor) -> str:
    """An app password's session has the restricted appPass scope (specs-xrpc "App Passwords")."""
    app = actor.password is not None and APP_PASSWORD.match(actor.password) is not None
    return "com.atproto.appPass" if app else "com.atproto.access"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
