"""Two app instances, one PostgreSQL database, one shared index directory, nginx in front.

The deployment of docs/DEPLOYMENT.md run for real on loopback: a visitor through the proxy,
staff reading that conversation from the other instance, feedback and appointment requests
spread over both instances, migrations run while serving, a publish picked up by both
instances without a restart, the proxy's headers and limits, then an instance killed
(SIGKILL) and the last one stopped (SIGTERM) while visitors submit appointment requests.

The tests run in file order and share one cluster; the last two stop its instances.
Start-up dominates the run time (two instances loading the model at once, ~1-2 min on a
busy 2-core machine), hence the `slow` marker.
"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from typing import Any

import httpx
import pytest
from gradio_client import Client
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import AppointmentRequest, Conversation, Message

from .conftest import CLINIC_SITE, PREFIX, STAFF_USER, Cluster
from .support import PYTHON, STAFF_PASSWORD, AppInstance, QueueClient, Tally, run, submit_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# Letters only: eight random hex digits can all be digits (about 2% of runs), and the logs
# rightly redact such a run of digits as a phone number, so the marker could not be found.
TOKEN = uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
QUESTION = "Does ketamine help with migraines?"  # answered from knowledge/, with citations
MARKER = f"My visit code is {TOKEN}."  # a second message, for finding the conversation
OTHER_CLIENT = "127.0.0.2"  # not in the staff allow-list of the test site
LOGIN_CLIENT = "127.0.0.3"  # allowed; used up by the login rate-limit test
LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
TRANSCRIPT_LINK = re.compile(rf'href="{PREFIX}/staff/conversations/([0-9a-f]{{32}})"')


def served_by(cluster: Cluster, path_prefix: str) -> list[str]:
    """The upstream addresses nginx used for requests whose path starts with `path_prefix`."""
    return [
        e["upstream"]
        for e in cluster.nginx.access_entries()
        if e["path"].startswith(path_prefix) and e["upstream"]
    ]


def chat_instance(cluster: Cluster) -> AppInstance:
    """The instance nginx's client-address hash sends 127.0.0.1's visitor traffic to."""
    addresses = set(served_by(cluster, f"{PREFIX}/gradio_api/queue/join"))
    assert len(addresses) == 1, f"loopback visitor traffic was spread over {addresses}"
    return cluster.instance_at(addresses.pop())


def stored_references(cluster: Cluster) -> set[str]:
    engine = create_engine(cluster.database_url)
    try:
        with Session(engine) as session:
            return set(session.scalars(select(AppointmentRequest.reference)))
    finally:
        engine.dispose()


def staff_client(cluster: Cluster, local_address: str | None = None) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=local_address)
    return httpx.Client(base_url=cluster.chat, transport=transport, timeout=30)


def log_in(client: httpx.Client) -> None:
    form = client.get("/staff/login")
    assert form.status_code == 200, form.text[:300]
    token = LOGIN_TOKEN.search(form.text)
    assert token is not None
    response = client.post(
        "/staff/login",
        data={"username": STAFF_USER, "password": STAFF_PASSWORD, "login_token": token.group(1)},
    )
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == f"{PREFIX}/staff/"


# --- serving ---------------------------------------------------------------------------------
def test_both_instances_serve_one_index_version_and_the_shared_database(cluster: Cluster) -> None:
    for instance in cluster.instances:
        assert instance.readyz() == (
            200,
            {"status": "ready", "index_version": cluster.first_version, "database": "ok"},
        )
    through_proxy = httpx.get(cluster.chat + "/readyz")
    assert through_proxy.status_code == 200
    assert httpx.get(cluster.chat + "/healthz").json() == {"status": "ok"}


@pytest.fixture(scope="module")
def visit(cluster: Cluster) -> dict[str, Any]:
    """A visitor's session through the proxy with gradio_client (as the README shows)."""
    client = Client(cluster.chat + "/", verbose=False)
    try:
        reply = client.predict(QUESTION, api_name="/ask")
        disliked = client.predict(reply["message_id"], False, api_name="/feedback")
        client.predict(MARKER, api_name="/ask")
    finally:
        client.close()
    return {"reply": reply, "disliked": disliked, "served_by": chat_instance(cluster)}


