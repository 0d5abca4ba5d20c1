"""Load: visitors at 50, 200 and 500 against a real app process, the client in its own processes.

    python bench/bench_load.py                              # 50, 200, 500 visitors, 3 rounds
    python bench/bench_load.py --visitors 50,200 --duration 30 --think 1
    python bench/bench_load.py --topology proxy             # two instances behind nginx

The app runs as `python app.py` over a built index (default data/bench/clinic-index, built
with ingest.py if missing), on SQLite (direct) or one PostgreSQL schema (proxy: two
instances with `--root-path /chat` behind Debian's nginx with deploy/nginx.conf.j2's limits).
The benchmark sets the app's rate limits high (per session and per client address) and the
visitor-session idle time short through CLINICBOT_* variables; `--env KEY=VALUE` adds or
overrides any. Before the load the app answers each question once, one at a time (its lazily
loaded parts in memory): its RSS then is the "before" figure.

The visitors run in `--clients` separate client processes (this script with `--worker`),
each a uvloop event loop of aiohttp sessions (C HTTP parser, orjson), so the client is light
and never shares the app's interpreter; its CPU use is reported (`--client-nice` can lower its
priority; default 0: a niced client starves when the shared machine is busy). Each visitor is
one browser tab's protocol (POST queue/join, then the queue/data event stream) asking dev-set
questions through the `/ask` endpoint, with a random think time (uniform 0.5x-1.5x of
--think); a refused message (HTTP 503) waits its Retry-After, as the chat page asks a person
to. Behind nginx, visitor n connects from loopback address 127.0.x.y of its own, so
per-address limits see separate visitors (direct, the visitors of one process share a
connection pool).

The levels run in `--rounds` interleaved rounds of `--duration` seconds (round r starts at the
r-th level), so a burst of other work on a shared machine hits one round of one level, not a
whole level; each level's replies/s is the median of its rounds. Per level: replies (any
reply kind) per second, latency p50/p95 as the client sees it, busy (503 refusals),
proxy-limited (429), errors (stream failed or broke off, an app failure), the app's CPU per
reply and the time its threads waited for a CPU (schedstat: the machine's other work), the
client's CPU, and the app's resident memory (VmRSS, sampled every 0.5 s: start and peak).
After the last round it waits `--settle` seconds (idle sessions expire) and reads VmRSS again:
the "after" figure. Replies/s of each level is also given as a share of the best level of the
same run (the overload criterion: >= 0.9 at 200 and 500). The load average is printed at the
start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

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


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def app_cpu_s(deployment: Deployment) -> float:
    return sum(cpu_s(i.process.pid) for i in deployment.instances)  # type: ignore[union-attr]


def runqueue_waits(pid: int) -> dict[str, float]:
    """Per thread, seconds it was runnable but waiting for a CPU (/proc schedstat): how much
    the machine's other work held the app back."""
    waits = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            waits[f"{pid}/{task.name}"] = int((task / "schedstat").read_text().split()[1]) / 1e9
    return waits


def app_waits(deployment: Deployment) -> dict[str, float]:
    waits: dict[str, float] = {}
    for instance in deployment.instances:
        waits.update(runqueue_waits(instance.process.pid))  # type: ignore[union-attr]
    return waits


def waited_s(before: dict[str, float], after: dict[str, float]) -> float:
    """Runqueue wait between two snapshots (threads started in between count in full)."""
    return sum(max(0.0, w - before.get(t, 0.0)) for t, w in after.items())


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


def visitor_address(n: int) -> str:
    """A loopback address of visitor n's own: 127.0.1.1 ... 127.0.1.250, 127.0.2.1 ..."""
    return f"127.0.{1 + n // 250}.{n % 250 + 1}"


