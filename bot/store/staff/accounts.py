"""Staff accounts: argon2 password hashes, login checks with lock-out, enable/disable,
and ending an account's console sessions.

Hashing and verifying run outside any transaction because argon2 is deliberately slow (and a
SQLite write lock must not be held meanwhile). Sessions end server-side through the
account's session generation (see `end_sessions`), which every app instance reads from the
shared row, so a copied session cookie stops working everywhere at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.base import Store
from bot.store.errors import InvalidValue, StaffExists, UnknownStaff, WeakPassword
from bot.store.models import STAFF_ROLES, USERNAME_MAX, StaffUser, random_generation
from bot.store.views import StaffView, row_view

MIN_PASSWORD_LENGTH = 12  # NIST SP 800-63B: 8 at least; 12 for accounts reading patient data
MAX_PASSWORD_LENGTH = 1024  # argon2 handles any length; this only bounds the work per attempt
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_USERNAME = re.compile(rf"^[a-z0-9][a-z0-9._@-]{{0,{USERNAME_MAX - 1}}}$")


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and looked up trimmed and lower-cased."""
    return username.strip().lower()


def check_username(username: str) -> str:
    """The normalised username, or `InvalidValue` if it has unexpected characters."""
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise InvalidValue(
            f"invalid username {username!r}: use 1-{USERNAME_MAX} letters, digits or . _ @ -"
        )
    return name


def check_role(role: str) -> str:
    """The role, or `InvalidValue` unless it is one of STAFF_ROLES."""
    if role not in STAFF_ROLES:
        raise InvalidValue(f"invalid role {role!r}: use one of {', '.join(STAFF_ROLES)}")
    return role


