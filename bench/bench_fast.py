"""Ours vs the textbook LangChain pipeline (bench/textbook.py), side by side in one run.

    python bench/bench_fast.py [--medquad] [--runs 5] [--questions 100] [--ingest-runs 3]
                               [--ingest-only]

1. ingest from scratch (fresh index and caches: the encoder export is included), wall time of
   `python ingest.py` vs `python bench/textbook.py build`, alternately --ingest-runs times
   (medians); then ours re-ingesting after a one-page edit, --runs times (median CLI wall time
   and the report's in-process seconds);
2. a cold question from the command line: wall time and peak RSS (median of --runs):
   `python -m bot.ask --index DIR --json Q` vs `python bench/textbook.py ask DIR Q`;
3. the app: spawn to the first answer over HTTP (gradio_client `/ask`), then --questions more
   answers (warm p50/p95 as the client sees them) and the server's RSS after them; then the
   next --questions - 1 questions over the chat page's own protocol (httpx: queue/join + event
   stream), without gradio_client's per-call overhead. Every question is asked once (the clinic
   dev questions, then answer-dev's).
Prints the machine's load average before and after each part.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
from benchlib import stop_app

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PY = sys.executable
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "CLINICBOT_RATE_LIMIT_PER_MINUTE": "100000"}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (bytes) and stdout of one command run to its end."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd} exited with {proc.returncode}")
    return elapsed, usage.ru_maxrss * 1024, out


def questions(medquad: bool) -> list[str]:
    path = SHARED / ("corpora/medquad" if medquad else "eval") / "dev-questions.jsonl"
    return [json.loads(line)["question"] for line in path.open() if line.strip()]


def distinct_questions() -> list[str]:
    """The clinic dev questions, then answer-dev's, each once: a repeated question would be
    answered from ours' cache of recent question vectors and flatter ours."""
    texts = questions(False)
    path = SHARED / "eval" / "answer-dev.jsonl"
    texts += [json.loads(line)["question"] for line in path.open() if line.strip()]
    return list(dict.fromkeys(texts))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_run(
    cmd: list[str], port: int, asked: list[str], workdir: Path, page_asked: list[str]
) -> dict:
    """Spawn an app, time it to its first answer, ask the rest, read its RSS, then time
    `page_asked` over the chat page's protocol, stop it."""
    from gradio_client import Client

    started = time.perf_counter()
    log = (workdir / f"app-{port}.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**ENV, "CLINICBOT_DATA_DIR": str(workdir)},
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None or time.perf_counter() - started > 300:
                raise SystemExit(f"{cmd} did not start; see {log.name}")
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        client = Client(url, verbose=False)
        client.predict(asked[0], api_name="/ask")
        first = time.perf_counter() - started
        warm = []
        for q in asked[1:]:
            t = time.perf_counter()
            client.predict(q, api_name="/ask")
            warm.append((time.perf_counter() - t) * 1000)
        rss = psutil.Process(proc.pid).memory_info().rss
        client.close()
        page = page_protocol_times(url, page_asked)
    finally:
        stop_app(proc, log)
    warm.sort()
    return {
        "first_answer_s": first,
        "rss_mb": rss / 1e6,
        "p50_ms": statistics.median(warm),
        "p95_ms": warm[int(0.95 * (len(warm) - 1))],
        "page_p50_ms": statistics.median(page),
        "page_p95_ms": page[int(0.95 * (len(page) - 1))],
        "answers": len(asked),
    }


def page_protocol_times(url: str, asked: list[str]) -> list[float]:
    """Warm answers as the chat page's browser asks them (POST queue/join, then read the
    queue/data event stream to the result), in ms, sorted: gradio_client adds tens of ms of
    its own per call (threads, job polling) that a browser does not, and which both apps share."""
    import uuid

    with httpx.Client(timeout=30) as http:
        config = http.get(url + "/config").json()
        dep = next(d for d in config["dependencies"] if d["api_name"] == "ask")
        trigger = dep["targets"][0][0] if dep["targets"] else None
        times = []
        for question in asked:
            session_hash = uuid.uuid4().hex[:11]
            body = {"data": [question], "fn_index": dep["id"], "trigger_id": trigger,
                    "session_hash": session_hash, "event_data": None}  # fmt: skip
            t = time.perf_counter()
            event_id = http.post(url + "/gradio_api/queue/join", json=body).json()["event_id"]
            params = {"session_hash": session_hash}
            with http.stream("GET", url + "/gradio_api/queue/data", params=params) as stream:
                done = next(m for m in event_messages(stream, event_id) if _completed(m))
            if not done.get("success"):
                raise SystemExit(f"{url}: the app failed to answer {question!r}")
            times.append((time.perf_counter() - t) * 1000)
    return sorted(times)


def event_messages(stream: httpx.Response, event_id: str) -> Iterator[dict]:
    """The server-sent messages of one queued event (and the queue's own, without an id)."""
    data = (json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:"))
    yield from (m for m in data if m.get("event_id") in (event_id, None))


def _completed(message: dict) -> bool:
    return message.get("msg") == "process_completed"


def row(name: str, ours: float, textbook: float, unit: str, digits: int = 2) -> None:
    ratio = ours / textbook if textbook else float("nan")
    print(f"| {name} | {ours:,.{digits}f} {unit} | {textbook:,.{digits}f} {unit} | {ratio:.2f} |")


def ingest_pair(name: str, knowledge: Path, work: Path, runs: int) -> None:
    """Ours and the textbook pipeline from scratch, alternately, `runs` times (fresh index
    directories and caches each time: ours includes its one-time ONNX export); medians."""
    times: dict[str, list[float]] = {"ours": [], "textbook": []}
    for i in range(runs):
        suffix = "" if i == 0 else f"-{i}"
        ours, textbook = (
            work / f"ours-{knowledge.name}{suffix}",
            work / f"textbook-{knowledge.name}{suffix}",
        )
        print(f"<!-- ingest {name} run {i + 1}: load before {load()} -->", flush=True)
        cmd = [PY, "ingest.py", "--knowledge", str(knowledge), "--index", str(ours)]
        times["ours"].append(timed(cmd)[0])
        times["textbook"].append(
            timed([PY, "bench/textbook.py", "build", str(knowledge), str(textbook)])[0]
        )
        print(f"<!-- run {i + 1}: ours {times['ours'][-1]:.1f} s, textbook "
              f"{times['textbook'][-1]:.1f} s; load after {load()} -->", flush=True)  # fmt: skip
    o, t = statistics.median(times["ours"]), statistics.median(times["textbook"])
    row(f"ingest {name} from scratch (median of {runs})", o, t, "s", 1)


def one_page_edits(name: str, knowledge: Path, index: Path, work: Path, runs: int) -> None:
    """`runs` one-page edits: the first page gains a line, then loses it again, alternately
    (each run is a one-page change against the version then served); median wall time."""
    edited = work / f"edited-{knowledge.name}"
    shutil.copytree(knowledge, edited, dirs_exist_ok=True)
    page = sorted(edited.glob("*.md"))[0]
    original = (knowledge / page.name).read_text()
    walls, inside = [], []
    print(f"<!-- one-page edits {name}: load before {load()} -->", flush=True)
    for i in range(runs):
        extra = "\n\nThis line was added by the benchmark.\n" if i % 2 == 0 else ""
        page.write_text(original + extra)
        cmd = [PY, "ingest.py", "--knowledge", str(edited), "--index", str(index), "--json"]
        wall, _, out = timed(cmd)
        report = json.loads(out)
        assert len(report["pages_changed"]) == 1, report["pages_changed"]
        walls.append(wall)
        inside.append(report["seconds"])
    wall, seconds = statistics.median(walls), statistics.median(inside)
    print(f"| ingest {name}, one page edited: `ingest.py` wall (in process), median of {runs} | "
          f"{wall:.2f} s ({seconds:.2f} s) | | |")  # fmt: skip
    print(f"<!-- load after {load()} -->", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--medquad", action="store_true", help="MedQuAD (1,009 pages) too")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--skip-ingest", type=Path, help="reuse this workdir's indexes")
    parser.add_argument("--ingest-runs", type=int, default=1, help="from-scratch ingest pairs")
    parser.add_argument(
        "--ingest-only", action="store_true", help="part 1 only (MedQuAD only with --medquad)"
    )
    args = parser.parse_args()
    work = args.skip_ingest or Path(tempfile.mkdtemp(prefix="bench-fast-"))
    print(f"workdir {work}; machine: {os.cpu_count()} CPUs, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB")  # fmt: skip
    print("| figure | ours | textbook | ours / textbook |")
    print("|---|---|---|---|")
    corpora = {"knowledge/": ROOT / "knowledge"}
    if args.medquad:
        pages = work / "medquad-pages"
        if not pages.exists():
            make = SHARED / "corpora" / "medquad" / "make_pages.py"
            subprocess.run([PY, str(make), str(pages)], check=True, capture_output=True)
        corpora["MedQuAD"] = pages
    for name, knowledge in corpora.items():
        if args.skip_ingest or (args.ingest_only and args.medquad and name != "MedQuAD"):
            continue
        ingest_pair(name, knowledge, work, args.ingest_runs)
        one_page_edits(name, knowledge, work / f"ours-{knowledge.name}", work, args.runs)
    if args.ingest_only:
        return 0

    pool = distinct_questions()
    asked = pool[: args.questions]
    page_asked = pool[args.questions : 2 * args.questions - 1] or asked[1:]
    ours, textbook = work / "ours-knowledge", work / "textbook-knowledge"
    print(f"<!-- cold CLI: load before {load()} -->")
    cold = {"ours": [], "textbook": []}
    for _ in range(args.runs):
        cold["ours"].append(timed([PY, "-m", "bot.ask", "--index", str(ours), "--json", asked[0]]))
        cold["textbook"].append(timed([PY, "bench/textbook.py", "ask", str(textbook), asked[0]]))
    for i, (label, unit, scale) in enumerate((("wall", "s", 1), ("peak RSS", "MiB", 2**20))):
        o = statistics.median(r[i] for r in cold["ours"]) / scale
        t = statistics.median(r[i] for r in cold["textbook"]) / scale
        row(f"cold question from the CLI, {label} (median of {args.runs})", o, t, unit)
    print(f"<!-- load after {load()} -->")

    print(f"<!-- app: load before {load()} -->")
    p1, p2 = free_port(), free_port()
    app_cmd = [PY, "app.py", "--index", str(ours), "--port", str(p1),
               "--database-url", f"sqlite:///{work / 'clinic.sqlite3'}"]  # fmt: skip
    a = app_run(app_cmd, p1, asked, work, page_asked)
    textbook_cmd = [PY, "bench/textbook.py", "serve", str(textbook), str(p2)]
    b = app_run(textbook_cmd, p2, asked, work, page_asked)
    row("app: spawn to first answer over HTTP", a["first_answer_s"], b["first_answer_s"], "s")
    row(f"app: RSS after {len(asked)} answers", a["rss_mb"], b["rss_mb"], "MB", 0)
    row("app: warm answer p50 over HTTP", a["p50_ms"], b["p50_ms"], "ms", 1)
    row("app: warm answer p95 over HTTP", a["p95_ms"], b["p95_ms"], "ms", 1)
    row("app: warm answer p50, the page's protocol", a["page_p50_ms"], b["page_p50_ms"], "ms", 1)
    row("app: warm answer p95, the page's protocol", a["page_p95_ms"], b["page_p95_ms"], "ms", 1)
    print(f"<!-- load after {load()} -->")
    if not args.skip_ingest:
        print(f"(indexes kept in {work}; rerun parts 2-3 with --skip-ingest {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