async def _ask(http: Any, base: str, dep: dict, question: str, session_hash: str) -> tuple:
    """One message through the queue: ("reply", kind) / ("busy", retry_after) / ("error", why)."""
    import aiohttp

    trigger = dep["targets"][0][0] if dep["targets"] else None
    body = {
        "data": [question],
        "fn_index": dep["id"],
        "trigger_id": trigger,
        "session_hash": session_hash,
        "event_data": None,
    }
    try:
        async with http.post(base + "/gradio_api/queue/join", json=body) as joined:
            if joined.status in (503, 429):
                kind = "busy" if joined.status == 503 else "proxy_limited"
                return kind, float(joined.headers.get("retry-after") or 0)
            if joined.status != 200:
                return "error", f"join {joined.status}"
            event_id = orjson.loads(await joined.read())["event_id"]
        url = base + "/gradio_api/queue/data"
        async with http.get(url, params={"session_hash": session_hash}) as stream:
            if stream.status != 200:
                return "error", f"stream {stream.status}"
            async for line in stream.content:
                if not line.startswith(b"data:"):
                    continue
                message = orjson.loads(line[5:])
                if message.get("event_id") not in (event_id, None):
                    continue
                if message["msg"] == "process_completed":
                    if not message.get("success"):
                        return "error", "app failure"
                    return "reply", message["output"]["data"][0].get("kind")
                if message["msg"] == "unexpected_error":
                    return "error", "unexpected_error"
    except (TimeoutError, aiohttp.ClientError) as exc:
        return "error", type(exc).__name__
    return "error", "stream ended without a result"


def _client(address: str | None, connections: int) -> Any:
    """An aiohttp session: keep-alive pool of `connections`, from `address` when given."""
    import aiohttp

    connector = aiohttp.TCPConnector(
        limit=connections, local_addr=(address, 0) if address else None
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=120),
        json_serialize=lambda value: orjson.dumps(value).decode(),
    )


async def _visitor(
    n: int,
    base: str,
    dep: dict,
    questions: list[str],
    deadline: float,
    think: float,
    shared: Any | None,
) -> dict[str, Any]:
    """One visitor until the deadline; its own client (and loopback address) unless `shared`."""
    rng = random.Random(n)
    seen: dict[str, Any] = {"latencies_ms": [], "kinds": Counter(), "errors": Counter()}
    seen.update(busy=0, proxy_limited=0, rate_limited=0)
    session_hash = f"bench{n:04d}{rng.getrandbits(24):06x}"
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        http = shared
        if http is None:
            http = await stack.enter_async_context(_client(visitor_address(n), 2))
        await asyncio.sleep(rng.uniform(0, think))  # arrivals spread over one think time
        while loop.time() < deadline:
            started = loop.time()
            status, detail = await _ask(http, base, dep, rng.choice(questions), session_hash)
            elapsed_ms = (loop.time() - started) * 1000
            pause = rng.uniform(0.5, 1.5) * think
            if status == "reply" and detail in REPLY_KINDS:
                seen["latencies_ms"].append(elapsed_ms)
                seen["kinds"][detail] += 1
            elif status == "reply" and detail == "rate_limited":
                seen["rate_limited"] += 1
            elif status in ("busy", "proxy_limited"):
                seen[status] += 1
                pause = rng.uniform(0.5, 1.5) * (detail or think)  # as Retry-After asks
            else:
                seen["errors"][f"{status}: {detail}"] += 1
            await asyncio.sleep(max(0.0, min(pause, deadline - loop.time())))
    return seen


async def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    async with _client(None, 4) as http, http.get(spec["base"] + "/config") as response:
        config = orjson.loads(await response.read())
    dep = next(d for d in config["dependencies"] if d["api_name"] == "ask")
    deadline = asyncio.get_running_loop().time() + spec["duration"]
    async with _client(None, 2 * len(spec["visitors"])) as shared:
        results = await asyncio.gather(
            *(
                _visitor(
                    n,
                    spec["base"],
                    dep,
                    spec["questions"],
                    deadline,
                    spec["think"],
                    None if spec["own_addresses"] else shared,
                )
                for n in spec["visitors"]
            )
        )
    total: dict[str, Any] = {"latencies_ms": [], "kinds": Counter(), "errors": Counter()}
    total.update(busy=0, proxy_limited=0, rate_limited=0)
    for seen in results:
        total["latencies_ms"] += seen["latencies_ms"]
        for key in ("kinds", "errors"):
            total[key].update(seen[key])
        for key in ("busy", "proxy_limited", "rate_limited"):
            total[key] += seen[key]
    return total


