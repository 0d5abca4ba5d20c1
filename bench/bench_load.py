"""Load: concurrent visitor sessions against real app processes on loopback, for a fixed time.

    python bench/bench_load.py                   # one instance, 50 sessions, 60 s, think 3.5 s
    python bench/bench_load.py --topology both   # side by side in one run: one instance
                                                 # direct, then two behind nginx
    python bench/bench_load.py --think 0.2 --env CLINICBOT_RATE_LIMIT_PER_MINUTE=100000
    python bench/bench_load.py --env CLINICBOT_QUEUE_MAX_SIZE=8 --think 0.2 ...   # overload

Topologies (the app always runs as `python app.py` over a built index, default
data/bench/clinic-index, built with ingest.py if missing):
- direct: one instance on a free 127.0.0.1 port; SQLite by default (`--store postgres` for the
  shared store);
- proxy: what docs/DEPLOYMENT.md describes for several instances: two instances
  (`--instances`) with `--root-path /chat` on one index directory and one PostgreSQL schema
  (a fresh schema of CLINICBOT_TEST_POSTGRES_URL, dropped afterwards), Debian's nginx in front
  with the site rendered from deploy/nginx.conf.j2 with its shipped limits (5 POSTs/s per
  address, burst 30), the sessions talking to nginx only;
- both: direct then proxy with the same sessions, questions and seeds, both on PostgreSQL so
  that only the topology differs, and a side-by-side table at the end.

Each visitor session is one browser tab's worth of protocol (POST queue/join, then the
server-sent event stream queue/data; tests/deploy/support.py's QueueClient) asking dev-set
questions through the documented `/ask` endpoint, with a random think time (uniform 0.5x-1.5x
of --think) until --duration is over. Session n connects from its own loopback address
127.0.1.n, so nginx's per-address rate limit and its sticky hash see 50 different visitors,
as they would in production.

Counted: replies (any reply kind) and the latency of each as the client sees it; errors (the
stream failed or broke off, the app reported a failure, or an "error" turn); busy (the bounded
queue refused the message: HTTP 503 at queue/join); proxy-limited (nginx's per-address limit:
HTTP 429); rate-limited turns (the app's per-session limit); peak resident memory (VmHWM) of
each app process; and, behind the proxy, how nginx spread the sessions' messages over the
instances (its access log). Bounded: every session stops at the deadline, and the script stops
every process it started (SIGTERM, then SIGKILL) whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from tests.deploy.support import (  # noqa: E402  (the deployment tests' process helpers)
    NGINX,
    PYTHON,
    AppInstance,
    Nginx,
    QueueClient,
    run,
)
from tests.support.databases import pg_schema  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

REPLY_KINDS = {"answer", "fallback", "refusal", "emergency", "appointment"}
PREFIX = "/chat"


@dataclass
class Tally:
    """What all sessions saw; one lock, appended to by every session thread."""

    latencies_ms: list[float] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    busy: int = 0
    proxy_limited: int = 0
    rate_limited: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Deployment:
    """The processes of one topology, and the URL the visitors use."""

    name: str
    entry: str
    instances: list[AppInstance]
    proxy: Nginx | None = None

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        for instance in self.instances:
            instance.stop()


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
    cmd = [PYTHON, str(ROOT / "ingest.py"), "--knowledge", str(ROOT / "knowledge")]
    subprocess.run([*cmd, "--index", str(index)], check=True)


def app_env(workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICBOT_")}
    env.update(
        {
            "CLINICBOT_DATA_DIR": str(workdir / "data"),
            "CLINICBOT_SESSION_SECRET": "bench-secret-shared-by-all-instances",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def render_site(upstreams: list[str], port: int, access_log: Path) -> str:
    """deploy/nginx.conf.j2 rendered with its shipped limits, on plain HTTP loopback."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_nginx", ROOT / "deploy/render_nginx.py")
    assert spec is not None and spec.loader is not None
    renderer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(renderer)
    args = [f"--upstream={u}" for u in upstreams]
    args += [f"--listen=127.0.0.1:{port}", "--server-name=127.0.0.1"]
    return renderer.render(renderer.parse_args([*args, f"--access-log={access_log}"]))


