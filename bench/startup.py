"""Time process start-up: `manage.py check` and a worker's first request, against the floor
of `import weasyprint` (which every worker pays anyway, see docs/performance.md).

    .venv/bin/python bench/startup.py [ROUNDS] [--gunicorn] [--baseline DIR]

ROUNDS defaults to 7. Each round runs every scenario once, in a rotated order (interleaved
A/B, so drift on a shared machine lands on every scenario alike), each in a fresh
interpreter. It prints, per scenario, the median wall time, the median CPU time (user +
sys of the child, much steadier than wall time when other work shares the cores) and
both as a ratio to `import weasyprint`:

  - python:        `python -c pass`, the interpreter alone;
  - weasyprint:    `python -c "import weasyprint"`, the reference;
  - check:         `python manage.py check` (the issue's target: at most 2x weasyprint);
  - first_request: a fresh interpreter that runs django.setup() and fetches the login page
                   with the test Client (no network, no database query), as a worker would;
  - gunicorn:      (with --gunicorn) boot `gunicorn config.wsgi` with one worker and poll
                   until the login page answers 200 (wall time only: two processes);
  - */baseline:    (with --baseline DIR) check and first_request in another checkout, e.g.
                   `git archive COMMIT | tar -x -C DIR`, interleaved with this one.

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


def _run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{args} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(env: dict[str, str]) -> tuple[float, float]:
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
                        return time.perf_counter() - start, float("nan")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.01)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    argv = sys.argv[1:]
    baseline = None
    if "--baseline" in argv:
        at = argv.index("--baseline")
        baseline = Path(argv[at + 1]).resolve()
        del argv[at : at + 2]
    args = [a for a in argv if not a.startswith("--")]
    rounds = int(args[0]) if args else 7
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(tmp)
        scenarios = {
            "python": lambda: _run([PYTHON, "-c", "pass"], env),
            "weasyprint": lambda: _run([PYTHON, "-c", "import weasyprint"], env),
            "check": lambda: _run([PYTHON, "manage.py", "check"], env),
            "first_request": lambda: _run([PYTHON, "-c", FIRST_REQUEST], env),
        }
        if baseline:
            scenarios["check/baseline"] = lambda: _run(
                [PYTHON, "manage.py", "check"], env, cwd=baseline
            )
            scenarios["first_request/baseline"] = lambda: _run(
                [PYTHON, "-c", FIRST_REQUEST], env, cwd=baseline
            )
        if "--gunicorn" in argv:
            scenarios["gunicorn"] = lambda: _gunicorn(env)
        names = list(scenarios)
        for name in names:  # warm the OS file cache and .pyc files; not counted
            scenarios[name]()
        walls: dict[str, list[float]] = {name: [] for name in names}
        cpus: dict[str, list[float]] = {name: [] for name in names}
        for i in range(rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                wall, cpu = scenarios[name]()
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall_ref = statistics.median(walls["weasyprint"])
    cpu_ref = statistics.median(cpus["weasyprint"])
    print(f"{rounds} interleaved rounds, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    columns = (
        ("wall p50", 9),
        ("min", 8),
        ("max", 8),
        ("÷ weasy", 9),
        ("CPU p50", 9),
        ("÷ weasy", 9),
    )
    print(f"{'scenario':<24}" + "".join(f"{title:>{width}}" for title, width in columns))
    for name in names:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(
            f"{name:<24}{wall * 1000:>7.0f}ms{min(walls[name]) * 1000:>6.0f}ms"
            f"{max(walls[name]) * 1000:>6.0f}ms{wall / wall_ref:>8.2f}x"
            + (f"{cpu * 1000:>7.0f}ms{cpu / cpu_ref:>8.2f}x" if cpu == cpu else f"{'—':>9}{'—':>9}")
        )


if __name__ == "__main__":
    main()