def worker_main(spec_json: str) -> int:
    """`--worker SPEC`: run this process's visitors and print one JSON line of what they saw.

    The client is kept light, so that it takes little of the CPU it shares with the app:
    aiohttp (C HTTP parser) on uvloop, orjson, one keep-alive pool per process. Its own CPU
    seconds are reported with what it saw. `nice` (default 0) can lower its priority.
    """
    import uvloop

    spec = json.loads(spec_json)
    os.nice(spec["nice"])
    total = uvloop.run(_worker(spec))
    total["cpu_s"] = time.process_time()
    print(json.dumps(total))
    return 0


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


def rss_mb(deployment: Deployment) -> float:
    """Resident memory of all app processes together, MB."""
    return sum(proc_kb(i.process.pid, "VmRSS") for i in deployment.instances) / 1024  # type: ignore[union-attr]


class RssSampler:
    """The app's total VmRSS every 0.5 s in a thread: the peak of a level."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, rss_mb(self.deployment))

    def __enter__(self) -> RssSampler:
        self.peak = rss_mb(self.deployment)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.peak = max(self.peak, rss_mb(self.deployment))


def level(
    deployment: Deployment, visitors: int, args: argparse.Namespace, questions: list[str]
) -> dict[str, Any]:
    """`visitors` visitors for args.duration seconds, spread over args.clients processes."""
    clients = max(1, min(args.clients, visitors))
    before = machine()
    rss_start = rss_mb(deployment)
    app_cpu_start = app_cpu_s(deployment)
    app_waits_start = app_waits(deployment)
    processes = []
    started = time.monotonic()
    with RssSampler(deployment) as sampler:
        for c in range(clients):
            spec = {
                "base": deployment.entry,
                "visitors": list(range(c, visitors, clients)),
                "questions": questions,
                "duration": args.duration,
                "think": args.think,
                "nice": args.client_nice,
                # per-address limits (nginx) need visitors on their own addresses
                "own_addresses": deployment.proxy is not None,
            }
            processes.append(
                subprocess.Popen(
                    [PYTHON, __file__, "--worker", json.dumps(spec)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        outputs = []
        for process in processes:
            try:
                out, _ = process.communicate(timeout=args.duration + 180)
            except subprocess.TimeoutExpired:
                process.kill()
                out, _ = process.communicate()
            outputs.append(out)
    elapsed = time.monotonic() - started
    app_cpu = app_cpu_s(deployment) - app_cpu_start
    app_wait = waited_s(app_waits_start, app_waits(deployment))
    client_cpu = 0.0
    lat: list[float] = []
    kinds: Counter = Counter()
    errors: Counter = Counter()
    counts = Counter()
    for out in outputs:
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if not lines:
            errors["client process failed"] += 1
            continue
        seen = json.loads(lines[-1])
        lat += seen["latencies_ms"]
        kinds.update(seen["kinds"])
        errors.update(seen["errors"])
        for key in ("busy", "proxy_limited", "rate_limited"):
            counts[key] += seen[key]
        client_cpu += seen.get("cpu_s", 0.0)
    return {
        "visitors": visitors,
        "clients": clients,
        "duration_s": round(elapsed, 1),
        "think_s": args.think,
        "replies": len(lat),
        "throughput_rps": round(len(lat) / elapsed, 2),
        "latency_p50_ms": round(percentile(lat, 50), 1),
        "latency_p95_ms": round(percentile(lat, 95), 1),
        "latency_mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "latencies_ms": lat,
        "errors": sum(errors.values()),
        "error_types": dict(errors),
        "busy": counts["busy"],
        "proxy_limited": counts["proxy_limited"],
        "rate_limited": counts["rate_limited"],
        "kinds": dict(kinds),
        "app_cpu_s": round(app_cpu, 1),
        "client_cpu_s": round(client_cpu, 1),
        "app_runqueue_wait_s": round(app_wait, 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_peak_mb": round(sampler.peak, 1),
        "spread": spread(deployment),
        "load_before": before["load"],
        "load_after": machine()["load"],
    }


BENCH_ENV = {
    # Lifted so that the load meets the app's capacity, not its per-visitor limits.
    "CLINICBOT_RATE_LIMIT_PER_MINUTE": "100000",
    "CLINICBOT_RATE_LIMIT_CLIENT_MESSAGES": "100000/minute",
    # Short, so that "after the load" sees idle sessions expire within --settle.
    "CLINICBOT_SESSION_IDLE_MINUTES": "0.5",
}


def rotated(levels: list[int], r: int) -> list[int]:
    """Round r's order: each level starts a round once, so none always follows another."""
    shift = r % len(levels)
    return levels[shift:] + levels[:shift]


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One level over its rounds: the median round's replies/s (a burst of the machine's
    other work in one round does not decide it), percentiles over all its replies, sums."""
    lat = [ms for f in rounds for ms in f["latencies_ms"]]
    total = {key: sum(f[key] for f in rounds) for key in SUMMED}
    return {
        "visitors": rounds[0]["visitors"],
        "rounds_rps": [f["throughput_rps"] for f in rounds],
        "throughput_rps": round(statistics.median(f["throughput_rps"] for f in rounds), 2),
        "latency_p50_ms": round(percentile(lat, 50), 1),
        "latency_p95_ms": round(percentile(lat, 95), 1),
        **total,
        "rss_start_mb": min(f["rss_start_mb"] for f in rounds),
        "rss_peak_mb": max(f["rss_peak_mb"] for f in rounds),
        "loads": [f"{f['load_before'].split()[0]}→{f['load_after'].split()[0]}" for f in rounds],
    }


SUMMED = (
    "replies",
    "busy",
    "errors",
    "app_cpu_s",
    "client_cpu_s",
    "app_runqueue_wait_s",
    "duration_s",
)


def warm_up(deployment: Deployment, questions: list[str]) -> None:
    """Each question once, one at a time, per instance: the app's lazily loaded parts (the
    spelling corrector, triage's paths, the store's statements) are in memory before "before"
    is read, so "after" measures what the load left behind, not the first use of a feature."""
    for instance in deployment.instances:
        client = QueueClient(instance.url, timeout=120)
        for question in questions:
            client.ask(question)
        client.close()
    time.sleep(2)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        return worker_main(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", choices=("direct", "proxy"), default="direct")
    parser.add_argument("--instances", type=int, default=2, help="app instances behind nginx")
    parser.add_argument("--visitors", default="50,200,500", help="levels, comma-separated")
    parser.add_argument("--clients", type=int, default=2, help="client processes per level")
    parser.add_argument("--client-nice", type=int, default=0, help="client processes' nice")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of every level, interleaved; median"
    )
    parser.add_argument("--think", type=float, default=3.5, help="mean think time, seconds")
    parser.add_argument("--settle", type=float, default=60.0, help="idle seconds before 'after'")
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "bench" / "clinic-index")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval/dev-questions.jsonl")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra app setting"
    )
    parser.add_argument("--startup-timeout", type=float, default=480.0)
    args = parser.parse_args()
    levels = [int(v) for v in args.visitors.split(",")]
    if not all(1 <= v <= 2000 for v in levels):
        parser.error("--visitors: each level 1-2000")
    if args.topology == "proxy" and not Path(NGINX).is_file():
        parser.error(f"{NGINX} is missing: apt-get install -y nginx (or make test's setup)")

    questions = [json.loads(line)["question"] for line in args.questions.open() if line.strip()]
    env = BENCH_ENV | dict(item.split("=", 1) for item in args.env)
    ensure_index(args.index)
    workroot = Path(tempfile.mkdtemp(prefix="bench-load-"))
    info = machine()
    print(f"machine: {info['nproc']} x {info['cpu']}, {info['memory']}; load {info['load']}")
    print(
        f"levels {levels} visitors x {args.duration:.0f} s x {args.rounds} rounds interleaved, "
        f"think {args.think} s, "
        f"{args.clients} client processes; topology {args.topology}"
    )
    print(f"app env: {env}; logs in {workroot}", flush=True)
    with contextlib.ExitStack() as stack:
        if args.topology == "proxy":
            url = stack.enter_context(pg_schema("bench_"))
            run([PYTHON, "-m", "bot.store.migrate", "--database-url", url])
        else:
            url = f"sqlite:///{workroot / 'clinic.sqlite3'}"
        count = args.instances if args.topology == "proxy" else 1
        deployment = start(
            args.topology,
            count,
            args.topology == "proxy",
            args.index,
            url,
            workroot / args.topology,
            env,
            args.startup_timeout,
        )
        stack.callback(deployment.stop)
        rss_first = rss_mb(deployment)
        warm_up(deployment, questions)
        rss_idle = rss_mb(deployment)
        rounds: dict[int, list[dict[str, Any]]] = {v: [] for v in levels}
        for r in range(args.rounds):
            for visitors in rotated(levels, r):
                figures = level(deployment, visitors, args, questions)
                rounds[visitors].append(figures)
                shown = {k: v for k, v in figures.items() if k != "latencies_ms"}
                print(json.dumps({"round": r + 1, **shown}), flush=True)
                time.sleep(5)  # the queue drains; the next level starts from quiet
        results = [combine(rounds[v]) for v in levels]
        time.sleep(args.settle)
        rss_after = rss_mb(deployment)
    end = machine()

    best = max(f["throughput_rps"] for f in results) or 1.0
    print()
    print(
        "| visitors | replies/s per round | median replies/s | share of best | p50 ms | p95 ms "
        "| replies | busy (503) | errors | app CPU ms per reply | app CPU % | app waiting "
        "for a CPU % | client CPU % | RSS start → peak MB | 1-min load per round |"
    )
    print("|---" * 15 + "|")
    for f in results:
        seconds = f["duration_s"]
        print(
            f"| {f['visitors']} | {', '.join(str(x) for x in f['rounds_rps'])} | "
            f"{f['throughput_rps']} | {f['throughput_rps'] / best:.2f} | "
            f"{f['latency_p50_ms']:.0f} | {f['latency_p95_ms']:.0f} | {f['replies']} | "
            f"{f['busy']} | {f['errors']} | "
            f"{1000 * f['app_cpu_s'] / max(1, f['replies']):.1f} | "
            f"{100 * f['app_cpu_s'] / seconds:.0f} | "
            f"{100 * f['app_runqueue_wait_s'] / seconds:.0f} | "
            f"{100 * f['client_cpu_s'] / seconds:.0f} | "
            f"{f['rss_start_mb']:.0f} → {f['rss_peak_mb']:.0f} | {', '.join(f['loads'])} |"
        )
    idle_s = float(env.get("CLINICBOT_SESSION_IDLE_MINUTES", 30)) * 60
    print(
        f"RSS: {rss_first:.0f} MB after the first question, {rss_idle:.0f} MB after the "
        f"warm-up pass ({len(questions)} questions, one at a time) = before the load; "
        f"{rss_after:.0f} MB {args.settle:.0f} s after the load "
        f"({rss_after / rss_idle:.2f}x before; sessions expire after {idle_s:.0f} s idle, "
        f"checked every {min(60.0, idle_s / 2):.0f} s)"
    )
    share = {f["visitors"]: f["throughput_rps"] / best for f in results}
    print(
        "replies/s vs the run's peak: "
        + ", ".join(f"{v} visitors {r:.2f}" for v, r in share.items())
        + f"; load average at start {info['load']}, at end {end['load']}"
    )
    if any(f["errors"] for f in results):
        print(f"errors: the app logs are kept in {workroot}")
    else:
        shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
