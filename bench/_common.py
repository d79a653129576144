"""Helpers shared by the benchmarks: a throw-away instance, a gunicorn server, wrk, and the BENCH line."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BIN = Path(sys.executable).parent


def bench_line(name: str, ratio: float, op: str, goal: float) -> str:
    met = {"<=": ratio <= goal, ">=": ratio >= goal, "<": ratio < goal, ">": ratio > goal}[op]
    return f"BENCH {name} ratio={ratio:.3f} goal={op}{goal:g} met={'yes' if met else 'no'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url(schema: str) -> str | None:
    url = os.environ.get("SAIPING_BENCH_POSTGRES_URL") or os.environ.get("SAIPING_TEST_POSTGRES_URL")
    if not url:
        return None
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def instance(database_url: str | None = None):
    """A fresh instance folder (and SQLite file unless ``database_url``), migrated; yields its environment."""
    folder = Path(tempfile.mkdtemp(prefix="saiping-bench-"))
    env = dict(os.environ, SAIPING_INSTANCE_PATH=str(folder), SAIPING_SECRET_KEY="bench",
               SAIPING_DATABASE_URL=database_url or f"sqlite:///{folder / 'bench.db'}")
    subprocess.run([str(PYTHON_BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    try:
        yield env
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 1, worker_class: str = "sync"):
    port = free_port()
    log = open(Path(env["SAIPING_INSTANCE_PATH"]) / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(PYTHON_BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads), "--worker-class",
         worker_class, "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "wsgi:app"],
        cwd=ROOT, env=dict(env, SAIPING_QUIET_REQUESTS="1"), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/livez", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        log.close()
        raise RuntimeError("gunicorn did not start:\n" + Path(log.name).read_text()[-3000:])
    try:
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


def wrk(url: str, *, connections: int, seconds: int, script: str | None = None, threads: int = 2) -> dict:
    """Run wrk; returns requests/s and latency percentiles (ms) parsed from its report."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        if script:
            fh.write(script)
            command += ["-s", fh.name]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99"),
            "non2xx": int(errors.group(1)) if errors else 0, "report": out}