def start(
    name: str,
    count: int,
    proxied: bool,
    index: Path,
    database_url: str,
    workdir: Path,
    env: dict[str, str],
    timeout: float,
) -> Deployment:
    """`count` app instances on `index` and `database_url`, behind nginx when `proxied`."""
    workdir.mkdir(parents=True)
    args = ["--index", str(index), "--database-url", database_url]
    if proxied:
        args += ["--root-path", PREFIX]
    instances = [
        AppInstance(
            f"{name}-{n}", free_port(), args, app_env(workdir, env), workdir / f"app-{n}.log"
        )
        for n in range(count)
    ]
    deployment = Deployment(name, instances[0].url, instances)
    try:
        for instance in instances:
            instance.start()
        if proxied:
            port = free_port()
            prefix = workdir / "nginx"
            site = render_site([i.address for i in instances], port, prefix / "access.log")
            prefix.mkdir()
            deployment.proxy = Nginx(prefix, site, port)
            deployment.proxy.start()
            deployment.entry = deployment.proxy.url + PREFIX
        for instance in instances:
            instance.wait_ready(timeout)
        for instance in instances:  # warm each instance (model, index, BM25) directly
            warm = QueueClient(instance.url, timeout=120)
            warm.ask("Does ketamine work for migraines?")
            warm.close()
    except BaseException:
        deployment.stop()
        raise
    return deployment


def session(
    entry: str, n: int, questions: list[str], deadline: float, think: float, tally: Tally
) -> None:
    """One visitor (its own loopback address) asking questions until the deadline."""
    rng = random.Random(n)
    client = QueueClient(entry, local_address=f"127.0.1.{n + 1}", timeout=120)
    try:
        ask = client.dependency(api_name="ask")
    except Exception as exc:  # the page config never loaded: the session never started
        with tally.lock:
            tally.errors[f"connect: {type(exc).__name__}"] += 1
        client.close()
        return
    while time.monotonic() < deadline:
        question = rng.choice(questions)
        started = time.perf_counter()
        outcome = client.call(ask, [question])
        elapsed = (time.perf_counter() - started) * 1000
        with tally.lock:
            if outcome.status == "refused" and outcome.detail.startswith("503"):
                tally.busy += 1
            elif outcome.status == "refused" and outcome.detail.startswith("429"):
                tally.proxy_limited += 1
            elif not outcome.completed or not outcome.output:
                tally.errors[f"{outcome.status}: {outcome.detail[:60]}"] += 1
            else:
                kind = outcome.output[0].get("kind")
                if kind in REPLY_KINDS:
                    tally.latencies_ms.append(elapsed)
                    tally.kinds[kind] += 1
                elif kind == "rate_limited":
                    tally.rate_limited += 1
                elif kind == "busy":
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


def spread(deployment: Deployment) -> dict[str, int]:
    """Messages queued per instance, from nginx's access log (upstream of each queue/join)."""
    if deployment.proxy is None:
        return {}
    names = {i.address: i.name for i in deployment.instances}
    counts: Counter = Counter()
    for entry in deployment.proxy.access_entries():
        if entry["method"] == "POST" and entry["path"].endswith("/queue/join"):
            counts[names.get(entry["upstream"], entry["upstream"] or "-")] += 1
    return dict(counts)


def load(deployment: Deployment, args: argparse.Namespace, questions: list[str]) -> dict[str, Any]:
    """Run the sessions against `deployment` and return the figures."""
    rss_idle = {i.name: proc_kb(i.process.pid, "VmRSS") for i in deployment.instances}  # type: ignore[union-attr]
    before = machine()
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.duration
    threads = [
        threading.Thread(
            target=session,
            args=(deployment.entry, n, questions, deadline, args.think, tally),
            daemon=True,
        )
        for n in range(args.sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + 120))
    elapsed = time.monotonic() - started
    hung = sum(t.is_alive() for t in threads)
    peak = {i.name: proc_kb(i.process.pid, "VmHWM") for i in deployment.instances}  # type: ignore[union-attr]
    lat = tally.latencies_ms
    return {
        "topology": deployment.name,
        "instances": len(deployment.instances),
        "sessions": args.sessions,
        "duration_s": round(elapsed, 1),
        "think_s": args.think,
        "replies": len(lat),
        "throughput_rps": round(len(lat) / elapsed, 2),
        "latency_p50_ms": round(percentile(lat, 50), 1),
        "latency_p95_ms": round(percentile(lat, 95), 1),
        "latency_p99_ms": round(percentile(lat, 99), 1),
        "latency_mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "errors": sum(tally.errors.values()) + hung,
        "error_types": dict(tally.errors) | ({"hung sessions": hung} if hung else {}),
        "busy": tally.busy,
        "proxy_limited": tally.proxy_limited,
        "rate_limited": tally.rate_limited,
        "kinds": dict(tally.kinds),
        "rss_idle_mb": {k: round(v / 1024, 1) for k, v in rss_idle.items()},
        "rss_peak_mb": {k: round(v / 1024, 1) for k, v in peak.items()},
        "spread": spread(deployment),
        "load_before": before["load"],
        "load_after": machine()["load"],
    }