def test_a_visitor_session_through_the_proxy_is_answered_and_logged(
    cluster: Cluster, visit: dict[str, Any]
) -> None:
    reply = visit["reply"]
    assert reply["kind"] == "answer" and reply["citations"], reply
    assert reply["index_version"] == cluster.first_version
    assert visit["disliked"] is True
    # Every request of the visit (queue join, event stream, heartbeat) reached one instance.
    assert set(served_by(cluster, f"{PREFIX}/gradio_api/")) == {visit["served_by"].address}

    engine = create_engine(cluster.database_url)
    with Session(engine) as session:
        message = session.get(Message, reply["message_id"])
        assert message is not None
        assert message.question == QUESTION and message.feedback == -1
        conversation = message.conversation_id
        questions = session.scalars(
            select(Message.question)
            .where(Message.conversation_id == conversation)
            .order_by(Message.id)
        )
        assert list(questions) == [QUESTION, MARKER]
    engine.dispose()


def test_staff_log_in_through_the_proxy_and_read_the_session_from_the_other_instance(
    cluster: Cluster, visit: dict[str, Any]
) -> None:
    with staff_client(cluster) as staff:
        log_in(staff)
        first = staff.get("/staff/conversations", params={"q": TOKEN})
        links = TRANSCRIPT_LINK.findall(first.text)
        assert len(links) == 1, first.text[:2000]
        # The console is round robin: a few page loads reach both instances.
        pages = [staff.get(f"/staff/conversations/{links[0]}") for _ in range(4)]

    for page in pages:
        assert page.status_code == 200
        assert TOKEN in page.text
        assert "ketamine" in page.text.lower()
    transcripts = served_by(cluster, f"{PREFIX}/staff/conversations/")
    other = next(i for i in cluster.instances if i is not visit["served_by"])
    assert other.address in transcripts, transcripts


def test_feedback_lands_on_the_right_row_whichever_instance_serves_it(cluster: Cluster) -> None:
    # One visitor on each instance (straight to its port: the proxy would pin both to one).
    on_a, on_b = QueueClient(cluster.a.url), QueueClient(cluster.b.url)
    try:
        a_ids = [on_a.ask(f"What are your hours? ({TOKEN} a{n})")["message_id"] for n in (1, 2)]
        b_ids = [on_b.ask(f"Do you take insurance? ({TOKEN} b{n})")["message_id"] for n in (1, 2)]
        assert on_a.feedback(a_ids[1], True)
        assert on_b.feedback(b_ids[0], False)
        # A session knows only its own replies: B's visitor cannot rate A's reply.
        assert not on_b.feedback(a_ids[0], False)
    finally:
        on_a.close()
        on_b.close()

    engine = create_engine(cluster.database_url)
    with Session(engine) as session:
        feedback = {i: session.get(Message, i).feedback for i in a_ids + b_ids}  # type: ignore[union-attr]
        sessions = {
            i: session.scalar(select(Conversation.session_id).join(Message).where(Message.id == i))
            for i in a_ids + b_ids
        }
    engine.dispose()
    assert feedback == {a_ids[0]: None, a_ids[1]: 1, b_ids[0]: -1, b_ids[1]: None}
    assert sessions[a_ids[0]] == sessions[a_ids[1]] != sessions[b_ids[0]] == sessions[b_ids[1]]


