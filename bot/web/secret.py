"""The staff session secret: refuse weak ones, and generate one for the embedded default.

Anyone who knows the secret can sign a staff session, so the app does not start with a
missing (when instances share PostgreSQL), short or published one. With SQLite (`make run`)
and no secret set, a random one is generated on first start into the data folder (mode 0600)
and reused, so sign-ins survive a restart and nothing has to be configured.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import cache
from pathlib import Path

from bot.settings import Settings

SETTING = "CLINICBOT_SESSION_SECRET"
MIN_SECRET_BYTES = 32
MIN_DISTINCT_CHARACTERS = 5  # "x" * 40 is long but guessable
SECRET_FILE = "session_secret"  # in settings.data_dir
PLACEHOLDERS_FILE = Path(__file__).resolve().parent / "data" / "placeholder_secrets.txt"
HOW_TO_GENERATE = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


class WeakSecret(ValueError):
    """The session secret cannot be used; the message names the setting and says what to do."""


@cache
def placeholder_secrets() -> frozenset[str]:
    """Published example values (a data file), compared case-insensitively."""
    lines = PLACEHOLDERS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


def secret_problem(secret: str) -> str | None:
    """Why `secret` must not sign sessions, or None when it is fit."""
    if secret.strip().casefold() in placeholder_secrets():
        return "is a published placeholder value"
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def check_session_secret(secret: str, *, source: str = SETTING) -> str:
    """`secret`, or `WeakSecret` saying why it is refused and how to make a good one."""
    problem = secret_problem(secret)
    if problem is not None:
        raise WeakSecret(
            f"{source} {problem}: set it to a long random value, e.g. the output of "
            f"{HOW_TO_GENERATE}"
        )
    return secret


def shares_database(settings: Settings) -> bool:
    """Whether several instances may serve from this database (anything but SQLite)."""
    return not settings.resolved_database_url.startswith("sqlite")


def ensure_session_secret(settings: Settings) -> Settings:
    """`settings` with a usable session secret, or `WeakSecret`.

    A configured secret is checked. With none: PostgreSQL means several instances, which
    must share one secret, so the start is refused; SQLite gets the generated one from the
    data folder.
    """
    if settings.session_secret:
        check_session_secret(settings.session_secret)
        return settings
    if shares_database(settings):
        raise WeakSecret(
            f"{SETTING} is not set: it is required with a shared database (every instance "
            f"needs the same value); generate one with {HOW_TO_GENERATE}"
        )
    secret = stored_secret(settings.data_dir / SECRET_FILE)
    return settings.model_copy(update={"session_secret": secret})


def stored_secret(path: Path) -> str:
    """The secret kept at `path`, created (random, mode 0600) if the file does not exist.

    Written to a private temporary file first and linked into place, so two instances
    starting together agree on one secret and none reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".session_secret.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_urlsafe(48) + "\n")
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):  # another instance was first: use it
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # copied or restored with wider rights: only this user may read
    return check_session_secret(path.read_text(encoding="utf-8").strip(), source=str(path))
