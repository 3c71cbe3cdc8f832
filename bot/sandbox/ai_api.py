"""A fake of the OpenAI chat-completions API (POST /v1/chat/completions) on loopback HTTP."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import deque
from typing import Any

from bot.sandbox.server import Fault, Request, Response, SandboxServer

PATH = "/v1/chat/completions"
ERROR_MESSAGES = {
    400: ("Bad request", "invalid_request_error", None),
    401: ("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model", "invalid_request_error", None),
    404: ("The model does not exist or you do not have access to it.", "invalid_request_error",
          "model_not_found"),
    429: ("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!",
          "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
SPAM_WORDS = frozenset({"giveaway", "crypto", "airdrop", "promo", "bitcoin", "followers"})
COMPLAINT_WORDS = frozenset({
    "broken", "refund", "worst", "terrible", "awful", "down", "error", "crash", "crashed",
    "hate", "charged", "useless", "waiting", "failed", "bug", "slow", "cancel",
})  # fmt: skip
PRAISE_WORDS = frozenset({"thanks", "thank", "love", "great", "awesome", "amazing", "best"})
# (kind, sentiment, draft) the fake's "model" answers, by what the post looks like
ANSWERS: dict[str, tuple[str, str, str | None]] = {
    "spam": ("spam", "neutral", None),
    "complaint": ("complaint", "negative",
                  "Sorry to hear that \u2014 we're looking into it. Could you tell us more?"),
    "question": ("question", "neutral",
                 "Good question! Send us a DM with a few details and we'll help you out."),
    "praise": ("praise", "positive", "Thank you so much \u2014 that made our day!"),
}  # fmt: skip


def openai_error(
    status: int, message: str | None = None, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The error body OpenAI sends with `status`."""
    default, kind, default_code = ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    return {
        "error": {
            "message": message or default,
            "type": kind,
            "param": param,
            "code": code if code is not None else default_code,
        }
    }


def classify_post(text: str) -> str:
    """The fake's whole "model": spam > complaint > question > praise, by a few words."""
    words = set(_WORD.findall(text.lower()))
    if words & SPAM_WORDS:
        return "spam"
    if words & COMPLAINT_WORDS or "not working" in text.lower() or "!!" in text:
        return "complaint"
    if "?" in text:
        return "question"
    return "praise" if words & PRAISE_WORDS else "question"


