"""Fixtures for the deployment tests: real processes on loopback, as docs/DEPLOYMENT.md runs them.

- `pg_url(module)`: a fresh schema in the PostgreSQL test database (CLINICBOT_TEST_POSTGRES_URL),
  chosen through the connection option search_path and dropped afterwards.
- `cluster(module)`: knowledge/ copied and ingested for real (the embedding model) into a
  shared index directory, `python -m bot.store.migrate`, a staff account made with
  `python -m bot.staff add`, two `python app.py --root-path /chat` instances started in
  parallel on that index and database, and Debian's nginx in front with the site rendered
  from deploy/nginx.conf.j2 (plain HTTP on loopback).

Without nginx or PostgreSQL the tests skip, except when CI is set: then they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from bot.settings import PROJECT_ROOT
from tests.support.databases import pg_schema
from tests.support.servers import free_port

from .support import (
    NGINX,
    PYTHON,
    STAFF_PASSWORD,
    AppInstance,
    Nginx,
    run,
)

PREFIX = "/chat"
STAFF_USER = "deploy-staff"
SESSION_SECRET = "deployment-test-secret-shared-by-all-instances"
CLINIC_SITE = "https://www.clinic.example"
READY_TIMEOUT_S = 480  # two instances loading the model at once on a busy 2-core machine
# Loopback addresses nginx sees as different clients: .1 and .3 may use the staff console.
STAFF_CLIENTS = ("127.0.0.1", "127.0.0.3")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so the deployment tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema of the PostgreSQL test database."""
    with pg_schema("deploy_") as url:
        yield url


def load_renderer() -> ModuleType:
    """deploy/render_nginx.py as a module (deploy/ is not a package)."""
    import importlib.util

    path = PROJECT_ROOT / "deploy" / "render_nginx.py"
    spec = importlib.util.spec_from_file_location("render_nginx", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def renderer() -> ModuleType:
    return load_renderer()


def app_env(tmp: Path, knowledge: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICBOT_")}
    env.update(
        {
            "CLINICBOT_DATA_DIR": str(tmp / "data"),
            "CLINICBOT_KNOWLEDGE_DIR": str(knowledge),
            "CLINICBOT_SESSION_SECRET": SESSION_SECRET,
            "CLINICBOT_ALLOWED_ORIGINS": f'["{CLINIC_SITE}"]',
            "CLINICBOT_CLINIC_PHONE": "410-555-2368",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            # hundreds of appointment requests from the loopback address in the cluster tests
            "CLINICBOT_RATE_LIMIT_CLIENT_APPOINTMENTS": "1000000/minute",
            "CLINICBOT_RATE_LIMIT_SESSION_APPOINTMENTS": "1000000/minute",
            "CLINICBOT_RATE_LIMIT_CLIENT_MESSAGES": "1000000/minute",
        }
    )
    return env


@dataclass
class Cluster:
    """Two app instances on one index directory and one database, behind nginx."""

    a: AppInstance
    b: AppInstance
    nginx: Nginx
    database_url: str
    index_dir: Path
    knowledge_dir: Path
    first_version: str

    @property
    def chat(self) -> str:
        """The chat's public URL through the proxy."""
        return self.nginx.url + PREFIX

    @property
    def instances(self) -> tuple[AppInstance, AppInstance]:
        return (self.a, self.b)

    def instance_at(self, address: str) -> AppInstance:
        return next(i for i in self.instances if i.address == address)


@pytest.fixture(scope="module")
def cluster(
    pg_url: str, renderer: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    if not (Path(NGINX).is_file() and shutil.which("openssl")):
        _missing(f"{NGINX} is not installed (apt-get install -y nginx)")
    tmp = tmp_path_factory.mktemp("cluster")
    knowledge = tmp / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    index_dir = tmp / "shared-index"

    # The index (real model) and the database (migrate, staff account) in parallel.
    ingest_log = tmp / "ingest.log"
    with ingest_log.open("wb") as out:
        ingest = subprocess.Popen(
            [PYTHON, "ingest.py", "--knowledge", str(knowledge), "--index", str(index_dir)],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        run([PYTHON, "-m", "bot.store.migrate", "--database-url", pg_url])
        add = ["add", STAFF_USER, "--role", "staff", "--password-stdin", "--database-url", pg_url]
        run([PYTHON, "-m", "bot.staff", *add], input=STAFF_PASSWORD + "\n")
    finally:
        assert ingest.wait(READY_TIMEOUT_S) == 0, ingest_log.read_text()[-3000:]
    first_version = (index_dir / "CURRENT").read_text().strip()

    env = app_env(tmp, knowledge)
    common = ["--index", str(index_dir), "--database-url", pg_url, "--root-path", PREFIX]
    a, b = (
        AppInstance(name, free_port(), [*common, "--log-json"], env, tmp / f"{name}.log")
        for name in ("app-a", "app-b")
    )
    nginx_port = free_port()
    site = renderer.render(
        renderer.parse_args(
            [
                f"--upstream={a.address}",
                f"--upstream={b.address}",
                f"--listen=127.0.0.1:{nginx_port}",
                "--server-name=127.0.0.1",
                f"--clinic-site={CLINIC_SITE}",
                *(f"--staff-allow={client}" for client in STAFF_CLIENTS),
                f"--access-log={tmp / 'nginx' / 'access.log'}",
                "--chat-rate=200r/s",  # the tests submit far faster than any visitor
                "--chat-burst=200",
            ]
        )
    )
    proxy = Nginx(tmp / "nginx", site, nginx_port)
    proxy.prefix.mkdir()
    try:
        a.start()
        b.start()
        proxy.start()
        a.wait_ready(READY_TIMEOUT_S)
        b.wait_ready(READY_TIMEOUT_S)
        yield Cluster(a, b, proxy, pg_url, index_dir, knowledge, first_version)
    finally:
        proxy.stop()
        a.stop()
        b.stop()
