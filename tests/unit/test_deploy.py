"""deploy/, the Procfile and the console script: what goes to production must be right."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCHEMAS = ROOT / "tests" / "contracts" / "slack" / "manifest"
HTTP_MANIFEST = DEPLOY / "slack-manifest.yaml"
SOCKET_MANIFEST = DEPLOY / "slack-manifest.socket-mode.yaml"
MANIFESTS = [HTTP_MANIFEST, SOCKET_MANIFEST]
SLASH_COMMANDS = {"/track", "/earshot", "/oncall"}


def retrieve_schema(uri: str) -> Resource[Any]:
    """Serve the versioned schemas that manifest.schema.json $refs (on GitHub) from the contracts
    copy, by file name, so validation never goes to the network and no $ref is skipped."""
    local = SCHEMAS / uri.rsplit("/", 1)[-1]
    if not local.name.startswith("manifest.schema.") or not local.is_file():
        raise NoSuchResource(ref=uri)
    return Resource.from_contents(json.loads(local.read_text()))


def manifest_validator() -> jsonschema.Draft7Validator:
    root = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    registry: Registry[Any] = Registry(retrieve=retrieve_schema)
    return jsonschema.Draft7Validator(root, registry=registry)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def manifest_errors(manifest: Any) -> list[str]:
    """Readable problems: for a failed oneOf (the version switch), the deepest reason inside."""
    found = []
    for error in manifest_validator().iter_errors(manifest):
        reason = max(error.context or [error], key=lambda e: len(e.absolute_path))
        found.append(f"{'/'.join(map(str, reason.absolute_path))}: {reason.message}")
    return found


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_validates_against_slacks_schema(path: Path) -> None:
    """Each manifest is valid for Slack's manifest schema (all versions, $refs resolved)."""
    assert manifest_errors(load_yaml(path)) == []


def test_schema_refs_are_really_followed() -> None:
    """The validator reaches into the versioned schema: a manifest it would only reject there
    (a slash command without its required description) is rejected, so a pass above means
    something."""
    manifest = load_yaml(HTTP_MANIFEST)
    del manifest["features"]["slash_commands"][0]["description"]
    assert manifest_errors(manifest) != []


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_has_the_slash_commands_and_the_reply_shortcut(path: Path) -> None:
    """/track, /earshot and /oncall exist, and the message shortcuts `send_as_reply` and
    `send_as_dm` are named "Send as reply" and "Send as DM"."""
    features = load_yaml(path)["features"]
    assert {c["command"] for c in features["slash_commands"]} == SLASH_COMMANDS
    shortcuts = {s["callback_id"]: s for s in features["shortcuts"]}
    assert {name: s["type"] for name, s in shortcuts.items()} == {
        "send_as_reply": "message",
        "send_as_dm": "message",
    }
    assert shortcuts["send_as_reply"]["name"] == "Send as reply"
    assert shortcuts["send_as_dm"]["name"] == "Send as DM"


