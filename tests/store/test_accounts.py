"""Staff accounts: hashing, login, lock-out after repeated failures, disabling, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.store.errors import InvalidValue, StaffExists, UnknownStaff, WeakPassword
from bot.store.models import StaffUser
from bot.store.repo import ChatLog
from tests.support.accounts import CHEAP_HASHER, PASSWORD
from tests.support.fakes import FakeClock


@pytest.fixture
def ana(log: ChatLog) -> str:
    log.create_staff("Ana", PASSWORD, "editor")
    return "ana"


def test_created_account_stores_an_argon2_hash_not_the_password(
    log: ChatLog, engine: Engine, ana: str
) -> None:
    with Session(engine) as session:
        user = session.scalars(select(StaffUser)).one()
    assert user.username == "ana"  # usernames are case-insensitive
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    (view,) = log.list_staff()
    assert (view.username, view.role, view.active) == ("ana", "editor", True)
    assert not hasattr(view, "password_hash")


def test_correct_password_logs_in_and_records_the_time(
    log: ChatLog, ana: str, clock: FakeClock
) -> None:
    user = log.verify_login("ANA ", PASSWORD, clock.now)
    assert user is not None and user.username == "ana"
    assert user.last_login_at == clock.now
    assert log.list_audit(username="ana")[0].action == "login"


def test_wrong_password_and_unknown_user_are_refused(log: ChatLog, ana: str) -> None:
    assert log.verify_login("ana", "wrong password") is None
    assert log.verify_login("nobody", PASSWORD) is None
    actions = {e.action for e in log.list_audit()}
    assert {"login.failed", "login.refused"} <= actions
    # The unknown name is not written down (it is sometimes a mistyped password).
    assert all("nobody" not in (e.username + e.target_id + e.detail) for e in log.list_audit())


def test_account_locks_after_five_failures_even_for_the_right_password(
    log: ChatLog, ana: str, clock: FakeClock
) -> None:
    for _ in range(4):
        assert log.verify_login("ana", "nope", clock.now) is None
    assert log.get_staff("ana").failed_logins == 4  # type: ignore[union-attr]
    assert log.verify_login("ana", "nope", clock.now) is None  # fifth: locks

    assert log.verify_login("ana", PASSWORD, clock.now) is None
    clock.advance(minutes=14, seconds=59)
    assert log.verify_login("ana", PASSWORD, clock.now) is None
    clock.advance(seconds=2)
    assert log.verify_login("ana", PASSWORD, clock.now) is not None
    assert "login.locked" in [e.action for e in log.list_audit()]


def test_success_resets_the_failure_count(log: ChatLog, ana: str) -> None:
    for _ in range(4):
        log.verify_login("ana", "nope")
    assert log.verify_login("ana", PASSWORD) is not None
    for _ in range(4):
        log.verify_login("ana", "nope")
    assert log.verify_login("ana", PASSWORD) is not None


def test_lockout_policy_comes_from_the_constructor(engine: Engine, clock: FakeClock) -> None:
    log = ChatLog(
        engine,
        clock=clock,
        password_hasher=CHEAP_HASHER,
        max_failed_logins=2,
        lockout=timedelta(minutes=1),
    )
    log.create_staff("bo", PASSWORD, "staff")
    log.verify_login("bo", "x")
    log.verify_login("bo", "x")
    assert log.verify_login("bo", PASSWORD) is None
    clock.advance(minutes=1, seconds=1)
    assert log.verify_login("bo", PASSWORD) is not None


def test_set_password_replaces_it_and_clears_the_lock(log: ChatLog, ana: str) -> None:
    for _ in range(5):
        log.verify_login("ana", "nope")
    log.set_password("ana", "a brand new secret")
    assert log.verify_login("ana", PASSWORD) is None
    assert log.verify_login("ana", "a brand new secret") is not None


def test_disabled_account_cannot_log_in_until_enabled(log: ChatLog, ana: str) -> None:
    log.disable_staff("ana")
    assert log.verify_login("ana", PASSWORD) is None
    assert log.get_staff("ana").active is False  # type: ignore[union-attr]
    log.enable_staff("ana")
    assert log.verify_login("ana", PASSWORD) is not None


def test_account_errors_are_named(log: ChatLog, ana: str) -> None:
    with pytest.raises(StaffExists):
        log.create_staff("ANA", PASSWORD, "staff")
    with pytest.raises(UnknownStaff):
        log.disable_staff("nobody")
    with pytest.raises(UnknownStaff):
        log.set_password("nobody", PASSWORD)
    with pytest.raises(WeakPassword):
        log.create_staff("bo", "short", "staff")
    with pytest.raises(InvalidValue, match="role"):
        log.create_staff("bo", PASSWORD, "admin")
    with pytest.raises(InvalidValue, match="username"):
        log.create_staff("bo bo", PASSWORD, "staff")
    assert [u.username for u in log.list_staff()] == ["ana"]


def test_account_changes_are_audited(log: ChatLog, ana: str) -> None:
    log.disable_staff("ana", by="root")
    actions = [(e.username, e.action, e.target_id) for e in log.list_audit(target_type="staff")]
    assert ("root", "staff.disable", "ana") in actions
    assert ("cli", "staff.create", "ana") in actions


def test_logout_password_change_and_disable_each_end_the_accounts_sessions(
    log: ChatLog, ana: str
) -> None:
    def generation() -> int:
        user = log.get_staff("ana")
        assert user is not None
        return user.session_generation

    login = log.verify_login("ana", PASSWORD)
    assert login is not None and login.session_generation == generation()
    seen = [generation()]
    log.sign_out_everywhere("ana")
    seen.append(generation())
    log.set_password("ana", "a brand new secret")
    seen.append(generation())
    log.disable_staff("ana")
    seen.append(generation())
    assert len(set(seen)) == 4  # each event ended the sessions issued before it
    log.enable_staff("ana")  # the sessions ended by disabling stay ended
    assert generation() == seen[-1]
    again = log.verify_login("ana", "a brand new secret")
    assert again is not None and again.session_generation == seen[-1]  # a new login carries it
    with_detail = [(e.action, e.detail) for e in log.list_audit(target_type="staff") if e.detail]
    assert with_detail == [  # newest first
        ("staff.disable", "signed out everywhere"),
        ("staff.password", "signed out everywhere"),
        ("logout", "signed out everywhere"),
        ("staff.create", "role=editor"),
    ]
    with pytest.raises(UnknownStaff):
        log.sign_out_everywhere("nobody")


def test_session_generations_are_random_not_a_counter(log: ChatLog) -> None:
    # A guessable generation (0, 1, 2...) is half of a forged session: only the secret is left.
    for name in ("bea", "cy", "dee"):
        log.create_staff(name, "a long enough passphrase", "staff")
    generations = [log.get_staff(name).session_generation for name in ("bea", "cy", "dee")]
    log.sign_out_everywhere("bea")
    after = log.get_staff("bea").session_generation
    assert len({*generations, after}) == 4
    assert all(g > 1000 for g in [*generations, after])  # 1 in 2 million chance to fail


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", "too short"),  # accepted before (issue 18)
        ("elevenchars", "too short"),
        ("passwordpassword", "too common"),  # repeated
        ("Password123456!", "too common"),  # a common one with digits and a symbol added
        ("qwertyuiop123", "too common"),
        ("iloveyou2026!!", "too common"),
        ("1234567890123", "too common"),  # digits only
        ("PASSWORD1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("bo-is-my-name-ok", "contains the username"),
    ],
)
def test_weak_staff_passwords_are_refused_with_the_reason(
    log: ChatLog, password: str, why: str
) -> None:
    with pytest.raises(WeakPassword, match=why):
        log.create_staff("bo", password, "staff")
    log.create_staff("bo", "quiet lantern orchard 42", "staff")  # a fine one
    with pytest.raises(WeakPassword, match=why):  # the same rules for a new password
        log.set_password("bo", password)


def test_the_common_password_list_is_the_top_10000_as_data() -> None:
    from bot.store.staff.accounts import COMMON_PASSWORDS_FILE, common_passwords

    assert len(common_passwords()) >= 9_900  # a few differ only by case
    assert COMMON_PASSWORDS_FILE.read_text().count("\n") >= 10_000
    assert {"123456", "password", "qwerty", "letmein"} <= common_passwords()
