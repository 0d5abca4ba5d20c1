"""Load: concurrent visitor sessions against a real `python app.py` on loopback, for a fixed time.

    python bench/bench_load.py                           # 50 sessions, 60 s, ~3.5 s think time
    python bench/bench_load.py --think 0.2 --env CLINICBOT_RATE_LIMIT_PER_MINUTE=100000
    python bench/bench_load.py --env CLINICBOT_QUEUE_MAX_SIZE=8 --think 0.2 ...   # overload

Starts the app on a free 127.0.0.1 port over a built index (default data/bench/clinic-index,
built with ingest.py if missing) and a fresh SQLite file, waits until /readyz says ready, asks
one warm-up question, then runs one thread per visitor session. Each session is a
`gradio_client.Client` (the app's documented API) that asks dev-set questions through `/ask` in
a loop with a random think time (uniform 0.5x-1.5x of --think) until --duration is over.

Counted: replies (any reply kind), latency of each reply as the client sees it, errors (an
exception, or the app's own "error" turn), "busy" (the bounded queue refused the request:
gradio_client's QueueError), rate-limited turns (the app's per-session limit), and the app
process's peak resident memory (VmHWM from /proc). Bounded: every session stops at the
deadline, and the script stops the app (SIGTERM, then SIGKILL) whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REPLY_KINDS = {"answer", "fallback", "refusal", "emergency", "appointment"}


@dataclass
class Tally:
    """What all sessions saw; one lock, appended to by every session thread."""

    latencies_ms: list[float] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    busy: int = 0
    rate_limited: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def machine() -> dict[str, str]:
    """nproc, CPU model, memory and the load average, for the record."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_kb(pid: int, key: str) -> int:
    """A `Vm*` field of /proc/PID/status in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def ensure_index(index: Path) -> None:
    if (index / "CURRENT").exists():
        return
    cmd = [sys.executable, str(ROOT / "ingest.py"), "--knowledge", str(ROOT / "knowledge")]
    subprocess.run([*cmd, "--index", str(index)], check=True)


def start_app(index: Path, port: int, workdir: Path, env: dict[str, str]) -> subprocess.Popen:
    log = (workdir / "app.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "app.py"),
            "--index",
            str(index),
            "--port",
            str(port),
            "--database-url",
            f"sqlite:///{workdir / 'clinic.sqlite3'}",
        ],
        cwd=ROOT,
        env={**os.environ, "CLINICBOT_DATA_DIR": str(workdir), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench_load: the app exited with {proc.returncode} (see app.log)")
        try:
            if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench_load: the app was not ready after {timeout:.0f} s")


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def session(
    url: str, questions: list[str], deadline: float, think: float, seed: int, tally: Tally
) -> None:
    """One visitor: a gradio_client Client asking questions until the deadline."""
    from gradio_client import Client
    from gradio_client.utils import QueueError

    rng = random.Random(seed)
    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # the session never started: that is an error too
        with tally.lock:
            tally.errors[f"connect: {type(exc).__name__}"] += 1
        return
    while time.monotonic() < deadline:
        question = rng.choice(questions)
        started = time.perf_counter()
        try:
            result = client.predict(question, api_name="/ask")
        except QueueError:
            with tally.lock:
                tally.busy += 1
        except Exception as exc:  # anything else the client raises is an error
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
        else:
            elapsed = (time.perf_counter() - started) * 1000
            kind = result.get("kind") if isinstance(result, dict) else None
            with tally.lock:
                if kind in REPLY_KINDS:
                    tally.latencies_ms.append(elapsed)
                    tally.kinds[kind] += 1
                elif kind == "rate_limited":
                    tally.rate_limited += 1
                elif kind == "busy":  # a friendly busy reply from the app itself
                    tally.busy += 1
                else:
                    tally.errors[f"reply kind {kind}"] += 1
        pause = rng.uniform(0.5, 1.5) * think
        time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
    client.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=3.5, help="mean think time, seconds")
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "bench" / "clinic-index")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval/dev-questions.jsonl")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra app setting"
    )
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in args.questions.open() if line.strip()]
    env = dict(item.split("=", 1) for item in args.env)
    ensure_index(args.index)
    before = machine()
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_app(args.index, port, workdir, env)
    tally = Tally()
    try:
        wait_ready(url, proc, args.startup_timeout)
        from gradio_client import Client

        warm = Client(url, verbose=False)
        warm.predict(questions[0], api_name="/ask")
        warm.close()
        rss_idle_kb = proc_kb(proc.pid, "VmRSS")

        started = time.monotonic()
        deadline = started + args.duration
        threads = [
            threading.Thread(
                target=session, args=(url, questions, deadline, args.think, n, tally), daemon=True
            )
            for n in range(args.sessions)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(1.0, deadline - time.monotonic() + 60))
        elapsed = time.monotonic() - started
        hung = sum(t.is_alive() for t in threads)
        peak_kb = proc_kb(proc.pid, "VmHWM")
    finally:
        stop_app(proc)

    after = machine()
    lat = tally.latencies_ms
    replies = len(lat)
    figures = {
        "sessions": args.sessions,
        "duration_s": round(elapsed, 1),
        "think_s": args.think,
        "app_env": env,
        "replies": replies,
        "throughput_rps": round(replies / elapsed, 2),
        "latency_p50_ms": round(percentile(lat, 50), 1),
        "latency_p95_ms": round(percentile(lat, 95), 1),
        "latency_p99_ms": round(percentile(lat, 99), 1),
        "latency_mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "errors": sum(tally.errors.values()) + hung,
        "error_types": dict(tally.errors) | ({"hung sessions": hung} if hung else {}),
        "busy": tally.busy,
        "rate_limited": tally.rate_limited,
        "kinds": dict(tally.kinds),
        "rss_idle_mb": round(rss_idle_kb / 1024, 1),
        "rss_peak_mb": round(peak_kb / 1024, 1),
        "machine_before": before,
        "load_after": after["load"],
    }
    print(f"machine: {before['nproc']} x {before['cpu']}, {before['memory']}")
    print(f"load average before: {before['load']}; after: {after['load']}")
    print(f"{args.sessions} sessions, {elapsed:.0f} s, think {args.think} s, app env {env or '-'}")
    print(
        "| replies | replies/s | p50 ms | p95 ms | p99 ms | errors | busy | rate-limited "
        "| peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {replies} | {figures['throughput_rps']} | {figures['latency_p50_ms']} | "
        f"{figures['latency_p95_ms']} | {figures['latency_p99_ms']} | {figures['errors']} | "
        f"{tally.busy} | {tally.rate_limited} | {figures['rss_peak_mb']} |"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