def test_http_manifest_sends_everything_to_slack_events() -> None:
    """Over HTTP, events, interactivity and every slash command go to .../slack/events, which
    is the one route `earshot serve` answers; Socket Mode is off."""
    manifest = load_yaml(HTTP_MANIFEST)
    settings = manifest["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings.get("socket_mode_enabled", False) is False


def test_socket_mode_manifest_enables_socket_mode_and_needs_no_url() -> None:
    """The Socket Mode variant turns socket_mode_enabled on and carries no request URLs."""
    manifest = load_yaml(SOCKET_MANIFEST)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert "request_url" not in settings["event_subscriptions"]
    assert "request_url" not in settings["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_both_manifests_ask_for_the_same_scopes() -> None:
    """Switching between HTTP and Socket Mode never changes what the app may do."""
    http, socket = (load_yaml(path)["oauth_config"]["scopes"] for path in MANIFESTS)
    assert sorted(http["bot"]) == sorted(socket["bot"])


def test_procfile_runs_serve_and_worker() -> None:
    """The Procfile has exactly the two process types: `earshot serve` and `earshot worker`."""
    lines = [line.strip() for line in (ROOT / "Procfile").read_text().splitlines()]
    assert [line for line in lines if line] == ["web: earshot serve", "worker: earshot worker"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def test_dockerfile_runs_as_a_non_root_user() -> None:
    """The image that runs sets USER to someone other than root before its CMD."""
    stage = final_stage()
    users = [(i, args) for i, (word, args) in enumerate(stage) if word == "USER"]
    assert users, "the final stage has no USER"
    index, user = users[-1]
    assert user.split(":")[0] not in {"root", "0"}
    cmd_index = max(i for i, (word, _) in enumerate(stage) if word in {"CMD", "ENTRYPOINT"})
    assert index < cmd_index


def test_dockerfile_healthcheck_probes_healthz() -> None:
    """The image has a HEALTHCHECK that asks the app's /healthz."""
    checks = [args for word, args in final_stage() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "CMD" in checks[0] and "/healthz" in checks[0]


def compose_command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def test_compose_has_web_worker_and_redis_with_aof() -> None:
    """docker-compose.yml runs web (`earshot serve`), worker (`earshot worker`) and a Redis that
    keeps its data with `--appendonly yes`."""
    services = load_yaml(DEPLOY / "docker-compose.yml")["services"]
    assert {"web", "worker", "redis"} <= set(services)
    assert compose_command(services["web"]) == ["earshot", "serve"]
    assert compose_command(services["worker"]) == ["earshot", "worker"]
    redis_command = compose_command(services["redis"])
    flag = redis_command.index("--appendonly")
    assert redis_command[flag + 1] == "yes"


def test_pyproject_declares_the_earshot_console_script() -> None:
    """`earshot` on the PATH is bot.cli:main, which the Procfile and the Dockerfile rely on."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["earshot"] == "bot.cli:main"


def test_dockerfile_installs_from_the_runtime_lock() -> None:
    """The image installs the hash-pinned runtime lock, then the app with --no-deps, so it runs
    exactly the dependency versions the tests ran with."""
    runs = [args for word, args in dockerfile_instructions() if word == "RUN"]
    assert any("--require-hashes -r requirements/runtime.lock" in args for args in runs)
    assert any("--no-deps" in args for args in runs)
    lock = (ROOT / "requirements" / "runtime.lock").read_text()
    assert "--hash=sha256:" in lock
    assert "fakeredis" not in lock, "fakeredis is demo-only"


def k8s_documents() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def k8s_container(component: str) -> dict[str, Any]:
    [deployment] = [
        doc
        for doc in k8s_documents()
        if doc["kind"] == "Deployment" and doc["metadata"]["labels"]["component"] == component
    ]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_compose_worker_healthcheck_runs_earshot_health() -> None:
    """The compose worker is health-checked by `earshot health` (it serves no /healthz), not
    left with the image's HTTP check nor disabled."""
    worker = load_yaml(DEPLOY / "docker-compose.yml")["services"]["worker"]
    check = worker["healthcheck"]
    assert not check.get("disable", False)
    assert check["test"] == ["CMD", "earshot", "health"]


def test_k8s_runs_web_and_worker_with_their_probes() -> None:
    """deploy/k8s runs `earshot serve` probed on /healthz and `earshot worker` whose liveness
    probe runs `earshot health`, so a worker with a stale heartbeat is restarted."""
    web, worker = k8s_container("web"), k8s_container("worker")
    assert web["command"] == ["earshot", "serve"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert worker["command"] == ["earshot", "worker"]
    assert worker["livenessProbe"]["exec"]["command"] == ["earshot", "health"]


def test_every_health_command_in_deploy_is_a_real_subcommand() -> None:
    """Each `earshot ...` a probe or healthcheck runs is a subcommand the CLI accepts."""
    from bot.cli import build_parser

    worker = load_yaml(DEPLOY / "docker-compose.yml")["services"]["worker"]
    commands = [
        worker["healthcheck"]["test"][1:],
        k8s_container("worker")["livenessProbe"]["exec"]["command"],
    ]
    for command in commands:
        assert command[0] == "earshot"
        build_parser().parse_args(command[1:])  # SystemExit (a failure) if unknown
