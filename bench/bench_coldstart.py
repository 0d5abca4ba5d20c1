"""Cold start: process start to the first answer, for `python app.py` and `python -m bot.ask`.

    python bench/bench_coldstart.py [--runs 3] [--index DIR]

The index is built beforehand (default data/bench/clinic-index, with ingest.py if missing), so
neither figure includes an ingest. App: a fresh `python app.py` on a free loopback port and a
fresh SQLite file; the clock runs from the spawn until a `gradio_client.Client` has got the
first reply of `/ask` over HTTP (it polls /healthz first, then connects and asks). CLI: the
wall time of `python -m bot.ask --json QUESTION` until it exits, with the reply's own
`latency_ms` (the warm part) alongside. Prints each run and the median of --runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from benchlib import ingest_command, stop_app

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Does ketamine work for migraines?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_index(index: Path) -> None:
    if (index / "CURRENT").exists():
        return
    subprocess.run(ingest_command(ROOT / "knowledge", index), check=True)


def app_to_first_answer(index: Path, timeout: float) -> tuple[float, str]:
    """Seconds from spawning app.py to the first /ask reply over HTTP, and the reply kind."""
    from gradio_client import Client

    workdir = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)]
    cmd += ["--database-url", f"sqlite:///{workdir / 'clinic.sqlite3'}"]
    log = (workdir / "app.log").open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, "CLINICBOT_DATA_DIR": str(workdir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode}; see {log.name}")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"no answer within {timeout:.0f} s; see {log.name}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        client = Client(url, verbose=False)
        reply = client.predict(QUESTION, api_name="/ask")
        elapsed = time.perf_counter() - started
        client.close()
        return elapsed, str(reply.get("kind"))
    finally:
        stop_app(proc, log)


def cli_to_answer(index: Path) -> tuple[float, float, str]:
    """Seconds for `python -m bot.ask --json` to print its answer and exit; its latency_ms."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.ask", "--index", str(index), "--json", QUESTION],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    reply = json.loads(done.stdout)
    return elapsed, float(reply["latency_ms"]), str(reply["kind"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "bench" / "clinic-index")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    ensure_index(args.index)

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    app_runs, cli_runs = [], []
    for n in range(args.runs):
        seconds, kind = app_to_first_answer(args.index, args.timeout)
        app_runs.append(seconds)
        print(f"app.py run {n + 1}: {seconds:.2f} s to the first answer over HTTP ({kind})")
    for n in range(args.runs):
        seconds, warm_ms, kind = cli_to_answer(args.index)
        cli_runs.append(seconds)
        print(f"bot.ask run {n + 1}: {seconds:.2f} s to the answer ({kind}; reply {warm_ms} ms)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| command | runs (s) | median (s) |")
    print("|---|---|---|")
    for name, runs in (("python app.py -> first /ask answer", app_runs),
                       ("python -m bot.ask QUESTION", cli_runs)):  # fmt: skip
        print(f"| {name} | {', '.join(f'{r:.2f}' for r in runs)} | {statistics.median(runs):.2f} |")
    print(json.dumps({"app_s": app_runs, "cli_s": cli_runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
