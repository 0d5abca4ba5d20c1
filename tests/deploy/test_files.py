"""The example files in deploy/: current, accepted by the real tools, consistent with the app."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from bot.settings import PROJECT_ROOT, Settings

from .support import NGINX

DEPLOY = PROJECT_ROOT / "deploy"


def test_the_committed_nginx_example_is_the_template_rendered(renderer: ModuleType) -> None:
    rendered = renderer.render(renderer.parse_args(["--example"]))

    assert (DEPLOY / "nginx.conf").read_text() == rendered, (
        "deploy/nginx.conf is stale: .venv/bin/python deploy/render_nginx.py --example "
        "> deploy/nginx.conf"
    )


def test_the_tls_variant_passes_nginx_config_test(renderer: ModuleType, tmp_path: Path) -> None:
    if not (Path(NGINX).is_file() and shutil.which("openssl")):
        pytest.skip("nginx and openssl are needed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=chat.clinic.example", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([*openssl, *subject], check=True, capture_output=True)
    example = [a for a in renderer.EXAMPLE_ARGS if not a.startswith("--tls-")]
    site = renderer.render(
        renderer.parse_args(
            [
                *example,
                f"--tls-cert={cert}",
                f"--tls-key={key}",
                f"--access-log={tmp_path / 'access.log'}",
            ]
        )
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"error_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ include {tmp_path / 'site.conf'}; }}\n"
    )

    paths = ["-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)]
    logs = ["-e", str(tmp_path / "error.log"), "-g", f"pid {tmp_path / 'nginx.pid'};"]
    checked = subprocess.run(
        [NGINX, "-t", *paths, *logs],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr
    assert "warn" not in checked.stderr, checked.stderr


def test_the_systemd_unit_verifies_and_outlasts_the_graceful_shutdown(tmp_path: Path) -> None:
    from bot import serve as app

    text = (DEPLOY / "clinicbot@.service").read_text()
    stop = re.search(r"^TimeoutStopSec=(\d+)$", text, re.M)
    assert stop is not None and int(stop.group(1)) > app.GRACEFUL_SHUTDOWN_S + 5
    assert re.search(r"^Restart=on-failure$", text, re.M)
    assert re.search(r"^KillSignal=SIGTERM$", text, re.M)
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # The checkout stands in for /srv/clinicbot so the ExecStart= binary exists.
    unit = tmp_path / "clinicbot@7861.service"
    unit.write_text(text.replace("/srv/clinicbot", str(PROJECT_ROOT)))

    checked = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )

    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr


def test_the_env_example_holds_only_real_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    names = set()
    for line in (DEPLOY / "clinicbot.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            names.add(name)
            monkeypatch.setenv(name, value)

    settings = Settings()

    fields = {f"CLINICBOT_{n.upper()}" for n in Settings.model_fields}
    assert {n for n in names if n.startswith("CLINICBOT_")} <= fields
    assert settings.root_path == "/chat" and settings.cookie_secure is True
    assert settings.allowed_origins == ["https://www.clinic.example"]
    assert settings.database_url is not None and settings.database_url.startswith("postgresql")