def test_appointment_references_stay_unique_across_instances(cluster: Cluster) -> None:
    before = stored_references(cluster)
    tally = Tally()

    def submit(instance: AppInstance, worker: int) -> None:
        client = QueueClient(instance.url)
        try:
            for n in range(8):
                tally.add(*client.request_appointment(f"Unique {instance.name}-{worker}-{n}"))
        finally:
            client.close()

    threads = [
        threading.Thread(target=submit, args=(instance, worker))
        for instance in cluster.instances
        for worker in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert tally.outcomes == {"completed": 48}
    assert len(tally.acknowledged) == len(set(tally.acknowledged)) == 48
    assert stored_references(cluster) - before == set(tally.acknowledged)


def test_migrations_run_twice_at_once_while_serving_change_nothing(cluster: Cluster) -> None:
    results: list[str] = []
    command = [PYTHON, "-m", "bot.store.migrate", "--database-url", cluster.database_url]
    threads = [threading.Thread(target=lambda: results.append(run(command))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)

    assert len(results) == 2
    assert all("already up to date" in out for out in results), results
    assert [(state or (0, {}))[0] for state in (i.readyz() for i in cluster.instances)] == [
        200,
        200,
    ]


# --- index distribution ----------------------------------------------------------------------
def test_a_publish_into_the_shared_index_reaches_both_instances_without_restart(
    cluster: Cluster,
) -> None:
    pids = [i.process.pid for i in cluster.instances if i.process is not None]
    page = next(cluster.knowledge_dir.glob("*.md"))
    text = page.read_text()
    assert text.startswith("---\n") and "\ntitle:" in text, "expected YAML front matter"
    new_title = "\ntitle: Migraine relief with ketamine (v2)\n"
    page.write_text(re.sub(r"\ntitle:.*\n", new_title, text, count=1))

    # While the publish runs and after it, both instances answer readiness with a complete
    # version: the old one until CURRENT switches, then the new one, never an error between.
    seen: dict[str, list[tuple[int, str | None]]] = {i.name: [] for i in cluster.instances}
    watching = threading.Event()

    def watch() -> None:
        while not watching.is_set():
            for instance in cluster.instances:
                state = instance.readyz()
                seen[instance.name].append(
                    (0, None) if state is None else (state[0], state[1]["index_version"])
                )
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        # Only the title changed, so every chunk's vector is in the embedding cache: no model.
        knowledge, index = str(cluster.knowledge_dir), str(cluster.index_dir)
        run([PYTHON, "ingest.py", "--knowledge", knowledge, "--index", index])
        new_version = (cluster.index_dir / "CURRENT").read_text().strip()
        assert new_version != cluster.first_version
        _wait_for(
            lambda: all(states and states[-1][1] == new_version for states in seen.values()),
            60,
            f"not every instance switched to {new_version}",
        )
    finally:
        watching.set()
        watcher.join(10)

    for name, states in seen.items():
        assert {status for status, _ in states} == {200}, (name, states)
        versions = [version for _, version in states]
        switched = versions.index(new_version)
        assert set(versions[:switched]) <= {cluster.first_version}, (name, versions)
        assert set(versions[switched:]) == {new_version}, (name, versions)
    assert [i.process.pid for i in cluster.instances if i.process is not None] == pids
    shown = httpx.get(f"{cluster.chat}/knowledge/{page.stem}")
    assert "Migraine relief with ketamine (v2)" in shown.text
    visitor = QueueClient(cluster.chat)
    try:
        assert visitor.ask("Does ketamine help with migraines?")["index_version"] == new_version
    finally:
        visitor.close()


# --- the proxy's own rules -------------------------------------------------------------------
def directives(policy: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in policy.split("; ")}


def test_one_content_security_policy_framing_only_by_the_clinic_site(cluster: Cluster) -> None:
    proxied = httpx.get(cluster.chat + "/")
    direct = httpx.get(cluster.a.url + "/")

    assert len(proxied.headers.get_list("content-security-policy")) == 1
    through_proxy = directives(proxied.headers["content-security-policy"])
    from_app = directives(direct.headers["content-security-policy"])
    assert through_proxy.pop("frame-ancestors") == f"'self' {CLINIC_SITE}"
    from_app.pop("frame-ancestors")
    assert through_proxy == from_app, "re-render deploy/nginx.conf: the app's CSP changed"

    staff = httpx.get(cluster.chat + "/staff/login")
    assert staff.headers.get_list("content-security-policy") == [
        staff.headers["content-security-policy"]
    ]
    assert "frame-ancestors 'none'" in staff.headers["content-security-policy"]


def test_the_staff_area_and_readiness_are_closed_to_other_addresses(cluster: Cluster) -> None:
    with staff_client(cluster, OTHER_CLIENT) as outsider:
        assert outsider.get("/").status_code == 200  # the chat is public
        assert outsider.get("/staff/login").status_code == 403
        assert outsider.post("/staff/login", data={"username": STAFF_USER}).status_code == 403
        assert outsider.get("/readyz").status_code == 403
        assert outsider.get("/staff").headers["location"].endswith(f"{PREFIX}/staff/")


def test_request_bodies_over_the_cap_are_refused_by_the_proxy(cluster: Cluster) -> None:
    response = httpx.post(
        cluster.chat + "/gradio_api/queue/join",
        content=b'{"data": ["' + b"x" * 100_000 + b'"]}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_rapid_staff_logins_from_one_address_are_rate_limited(cluster: Cluster) -> None:
    with staff_client(cluster, LOGIN_CLIENT) as guesser:
        statuses = [
            guesser.post(
                "/staff/login", data={"username": STAFF_USER, "password": "guess"}
            ).status_code
            for _ in range(12)
        ]
    # 10r/m with a burst of 5: the first tries reach the app, the rest stop at the proxy.
    assert 429 not in statuses[:5], statuses
    assert statuses[-4:] == [429] * 4, statuses


# --- failures --------------------------------------------------------------------------------
def test_sigkill_of_the_serving_instance_loses_no_acknowledged_request(cluster: Cluster) -> None:
    victim = chat_instance(cluster)
    survivor = next(i for i in cluster.instances if i is not victim)
    tally, stop = Tally(), threading.Event()
    threads = [
        threading.Thread(target=submit_until, args=(stop, cluster.chat, tally, f"kill{n}"))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    try:
        _wait_for(lambda: len(tally.acknowledged) >= 20, 60, "no acknowledgements before the kill")
        victim.signal(signal.SIGKILL)
        acknowledged_at_kill = len(tally.acknowledged)
        _wait_for(
            lambda: len(tally.acknowledged) >= acknowledged_at_kill + 20,
            60,
            "no acknowledgements after the kill: nginx did not fail over",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    assert victim.process is not None and victim.process.wait(10) == -signal.SIGKILL
    lost = set(tally.acknowledged) - stored_references(cluster)
    assert not lost, f"acknowledged but not stored: {sorted(lost)[:5]} ({tally.outcomes})"
    assert len(set(tally.acknowledged)) == len(tally.acknowledged)
    # After the kill the proxy sent the visitors' requests to the survivor.
    assert survivor.address in served_by(cluster, f"{PREFIX}/gradio_api/queue/join")


def test_sigterm_finishes_in_flight_replies_and_loses_no_acknowledged_request(
    cluster: Cluster,
) -> None:
    last = next(i for i in cluster.instances if i.process is not None and i.process.poll() is None)
    streaming = threading.Semaphore(0)
    finished: list[tuple[str, float, str | None]] = []  # (status, when, reference)
    lock = threading.Lock()

    def one(kind: str, n: int) -> None:
        client = QueueClient(last.url, timeout=60)
        try:
            if kind == "ask":
                dep = client.dependency(api_name="ask")
                outcome = client.call(dep, [f"Is ketamine safe? ({n})"], streaming.release)
                reference = None
            else:
                outcome, reference = client.request_appointment(
                    f"Shutdown {n}", on_stream=streaming.release
                )
            with lock:
                finished.append((outcome.status, time.monotonic(), reference))
        finally:
            client.close()

    threads = [
        threading.Thread(target=one, args=(kind, n))
        for n in range(12)
        for kind in ("ask", "appointment")
    ]
    for thread in threads:
        thread.start()
    for _ in threads:  # every request is queued and its reply stream open
        assert streaming.acquire(timeout=120), "a request never started streaming"
    signalled = time.monotonic()
    last.signal(signal.SIGTERM)
    for thread in threads:
        thread.join(90)

    # uvicorn re-raises the signal once its graceful shutdown is done, so the exit status is
    # "terminated by SIGTERM", which systemd counts as a clean stop.
    assert last.process is not None and last.process.wait(60) == -signal.SIGTERM
    log = last.log.read_text()
    assert "Finished server process" in log and "graceful shutdown exceeded" not in log
    assert [status for status, _, _ in finished] == ["completed"] * len(threads), finished
    assert any(when > signalled for _, when, _ in finished), "nothing was in flight at SIGTERM"
    references = {ref for _, _, ref in finished if ref is not None}
    assert len(references) == 12
    assert references <= stored_references(cluster)


def _wait_for(condition: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