def check_password(password: str, username: str = "") -> str:
    """The password, or `WeakPassword` saying why not (NIST SP 800-63B 5.1.1.2): at least
    MIN_PASSWORD_LENGTH characters, not a common password (also with digits or symbols
    added at the end, or repeated), not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"password too long: use at most {MAX_PASSWORD_LENGTH} characters")
    if is_common_password(password):
        raise WeakPassword(
            "password too common: it is (or is built on) one of the 10,000 most used "
            "passwords; a few unrelated words make a better one"
        )
    name = normalise_username(username)
    if name and name in password.lower():
        raise WeakPassword("password contains the username: choose one that does not")
    return password


@cache
def common_passwords() -> frozenset[str]:
    """The list in bot/store/staff/data/common_passwords.txt (data, not code), lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """Whether `password`, ignoring case, is a common one, or one with digits and symbols
    tacked on at either end ("Password123456!"), or one repeated ("dragondragon")."""
    common = common_passwords()
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    candidates = {lowered, core, lowered.replace(" ", "")}
    for text in list(candidates):
        for size in range(1, len(text) // 2 + 1):
            if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
                candidates.add(text[:size])
                break
    return not core or any(c in common for c in candidates) or len(set(lowered)) < 4


def password_matches(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown user) it still spends the same time."""
    if password_hash is None:
        password_hash = _dummy_hash(hasher)
        password = password + "\x00never"  # never matches the dummy, whatever was typed
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Hashed with the same parameters as real accounts so an unknown username costs the same.
    return hasher.hash("unknown-user-placeholder")


def view(user: StaffUser) -> StaffView:
    """The account as a frozen dataclass (no password hash)."""
    return row_view(StaffView, user)


def find(session: Session, username: str, *, for_update: bool = False) -> StaffUser | None:
    """The account with that (normalised) username, if any."""
    query = select(StaffUser).where(StaffUser.username == normalise_username(username))
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def get(session: Session, username: str) -> StaffUser:
    """The account with that username, or `UnknownStaff`."""
    user = find(session, username, for_update=True)
    if user is None:
        raise UnknownStaff(f"no staff account named {normalise_username(username)!r}")
    return user


def is_locked(user: StaffUser, now: datetime) -> bool:
    """Whether the account is inside its lock-out window."""
    return user.locked_until is not None and user.locked_until > now


def record_failure(user: StaffUser, now: datetime, max_failures: int, lockout: timedelta) -> bool:
    """Count a failed login; lock the account when the limit is reached. True if it locked."""
    user.failed_logins += 1
    if user.failed_logins >= max_failures:
        # The counter restarts so that after the lock-out the user gets a full set of tries.
        user.locked_until = now + lockout
        user.failed_logins = 0
        return True
    return False


def end_sessions(user: StaffUser) -> None:
    """Make every session issued so far invalid: they carry the previous (random) generation.

    Called with the row locked (`get`), so a login in a concurrent transaction either sees
    the new number or is itself ended by it.
    """
    user.session_generation = random_generation(user.session_generation)


def record_success(user: StaffUser, now: datetime) -> None:
    """Clear the failure count and lock, and note the login time."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now


class StaffAccounts(Store):
    """Console accounts and logins. Part of `ChatLog`."""

    def create_staff(
        self, username: str, password: str, role: str, *, by: str = "cli"
    ) -> StaffView:
        """Create an account (argon2 hash); raises StaffExists, InvalidValue, WeakPassword."""
        name = check_username(username)
        check_role(role)
        password_hash = self._hasher.hash(check_password(password, username))
        now = self._clock()
        try:
            with self._write() as session:
                if find(session, name) is not None:
                    raise StaffExists(f"a staff account named {name!r} already exists")
                user = StaffUser(
                    username=name,
                    password_hash=password_hash,
                    role=role,
                    active=True,
                    failed_logins=0,
                    created_at=now,
                )
                session.add(user)
                session.flush()
                self._audit(session, now, by, "staff.create", "staff", name, f"role={role}")
                return view(user)
        except IntegrityError as e:  # created concurrently by someone else
            raise StaffExists(f"a staff account named {name!r} already exists") from e

    def verify_login(
        self, username: str, password: str, now: datetime | None = None
    ) -> StaffView | None:
        """The account if the password is right and the account active and not locked.

        After `max_failed_logins` wrong passwords in a row the account is locked for
        `lockout` (15 minutes); attempts during the lock fail without counting. Unknown
        users cost the same argon2 work. Every outcome is written to the audit trail
        (login / login.failed / login.locked / login.refused), so the web layer need not.
        """
        now = now or self._clock()
        name = normalise_username(username)
        with self._read() as session:
            user = find(session, name)
            usable = user is not None and user.active and not is_locked(user, now)
            stored_hash = user.password_hash if user is not None and usable else None
        matches = password_matches(self._hasher, stored_hash, password)

        with self._write() as session:
            user = find(session, name, for_update=True)
            if user is None:
                # The typed name is not recorded: it is sometimes a password typed in the
                # wrong box.
                self._audit(session, now, "?", "login.refused", "staff", "", "unknown username")
                return None
            if not user.active or is_locked(user, now) or stored_hash is None:
                reason = "disabled" if not user.active else "locked"
                if user.active and not is_locked(user, now):
                    reason = "account changed during login"
                self._audit(session, now, name, "login.refused", "staff", name, reason)
                return None
            if not matches or user.password_hash != stored_hash:
                locked = record_failure(user, now, self._max_failed_logins, self._lockout)
                action = "login.locked" if locked else "login.failed"
                self._audit(session, now, name, action, "staff", name)
                return None
            record_success(user, now)
            if self._hasher.check_needs_rehash(user.password_hash):
                user.password_hash = self._hasher.hash(password)
            self._audit(session, now, name, "login", "staff", name)
            return view(user)

    def set_password(self, username: str, password: str, *, by: str = "cli") -> None:
        """Replace the password, clear any lock-out and end the account's open sessions
        (whoever knew the old password may hold one); raises UnknownStaff, WeakPassword."""
        password_hash = self._hasher.hash(check_password(password, username))
        with self._write() as session:
            user = get(session, username)
            user.password_hash = password_hash
            user.failed_logins = 0
            user.locked_until = None
            end_sessions(user)
            self._audit(
                session,
                self._clock(),
                by,
                "staff.password",
                "staff",
                user.username,
                "signed out everywhere",
            )

    def sign_out_everywhere(self, username: str) -> None:
        """Log out: end every session of the account, on every instance (audited as
        "logout"); raises UnknownStaff."""
        with self._write() as session:
            user = get(session, username)
            end_sessions(user)
            self._audit(
                session,
                self._clock(),
                user.username,
                "logout",
                "staff",
                user.username,
                "signed out everywhere",
            )

    def disable_staff(self, username: str, *, by: str = "cli") -> None:
        """Stop an account from logging in and end its open sessions (the account is kept for
        the audit trail); raises UnknownStaff."""
        self._set_active(username, False, by)

    def enable_staff(self, username: str, *, by: str = "cli") -> None:
        """Let a disabled account log in again; raises UnknownStaff."""
        self._set_active(username, True, by)

    def _set_active(self, username: str, active: bool, by: str) -> None:
        with self._write() as session:
            user = get(session, username)
            user.active = active
            if not active:
                # Re-enabling later must not bring back the sessions open before.
                end_sessions(user)
            action = "staff.enable" if active else "staff.disable"
            detail = "" if active else "signed out everywhere"
            self._audit(session, self._clock(), by, action, "staff", user.username, detail)

    def get_staff(self, username: str) -> StaffView | None:
        """The account (e.g. to re-check role and active on each console request), or None."""
        with self._read() as session:
            user = find(session, username)
            return view(user) if user else None

    def list_staff(self) -> list[StaffView]:
        """All accounts, by username."""
        with self._read() as session:
            users = session.scalars(select(StaffUser).order_by(StaffUser.username))
            return [view(u) for u in users]
