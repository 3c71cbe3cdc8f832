"""Contract-faithful fake of the Slack Web API: the methods Earshot calls, errors, limits, 429s."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from bot.sandbox import slack_chat, slack_hooks, slack_views
from bot.sandbox.server import Request, Response, SandboxServer
from bot.sandbox.slack_workspace import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Args,
    Channel,
    SlackError,
    TokenBuckets,
    Workspace,
    invalid_arguments,
    json_arg,
    messages_tab_enabled,
    request_args,
    text_arg,
    user_object,
)

Method = Callable[[Args], Args]
ControlWrite = Callable[[Args], Args | None]


class SlackFake(SandboxServer):
    """The Slack Web API on loopback: `WebClient(base_url=fake.base_url + "/api/")` talks to it.

    Methods answer HTTP 200 `{"ok": true, ...}` or `{"ok": false, "error": code}` with the codes
    of contracts/slack/methods. chat.postMessage is paced per channel (token bucket, 1/s with
    bursts of 3 by default) and answers HTTP 429 + Retry-After over the limit. Trigger ids must
    look like Slack's ("12345.98765.abcd2358fdea") and are single use; those from
    `new_trigger_id()` also expire after 3 s. Given the app's `manifest` (parsed), it behaves as
    that app: with the Messages tab off, DMs from the bot fail with messages_tab_disabled.
    Control endpoints besides the base ones:
      GET  /_control/messages?channel=  /_control/ephemerals  /_control/views
      GET  /_control/ratelimited  /_control/files
      POST /_control/channels    {"id", "name", "is_member", "is_private", "is_archived",
                                  "exists", "members"}
      POST /_control/users       {"id", "name", "real_name", ...users.info user fields}
      POST /_control/usergroups  {"id", "users"}
      POST /_control/rate        {"per_channel_per_second", "burst"}
      POST /_control/triggers    {"view_id"?}  ->  {"trigger_id"}
    apps.connections.open takes the app-level token (`app_token`) and answers `socket_url()`.
    and POST /hooks/commands/<id>, the response_urls minted by `new_response_url`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = "xoxb-sandbox",
        app_token: str = "xapp-sandbox",
        channels: Iterable[str] = ("C0MENTIONS", "C0ESCALATE"),
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(host, port)
        self.token, self.app_token = token, app_token
        # Where apps.connections.open sends Socket Mode clients (a SocketModeFake's url).
        self.socket_url: Callable[[], str] | None = None
        self._ws = Workspace(usergroups={"S0ONCALL": ["U0ALICE"]})
        if manifest is not None:
            self._ws.messages_tab_enabled = messages_tab_enabled(manifest)
        for channel_id in channels:
            self.set_channel(channel_id)
        self.add_user(BOT_USER_ID, name="earshot", real_name="Earshot", is_bot=True)
        self.add_user("U0ALICE", name="alice", real_name="Alice Archer")
        self.add_user("U0BOB", name="bob", real_name="Bob Baker")
        self.add_user("U0GUEST", name="guest", real_name="Gail Guest", is_restricted=True)
        self.add_user("U0EXT", name="exter", real_name="Ext Ernal", team_id="T0OTHER")
        own: dict[str, Method] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "users.info": self._user_info,
            "usergroups.users.list": self._usergroup_users,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        shared: dict[str, Callable[[Workspace, Args], Args]] = {
            "chat.postMessage": slack_chat.post_message,
            "chat.update": slack_chat.update_message,
            "chat.postEphemeral": slack_chat.post_ephemeral,
            "chat.getPermalink": slack_chat.get_permalink,
            "conversations.history": slack_chat.history,
            "conversations.info": slack_chat.conversation_info,
            "conversations.replies": slack_chat.replies,
            "conversations.join": slack_chat.join,
            "conversations.open": slack_chat.open_conversation,
            "reactions.add": slack_chat.add_reaction,
            "views.open": slack_views.views_open,
            "views.push": slack_views.views_push,
            "views.update": slack_views.views_update,
            "views.publish": slack_views.views_publish,
        }
        self._methods = own | {name: partial(run, self._ws) for name, run in shared.items()}
        for verb in ("GET", "POST"):
            self.route(verb, "/api/", self._serve_api)
        self.route("POST", "/upload/v1/", self._receive_upload)
        self._response_urls: dict[str, dict[str, Any]] = {}
        self.route("POST", "/hooks/commands/", self._receive_response)
        self._add_control_routes()

    def start(self) -> SlackFake:
        # As the base does, but polling for shutdown every 50 ms instead of 500 ms, so a
        # fixture that starts and stops a fake per test does not spend half a second on stop().
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def __enter__(self) -> SlackFake:
        return self.start()

    # -- Python API for tests -------------------------------------------------------------

    def messages(self, channel: str | None = None) -> list[Args]:
        """Every posted message (channel, ts, text, blocks, metadata, thread_ts...), updates
        applied, oldest first; ephemeral messages are in `ephemerals()` instead."""
        with self._lock:
            return copy.deepcopy([m for m in self._ws.messages if channel in (None, m["channel"])])

    def ephemerals(self) -> list[Args]:
        with self._lock:
            return copy.deepcopy(self._ws.ephemerals)

    def views(self) -> list[Args]:
        """Every modal and Home tab view as it now stands, in the order they were created."""
        with self._lock:
            return copy.deepcopy(list(self._ws.views.values()))

    def rate_limited(self) -> list[Args]:
        """Every HTTP 429 answered (pacing or injected fault): method, channel, retry_after, at."""
        with self._lock:
            return copy.deepcopy(self._ws.throttled)

    def uploads(self) -> list[Args]:
        with self._lock:
            return copy.deepcopy(list(self._ws.files.values()))

    def set_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
        exists: bool = True,
        members: Iterable[str] | None = None,
    ) -> None:
        """Create, change or (exists=False) delete a channel; `members` None = everyone."""
        with self._lock:
            if not exists:
                self._ws.channels.pop(channel_id, None)
                return
            self._ws.channels[channel_id] = Channel(
                id=channel_id,
                name=name or channel_id.lower().removeprefix("c0"),
                is_member=is_member,
                is_private=is_private,
                is_archived=is_archived,
                members=None if members is None else set(members),
            )

    def add_user(self, user_id: str, *, name: str, real_name: str = "", **fields: Any) -> None:
        """Add or replace a user; `fields` set users.info keys (is_restricted, team_id, ...)."""
        with self._lock:
            self._ws.users[user_id] = user_object(user_id, name, real_name or name, **fields)

    def set_usergroup(self, usergroup_id: str, users: Iterable[str]) -> None:
        with self._lock:
            self._ws.usergroups[usergroup_id] = list(users)

    def set_rate(self, per_channel_per_second: float, burst: int) -> None:
        """Pace chat.postMessage per channel; a rate <= 0 turns pacing off."""
        with self._lock:
            self._ws.buckets = TokenBuckets(per_channel_per_second, burst)

    def new_trigger_id(self, *, view_id: str | None = None) -> str:
        """A trigger_id valid for 3 s; `view_id` names the modal stack views.push adds to."""
        with self._lock:
            return slack_views.new_trigger_id(self._ws, view_id)

    def new_response_url(self, *, channel: str, user: str) -> str:
        """A slash command's response_url: what is posted to it shows as Slack shows it."""
        with self._lock:
            hook = self._ws.new_id("H")
            self._response_urls[hook] = {"channel": channel, "user": user, "uses": 0}
        return f"{self.base_url}/hooks/commands/{hook}"

    def _receive_response(self, request: Request) -> Response:
        with self._lock:
            target = self._response_urls.get(request.path.removeprefix("/hooks/commands/"))
            if target is None:
                return Response(404, "no_service", content_type="text/plain")
            try:
                payload = request.json()
            except ValueError:
                payload = None
            return slack_hooks.respond(self._ws, target, payload)

    def reset(self) -> None:
        """Clear calls, faults, messages, views, uploads and pacing; keep channels and users."""
        super().reset()
        with self._lock:
            self._ws.clear_activity()

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        if response.status == 429 and request.path.startswith("/api/"):
            self._record_429(request, response)
        return response

    def _serve_api(self, request: Request) -> Response:
        method = self._methods.get(request.path.removeprefix("/api/"))
        try:
            if method is None:
                raise SlackError("unknown_method")
            args = request_args(request)
            app_level = request.path == "/api/apps.connections.open"
            self._authenticate(request, args, self.app_token if app_level else self.token)
            with self._lock:
                return Response(200, {"ok": True, **method(args)})
        except SlackError as failure:
            return failure.response()

    def _authenticate(self, request: Request, args: Args, expected: str) -> None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        token = credential.strip() if scheme.lower() == "bearer" else text_arg(args, "token")
        if not token:
            raise SlackError("not_authed")
        if token != expected:  # an app-level token only opens Socket Mode connections
            raise SlackError("invalid_auth")

    def _record_429(self, request: Request, response: Response) -> None:
        try:
            channel = request_args(request).get("channel")
        except SlackError:
            channel = None
        headers = {name.lower(): value for name, value in response.headers.items()}
        entry = {
            "method": request.path.removeprefix("/api/"),
            "channel": channel,
            "retry_after": headers.get("retry-after"),
            "at": time.time(),
        }
        with self._lock:
            self._ws.throttled.append(entry)

    # -- auth, users, usergroups, files ---------------------------------------------------

    def _auth_test(self, args: Args) -> Args:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/", "team": TEAM_NAME, "user": "earshot",
            "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }  # fmt: skip

    def _connections_open(self, args: Args) -> Args:
        if self.socket_url is None:
            raise SlackError("internal_error")  # no Socket Mode server in this sandbox
        return {"url": self.socket_url()}

    def _user_info(self, args: Args) -> Args:
        user = self._ws.users.get(text_arg(args, "user") or "")
        if user is None:
            raise SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _usergroup_users(self, args: Args) -> Args:
        users = self._ws.usergroups.get(text_arg(args, "usergroup") or "")
        if users is None:
            raise SlackError("no_such_subteam")
        return {"users": list(users)}

    def _upload_url(self, args: Args) -> Args:
        filename, length = text_arg(args, "filename"), text_arg(args, "length")
        if filename is None or length is None or not length.isdigit() or int(length) < 1:
            raise SlackError("missing_argument")
        file_id = self._ws.new_id("F")
        self._ws.files[file_id] = {"id": file_id, "filename": filename, "length": int(length)}
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _receive_upload(self, request: Request) -> Response:
        with self._lock:
            upload = self._ws.files.get(request.path.removeprefix("/upload/v1/"))
            if upload is None:
                return Response(404, "Not Found", content_type="text/plain")
            upload["content"] = request.body.decode("utf-8", "replace")
        return Response(200, f"OK - {len(request.body)}", content_type="text/plain")

    def _complete_upload(self, args: Args) -> Args:
        specs = json_arg(args.get("files") or "[]", "invalid_arguments")
        if not isinstance(specs, list) or not specs:
            raise invalid_arguments(["missing required field: files"])
        uploads = [
            self._ws.files.get(str(s.get("id"))) if isinstance(s, dict) else None for s in specs
        ]
        if any(upload is None or "content" not in upload for upload in uploads):
            raise SlackError("file_not_found")
        targets = (text_arg(args, "channel_id") or text_arg(args, "channels") or "").split(",")
        channels = [self._ws.channel({"channel": c}, member=True).id for c in targets if c]
        shared = []
        for upload, spec in zip(uploads, specs, strict=True):
            assert upload is not None
            upload.update(title=spec.get("title") or upload["filename"], channels=channels)
            upload["initial_comment"] = text_arg(args, "initial_comment")
            shared.append({"id": upload["id"], "title": upload["title"]})
        return {"files": shared}

    # -- control API ----------------------------------------------------------------------

    def _add_control_routes(self) -> None:
        reads: dict[str, Callable[[Request], Args]] = {
            "messages": lambda r: {"messages": self.messages(r.query.get("channel"))},
            "ephemerals": lambda r: {"ephemerals": self.ephemerals()},
            "views": lambda r: {"views": self.views()},
            "ratelimited": lambda r: {"ratelimited": self.rate_limited()},
            "files": lambda r: {"files": self.uploads()},
        }
        for name, read in reads.items():
            self.route("GET", f"/_control/{name}", partial(_control_read, read))
        writes: dict[str, ControlWrite] = {
            "channels": self._control_channel,
            "users": lambda s: self.add_user(s.pop("id"), **s),
            "usergroups": lambda s: self.set_usergroup(s["id"], s["users"]),
            "rate": lambda s: self.set_rate(float(s["per_channel_per_second"]), int(s["burst"])),
            "triggers": lambda s: {"trigger_id": self.new_trigger_id(view_id=s.get("view_id"))},
        }
        for name, write in writes.items():
            self.route("POST", f"/_control/{name}", partial(_control_write, write))

    def _control_channel(self, spec: Args) -> None:
        channel_id = spec.pop("id", None) or spec.pop("channel_id")
        self.set_channel(channel_id, **spec)


def _control_read(read: Callable[[Request], Args], request: Request) -> Response:
    return Response(200, read(request))


def _control_write(write: ControlWrite, request: Request) -> Response:
    try:
        spec = request.json()
        result = write(dict(spec) if isinstance(spec, dict) else {})
    except (KeyError, TypeError, ValueError) as problem:
        return Response(400, {"ok": False, "error": f"bad control request: {problem!r}"})
    return Response(200, {"ok": True, **(result or {})})