class AiFake(SandboxServer):
    """OpenAI's POST /v1/chat/completions and GET /v1/models on loopback: point the client at
    `AiConfig(base_url=fake.base_url + "/v1")`.

    With `api_key`, requests must carry `Authorization: Bearer <api_key>` (else 401
    invalid_api_key). A body that is not JSON, without `model` or `messages`, or asking for
    response_format json_object without the word "json" in its messages gets OpenAI's 400.
    Answers are chat.completion objects whose content is a JSON string from `classify_post`,
    or the next `script()`ed content. Python API: script(*contents), requests(), fault(...),
    and the base's inject(), calls, reset(). Control endpoints besides the base ones:
      GET  /_control/requests   {"requests": [{"headers", "body"}]}
      POST /_control/script     {"contents": ["...", ...]}
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        models: tuple[str, ...] = ("gpt-test",),
    ) -> None:
        super().__init__(host, port)
        self.api_key, self.models = api_key, models
        self._scripted: deque[str] = deque()
        self._ids = itertools.count(1)
        self.route("POST", PATH, self._chat_completion)
        self.route("GET", "/v1/models", self._list_models)
        self.route(
            "GET", "/_control/requests", lambda _: Response(200, {"requests": self.requests()})
        )
        self.route("POST", "/_control/script", self._control_script)

    # -- Python API for tests ------------------------------------------------------------

    def start(self) -> AiFake:
        super().start()
        return self

    def __enter__(self) -> AiFake:
        return self.start()

    def script(self, *contents: str) -> None:
        """The next answers' message contents, one per request, verbatim (garbage included);
        then back to classify_post."""
        with self._lock:
            self._scripted.extend(contents)

    def requests(self) -> list[dict[str, Any]]:
        """Every request to chat/completions (faulted ones too): its headers and JSON body."""
        return [{"headers": call["headers"], "body": call["body"]} for call in self.calls_to(PATH)]

    @classmethod
    def fault(
        cls,
        status: int,
        *,
        retry_after: float | None = None,
        count: int = 1,
        delay_seconds: float = 0.0,
    ) -> Fault:
        """A Fault answering `status` with OpenAI's error body (and Retry-After), for inject().
        status 0 with a delay: the real answer, late."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        response = Response(status, openai_error(status) if status else None, headers)
        return Fault(PATH, response, count=count, delay_seconds=delay_seconds)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._scripted.clear()

    # -- the endpoint --------------------------------------------------------------------

    def _record(self, request: Request) -> dict[str, Any]:
        try:
            call = super()._record(request)
        except ValueError:  # "json" content type, body not JSON: the endpoint answers 400
            call = {"method": request.method, "path": request.path, "query": request.query,
                    "body": request.body.decode("utf-8", "replace"), "at": time.time()}  # fmt: skip
        call["headers"] = dict(request.headers)
        return call

    def not_found(self, request: Request) -> Response:
        message = f"Invalid URL ({request.method} {request.path})"
        return Response(404, openai_error(404, message, code=None))

    def _list_models(self, request: Request) -> Response:
        """GET /v1/models: the models the server offers (OpenAI's list object)."""
        if not self._authorized(request):
            return Response(401, openai_error(401))
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "sandbox"} for m in self.models
        ]
        return Response(200, {"object": "list", "data": data})

    def _authorized(self, request: Request) -> bool:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        return self.api_key is None or (scheme.lower() == "bearer" and key.strip() == self.api_key)

    def _chat_completion(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        with self._lock:
            content = self._scripted.popleft() if self._scripted else None
            number = next(self._ids)
        prompt = " ".join(_text(message.get("content")) for message in body["messages"])
        if content is None:
            kind, sentiment, draft = ANSWERS[classify_post(_last_user_text(body["messages"]))]
            content = json.dumps({"kind": kind, "sentiment": sentiment, "draft": draft})
        prompt_tokens, completion_tokens = _tokens(prompt), _tokens(content)
        answer = {
            "id": f"chatcmpl-sandbox{number:08d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return Response(200, answer, {"x-request-id": f"req_sandbox{number:08d}"})

    def _refusal(self, request: Request) -> Response | None:
        """OpenAI's 401 or 400 for this request, or None when it is answerable."""
        if not self._authorized(request):
            return Response(401, openai_error(401))
        try:
            body = request.json()
        except ValueError:
            return _bad_request("We could not parse the JSON body of your request.")
        if not isinstance(body, dict) or not body.get("model"):
            return _bad_request("you must provide a model parameter")
        messages = body.get("messages")
        if messages is None:
            return _bad_request("Missing required parameter: 'messages'.", "messages",
                                "missing_required_parameter")  # fmt: skip
        if not isinstance(messages, list) or not messages:
            return _bad_request("Invalid 'messages': expected a non-empty array.", "messages")
        if not all(isinstance(m, dict) and "role" in m for m in messages):
            return _bad_request("Invalid 'messages': each message needs a role.", "messages")
        response_format = body.get("response_format")
        wants_json = (
            isinstance(response_format, dict) and response_format.get("type") == "json_object"
        )
        mentions_json = any("json" in _text(m.get("content")).lower() for m in messages)
        if wants_json and not mentions_json:
            return _bad_request(
                "'messages' must contain the word 'json' in some form, to use 'response_format'"
                " of type 'json_object'.",
                "messages",
            )
        return None

    def _control_script(self, request: Request) -> Response:
        spec = request.json()
        contents = spec.get("contents") if isinstance(spec, dict) else None
        if not isinstance(contents, list) or not all(isinstance(c, str) for c in contents):
            return Response(400, {"ok": False, "error": "contents must be a list of strings"})
        self.script(*contents)
        return Response(200, {"ok": True})


def _bad_request(message: str, param: str | None = None, code: str | None = None) -> Response:
    return Response(400, openai_error(400, message, param=param, code=code))


def _text(content: Any) -> str:
    """A message's content as text: a string, or the text of its content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    return _text(users[-1].get("content")) if users else ""


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)  # OpenAI's rule of thumb for English
