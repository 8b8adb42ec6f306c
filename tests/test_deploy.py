"""The deployment files say what the code expects: the systemd unit passes systemd's own
checks and keeps the bot boxed in; the container runs unprivileged with its probe, volumes
and settings; compose mounts what the image declares. (No container engine runs here, so
the image's instructions are checked as text; the probe itself runs in test_health.py.)"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.adapters import exitcodes
from bot.config import parse_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "paper-digest-bot.service"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed on this machine"
)


def console_script() -> str:
    """The command pyproject installs for the bot."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    [(name, target)] = scripts.items()
    assert target == "bot.__main__:main"
    return str(name)


# ---- systemd -------------------------------------------------------------------------


def unit_entries() -> list[tuple[str, str, str]]:
    """(section, key, value) for every setting, in order (keys may repeat)."""
    entries, section = [], ""
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key, value))
    return entries


def unit(key: str) -> list[str]:
    return [v for s, k, v in unit_entries() if s == "Service" and k == key]


def unit_environment() -> dict[str, str]:
    return dict(item.split("=", 1) for value in unit("Environment") for item in shlex.split(value))


@needs_systemd_analyze
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists: stand a real one in for the install path.
    text = UNIT.read_text()
    installed = "/opt/paper-digest-bot/bin/paper-digest-bot"
    assert f"ExecStart={installed} run" in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(installed, str(Path(sys.executable).resolve())))
    result = subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    # verify only warns (exit 0) about unknown keys and unparsable values: any output fails.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@needs_systemd_analyze
def test_unit_exposure_is_low(tmp_path: Path) -> None:
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text())
    result = subprocess.run(
        [str(SYSTEMD_ANALYZE), "security", "--offline=yes", "--no-pager", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "--offline" in result.stderr:
        pytest.skip(f"this systemd-analyze cannot assess a unit offline: {result.stderr.strip()}")
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= 2.0, result.stdout  # systemd calls below 2.0 "OK"


def test_unit_runs_the_installed_bot_with_its_state_and_notes() -> None:
    assert unit("ExecStart") == [f"/opt/paper-digest-bot/bin/{console_script()} run"]
    assert unit("ExecReload") == ["/bin/kill -HUP $MAINPID"]
    assert unit("EnvironmentFile") == ["/etc/paper-digest-bot/env"]
    env = unit_environment()
    settings = parse_settings(env)
    assert settings.database_path == Path("/var/lib/paper-digest-bot/bot.sqlite3")
    assert unit("StateDirectory") == ["paper-digest-bot"]
    assert settings.database_path.parent == Path("/var/lib") / unit("StateDirectory")[0]
    assert str(settings.notes_dir) in unit("ReadOnlyPaths")[0].split()
    assert "DISCORD_TOKEN" not in env  # the token only in the root-only env file


def test_unit_restarts_only_what_a_restart_can_fix() -> None:
    assert unit("Restart") == ["on-failure"]
    assert {int(code) for code in unit("RestartPreventExitStatus")[0].split()} == {
        exitcodes.UNUSABLE,
        exitcodes.BAD_TOKEN,
    }


def test_unit_is_hardened() -> None:
    for key, value in {
        "DynamicUser": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
    }.items():
        assert unit(key) == [value], key
    assert set(unit("RestrictAddressFamilies")[0].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}


# ---- container -----------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def instruction(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def image_environment() -> dict[str, str]:
    return dict(item.split("=", 1) for rest in instruction("ENV") for item in shlex.split(rest))


def healthcheck_command() -> list[str]:
    """The HEALTHCHECK's command, as the exec-form JSON array the Dockerfile gives."""
    [rest] = instruction("HEALTHCHECK")
    command = json.loads(rest.split(" CMD ", 1)[1])
    assert isinstance(command, list) and all(isinstance(word, str) for word in command)
    return command


def test_image_is_slim_python_311_running_unprivileged() -> None:
    [base] = instruction("FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base), base
    users = instruction("USER")
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    assert users[-1] in " ".join(instruction("RUN"))  # a user the image creates
    names = [word for word, _ in instructions()]
    assert names.index("USER") > max(i for i, n in enumerate(names) if n == "RUN")


def test_image_installs_the_project_and_runs_the_bot() -> None:
    assert any(re.search(r"\bpip install /src\b", run) for run in instruction("RUN"))
    sources = [
        word for rest in instruction("COPY") for word in shlex.split(rest)[:-1] if "--" not in word
    ]
    assert {"pyproject.toml", "README.md", "bot"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
    # BuildKit's per-Dockerfile ignore file lets exactly these through.
    allowed = {
        line[1:].rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    assert set(sources) <= allowed
    assert json.loads(instruction("CMD")[0]) == [console_script(), "run"]
    assert instruction("STOPSIGNAL") == ["SIGTERM"]


def test_image_declares_volumes_settings_and_the_health_port() -> None:
    env = image_environment()
    assert {k: env[k] for k in ("NOTES_DIR", "DATABASE_PATH", "HEALTH_PORT", "HEALTH_HOST")} == {
        "NOTES_DIR": "/notes",
        "DATABASE_PATH": "/data/bot.sqlite3",
        "HEALTH_PORT": "8080",
        "HEALTH_HOST": "0.0.0.0",
    }
    settings = parse_settings(env)  # the image's settings are valid as they are
    [volumes] = instruction("VOLUME")
    assert set(json.loads(volumes)) == {str(settings.notes_dir), str(settings.database_path.parent)}
    assert instruction("EXPOSE") == [str(settings.health_port)]


def test_healthcheck_probes_with_python_only() -> None:
    assert healthcheck_command() == ["python", "-m", "bot.adapters.health", "--probe"]
    text = " ".join(rest for _, rest in instructions())
    assert "curl" not in text and "wget" not in text


# ---- compose -------------------------------------------------------------------------


def test_compose_builds_the_image_and_mounts_its_volumes() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read compose.yaml")
    service = yaml.safe_load(COMPOSE.read_text())["services"]["bot"]
    build = DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]
    assert build.resolve() == DOCKERFILE
    mounts = {m["target"]: (m["type"], m.get("read_only", False)) for m in service["volumes"]}
    assert mounts == {"/notes": ("bind", True), "/data": ("volume", False)}
    assert service["env_file"] == "bot.env"
    [port] = service["ports"]
    host, _, container = port.split(":")
    assert host == "127.0.0.1" and container == image_environment()["HEALTH_PORT"]
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