def row(f: dict[str, Any]) -> str:
    peak = " + ".join(f"{v:.0f}" for v in f["rss_peak_mb"].values())
    return (
        f"| {f['topology']} ({f['instances']}) | {f['replies']} | {f['throughput_rps']} | "
        f"{f['latency_p50_ms']:.0f} | {f['latency_p95_ms']:.0f} | {f['latency_p99_ms']:.0f} | "
        f"{f['errors']} | {f['busy']} | {f['proxy_limited']} | {f['rate_limited']} | {peak} | "
        f"{f['load_before']} → {f['load_after']} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", choices=("direct", "proxy", "both"), default="direct")
    parser.add_argument("--instances", type=int, default=2, help="app instances behind nginx")
    parser.add_argument(
        "--store",
        choices=("auto", "sqlite", "postgres"),
        default="auto",
        help="auto: SQLite for direct alone, PostgreSQL whenever the proxy topology runs",
    )
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=3.5, help="mean think time, seconds")
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "bench" / "clinic-index")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval/dev-questions.jsonl")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra app setting"
    )
    parser.add_argument("--startup-timeout", type=float, default=480.0)
    args = parser.parse_args()
    if not 1 <= args.sessions <= 250:
        parser.error("--sessions must be 1-250 (one loopback address 127.0.1.n each)")
    topologies = ["direct", "proxy"] if args.topology == "both" else [args.topology]
    if "proxy" in topologies and not Path(NGINX).is_file():
        parser.error(f"{NGINX} is missing: apt-get install -y nginx (or make test's setup)")
    store = args.store
    if store == "auto":
        store = "postgres" if "proxy" in topologies else "sqlite"
    if store == "sqlite" and "proxy" in topologies:
        parser.error("several instances share one store: --store postgres")

    questions = [json.loads(line)["question"] for line in args.questions.open() if line.strip()]
    env = dict(item.split("=", 1) for item in args.env)
    ensure_index(args.index)
    workroot = Path(tempfile.mkdtemp(prefix="bench-load-"))
    info = machine()
    print(f"machine: {info['nproc']} x {info['cpu']}, {info['memory']}; load {info['load']}")
    print(f"{args.sessions} sessions x {args.duration:.0f} s, think {args.think} s, store {store}")
    print(f"app env: {env or '-'}; logs in {workroot}", flush=True)
    results = []
    for name in topologies:
        with contextlib.ExitStack() as stack:
            if store == "postgres":
                url = stack.enter_context(pg_schema("bench_"))
                run([PYTHON, "-m", "bot.store.migrate", "--database-url", url])
            else:
                url = f"sqlite:///{workroot / name / 'clinic.sqlite3'}"
            count = args.instances if name == "proxy" else 1
            deployment = start(
                name,
                count,
                name == "proxy",
                args.index,
                url,
                workroot / name,
                env,
                args.startup_timeout,
            )
            stack.callback(deployment.stop)
            figures = load(deployment, args, questions)
        results.append(figures)
        print(json.dumps(figures), flush=True)
        time.sleep(5)  # let the load average settle a little between topologies

    print()
    print(
        "| topology (instances) | replies | replies/s | p50 ms | p95 ms | p99 ms | errors | busy "
        "| proxy 429 | rate-limited | peak RSS MB | load before → after |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for figures in results:
        print(row(figures))
    for figures in results:
        if figures["spread"]:
            print(f"{figures['topology']}: messages per instance {figures['spread']}")
    if any(f["errors"] for f in results):
        print(f"errors: the app and nginx logs are kept in {workroot}")
    else:
        shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
