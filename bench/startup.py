"""Time process start-up: `manage.py check` and a worker's first request, against the floor
of `import weasyprint` (which every worker pays anyway, see docs/performance.md).

    .venv/bin/python bench/startup.py [ROUNDS] [--gunicorn]     (ROUNDS defaults to 7)

Each round runs every scenario once, in a rotated order (interleaved A/B, so drift on a
shared machine lands on every scenario alike), each in a fresh interpreter. It prints the
median wall time of each scenario and its ratio to `import weasyprint`:

  - python:        `python -c pass`, the interpreter alone;
  - weasyprint:    `python -c "import weasyprint"`, the reference;
  - check:         `python manage.py check` (the issue's target: at most 2x weasyprint);
  - first_request: a fresh interpreter that runs django.setup() and fetches the login page
                   with the test Client (no network, no database query), as a worker would;
  - gunicorn:      (with --gunicorn) boot `gunicorn config.wsgi` with one worker and poll
                   until the login page answers 200.

DEBUG=1 is set so no secrets are needed; the database is a throwaway SQLite path (the
login page doesn't query it). Figures drift between runs on a shared machine: compare the
ratios printed by one run.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

FIRST_REQUEST = """
import django
django.setup()
from django.test import Client
response = Client(SERVER_NAME="localhost").get("/accounts/login/")
assert response.status_code == 200, response.status_code
"""


def _env(tmp: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        PRIVATE_STORAGE_ROOT=f"{tmp}/private",
        LOG_LEVEL="WARNING",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(env: dict[str, str]) -> float:
    """Boot to first 200 on the login page; the server is stopped by its own pid."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/accounts/login/"
    args = [PYTHON, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    start = time.perf_counter()
    server = subprocess.Popen([*args, "config.wsgi"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError("gunicorn exited before answering")
            try:
                # Connections wait in the listen backlog while the worker boots.
                with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310
                    if response.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.01)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(args[0]) if args else 7
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(tmp)
        scenarios = {
            "python": lambda: _run([PYTHON, "-c", "pass"], env),
            "weasyprint": lambda: _run([PYTHON, "-c", "import weasyprint"], env),
            "check": lambda: _run([PYTHON, "manage.py", "check"], env),
            "first_request": lambda: _run([PYTHON, "-c", FIRST_REQUEST], env),
        }
        if "--gunicorn" in sys.argv:
            scenarios["gunicorn"] = lambda: _gunicorn(env)
        names = list(scenarios)
        for name in names:  # warm the OS file cache and .pyc files; not counted
            scenarios[name]()
        samples: dict[str, list[float]] = {name: [] for name in names}
        for i in range(rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                samples[name].append(scenarios[name]())
    reference = statistics.median(samples["weasyprint"])
    print(f"{rounds} interleaved rounds, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'scenario':<15}{'median':>9}{'min':>9}{'max':>9}{'÷ weasyprint':>15}")
    for name in names:
        values = samples[name]
        median = statistics.median(values)
        print(
            f"{name:<15}{median * 1000:>7.0f}ms{min(values) * 1000:>7.0f}ms"
            f"{max(values) * 1000:>7.0f}ms{median / reference:>14.2f}x"
        )


if __name__ == "__main__":
    main()
