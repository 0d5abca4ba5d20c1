"""`python -m bot.staff`: accounts and purge from the command line.

One test runs the real process (add with --password-stdin, list, purge --dry-run); the rest
call `main()` in-process, which is the same code without the interpreter start-up cost.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.staff import main
from bot.store.db import make_engine
from bot.store.models import utcnow
from bot.store.repo import ChatLog
from tests.support.accounts import CHEAP_HASHER
from tests.support.fakes import FakeClock

from .conftest import make_reply

ROOT = Path(__file__).resolve().parents[2]


def run_process(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CLINICBOT_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.staff", *args, "--database-url", db_url],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=120,
    )


Staff = Callable[..., tuple[int, str, str]]


@pytest.fixture
def staff(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Staff:
    """Run `python -m bot.staff ARGS` in-process: returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: str = "", url: str = db_url) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            # Cheap argon2 parameters (the real-process test above keeps the defaults).
            code = main([*args, "--database-url", url], password_hasher=CHEAP_HASHER)
        except SystemExit as e:  # argparse usage errors
            code = int(e.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.slow  # several real processes with default argon2
def test_the_real_command_adds_lists_and_dry_runs_a_purge(db_url: str) -> None:
    engine = make_engine(db_url)
    ChatLog(engine, clock=FakeClock(utcnow() - timedelta(days=100))).log_reply("old", make_reply())

    added = run_process(
        db_url,
        "add",
        "Ana",
        "--role",
        "editor",
        "--password-stdin",
        stdin="s3cret-passphrase\n",
    )
    listed = run_process(db_url, "list")
    dry = run_process(db_url, "purge", "--days", "90", "--dry-run")

    assert (added.returncode, added.stdout) == (0, "created editor account 'ana'\n"), added.stderr
    assert ChatLog(engine).verify_login("ana", "s3cret-passphrase") is not None
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1].split()[:3] == ["ana", "editor", "active"]
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would delete 1 conversation(s) (1 message(s))")
    assert len(ChatLog(engine).list_conversations()) == 1
    engine.dispose()


def test_disable_passwd_and_enable(staff: Staff, engine) -> None:
    staff("add", "ana", "--password-stdin", stdin="s3cret-passphrase\n")
    log = ChatLog(engine)

    assert staff("disable", "ana")[0] == 0
    assert log.verify_login("ana", "s3cret-passphrase") is None
    assert "disabled" in staff("list")[1]
    assert staff("passwd", "ana", "--password-stdin", stdin="another-pass\n")[0] == 0
    assert staff("enable", "ana")[0] == 0
    assert log.verify_login("ana", "another-pass") is not None
    changes = [e for e in log.list_audit(target_type="staff") if e.action.startswith("staff.")]
    assert [(e.username, e.action) for e in changes][:3] == [
        ("cli", "staff.enable"),
        ("cli", "staff.password"),
        ("cli", "staff.disable"),
    ]


def test_password_is_prompted_twice_without_stdin_flag(
    staff: Staff, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["typed-secret-one", "typed-secret-one", "typed-secret-two", "different"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert staff("add", "ana")[0] == 0
    code, _, err = staff("passwd", "ana")
    assert code == 1 and err == "error: the passwords do not match\n"
    assert ChatLog(engine).verify_login("ana", "typed-secret-one") is not None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "ana", "--password-stdin"), "s3cret-passphrase\n", "already exists"),
        (("add", "bo", "--password-stdin"), "short\n", "password too short"),
        (("add", "bo", "--password-stdin"), "password\n", "password too short"),
        (("add", "bo", "--password-stdin"), "Password123456!\n", "password too common"),
        (("add", "bo", "--password-stdin"), "", "no password on stdin"),
        (("disable", "nobody"), "", "no staff account named 'nobody'"),
        (("purge", "--days", "0"), "", "at least 1 day"),
    ],
)
def test_errors_are_one_line_with_exit_code_1(
    staff: Staff, args: tuple[str, ...], stdin: str, message: str
) -> None:
    staff("add", "ana", "--password-stdin", stdin="s3cret-passphrase\n")
    code, _, err = staff(*args, stdin=stdin)
    assert code == 1
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_bad_usage_exits_2(staff: Staff) -> None:
    assert staff("add", "bo", "--role", "admin")[0] == 2
    assert staff("frobnicate")[0] == 2


def test_unmigrated_database_tells_how_to_migrate(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["list", "--database-url", empty_db_url])
    assert code == 1 and "python -m bot.store.migrate" in capsys.readouterr().err


def test_purge_uses_settings_defaults_and_deletes(
    staff: Staff, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLINICBOT_RETENTION_DAYS", "30")
    ChatLog(engine, clock=FakeClock(utcnow() - timedelta(days=31))).log_reply("old", make_reply())
    ChatLog(engine).log_reply("new", make_reply())

    code, out, _ = staff("purge")

    assert code == 0
    assert out.startswith("deleted 1 conversation(s) (1 message(s)) inactive for over 30 days")
    assert "over 365 days" in out
    assert [c.session_id for c in ChatLog(engine).list_conversations()] == ["new"]


def test_list_shows_times_in_the_clinics_time_zone(
    staff: Staff, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff("add", "ana", "--password-stdin", stdin="s3cret-passphrase\n")
    ChatLog(engine, clock=FakeClock()).verify_login("ana", "s3cret-passphrase")  # 09:00 UTC
    monkeypatch.setenv("CLINICBOT_TIMEZONE", "America/New_York")

    code, out, _ = staff("list")

    assert code == 0
    assert out.splitlines()[1].split()[3:] == ["2025-06-02", "05:00", "EDT"]
