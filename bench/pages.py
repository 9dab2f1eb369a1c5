"""Query counts and latency of every list page at clinic sizes, against a minimal signed-in
page (the password form: sign-in, session, base template, no app query).

    .venv/bin/python bench/pages.py [--sizes 100,10000] [--rounds 15] [--clients 8]
                                     [--requests 20] [--keep DIR] [--no-gunicorn]

For each size N a SQLite database is made in DIR/N (kept with --keep, so a second run
skips the seeding) by `manage.py migrate` and `seed_demo --scale N`, whose wall time is
printed. A child process per size then measures, in one interleaved run:

  - uncontended: each page through Django's test Client (no network), ROUNDS rounds in a
    rotated order; the query count of each page, its p50 and p95, and p50 ÷ minimal page;
  - contended (unless --no-gunicorn): gunicorn with 2 sync workers on a free port, CLIENTS
    threads each fetching a page REQUESTS times, page and minimal page in alternating
    bursts; p50, p95 and the ratio of p50s.

DEBUG=1 (no secrets needed) and MFA_ENFORCED=0 (the bench signs in with force_login).
Figures drift on a shared machine: compare the ratios of one run.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MINIMAL = "minimal (password form)"


def _env(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        MFA_ENFORCED="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{directory}/db.sqlite3",
        PRIVATE_STORAGE_ROOT=f"{directory}/private",
        LOG_LEVEL="WARNING",
    )
    return env


def _seed(directory: Path, size: int) -> None:
    if (directory / "db.sqlite3").exists():
        print(f"N={size}: reusing {directory}")
        return
    directory.mkdir(parents=True, exist_ok=True)
    env = _env(directory)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", "seed_demo", "--scale", str(size)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"N={size}: seed_demo --scale {size} took {time.perf_counter() - start:.1f} s")


# --- In the child: one database, Django set up ------------------------------------------


def _measure(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from audit.models import AuditEntry
    from intake.models import Clinic, Patient
    from intake.views import SEARCH_SESSION_KEY

    clinic = Clinic.objects.get()
    user, _ = get_user_model().objects.get_or_create(username="bench")
    user.groups.set(Group.objects.all())  # every list page, with each role's scoping
    clinic.staff.add(user)
    older = AuditEntry.objects.order_by("-id").values_list("id", flat=True)[50]
    surname = Patient.objects.order_by("-id").values_list("last_name", flat=True).first()

    plain, searching = Client(SERVER_NAME="localhost"), Client(SERVER_NAME="localhost")
    plain.force_login(user)
    searching.force_login(user)
    session = searching.session
    session[SEARCH_SESSION_KEY] = surname.lower()
    session.save()
    pages = {
        MINIMAL: (plain, reverse("password_change")),
        "home": (plain, reverse("home")),
        "patient list": (plain, reverse("intake:patient-list")),
        "patient list p.2": (plain, reverse("intake:patient-list") + "?page=2"),
        f"name search ({surname})": (searching, reverse("intake:patient-list")),
        "work queue": (plain, reverse("appeals:work-queue")),
        "work queue p.2": (plain, reverse("appeals:work-queue") + "?page=2"),
        "appeals dashboard": (plain, reverse("appeals:dashboard")),
        "audit report": (plain, reverse("audit:report")),
        "audit report, older": (plain, reverse("audit:report") + f"?before={older}"),
    }
    queries, times = {}, {name: [] for name in pages}
    for name, (client, url) in pages.items():  # warm up; count queries once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {url} answered {response.status_code}")
        queries[name] = len(captured.captured_queries)
    names = list(pages)
    for i in range(args.rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            client, url = pages[name]
            start = time.perf_counter()
            client.get(url)
            times[name].append(time.perf_counter() - start)
    print(f"\nN={Patient.objects.count()} patients, {AuditEntry.objects.count()} audit entries")
    print(f"uncontended, {args.rounds} interleaved rounds (Django test Client)")
    print(f"{'page':<30}{'queries':>8}{'p50':>9}{'p95':>9}{'÷ minimal':>11}")
    reference = statistics.median(times[MINIMAL])
    for name in names:
        p50, p95 = statistics.median(times[name]), _p95(times[name])
        print(
            f"{name:<30}{queries[name]:>8}{p50 * 1000:>7.1f}ms{p95 * 1000:>7.1f}ms"
            f"{p50 / reference:>10.2f}x"
        )
    if not args.no_gunicorn:
        cookies = {
            "plain": f"sessionid={plain.cookies['sessionid'].value}",
            "search": f"sessionid={searching.cookies['sessionid'].value}",
        }
        _contended(args, pages, cookies, searching)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def _contended(args, pages, cookies, searching) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        + ["config.wsgi"],
        cwd=ROOT,
        env=os.environ,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(base + "/accounts/login/", server)

        def burst(url: str, cookie: str) -> list[float]:
            samples: list[float] = []
            lock = threading.Lock()

            def client() -> None:
                for _ in range(args.requests):
                    request = urllib.request.Request(base + url, headers={"Cookie": cookie})
                    start = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                        response.read()
                        assert response.status == 200, response.status
                    with lock:
                        samples.append(time.perf_counter() - start)

            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return samples

        print(
            f"\n{args.clients} concurrent clients x {args.requests} requests, gunicorn 2 sync "
            "workers; each page's burst alternates with a minimal-page burst"
        )
        print(f"{'page':<30}{'p50':>9}{'p95':>9}{'min. p50':>10}{'÷ minimal':>11}")
        minimal_url = pages[MINIMAL][1]
        for name, (client, url) in pages.items():
            if name == MINIMAL:
                continue
            cookie = cookies["search" if client is searching else "plain"]
            reference, page = [], []
            for _ in range(2):  # A B A B
                reference += burst(minimal_url, cookies["plain"])
                page += burst(url, cookie)
            p50, ref = statistics.median(page), statistics.median(reference)
            print(
                f"{name:<30}{p50 * 1000:>7.0f}ms{_p95(page) * 1000:>7.0f}ms"
                f"{ref * 1000:>8.0f}ms{p50 / ref:>10.2f}x"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen) -> None:
    while True:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=120):  # noqa: S310
                return
        except OSError:
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--no-gunicorn", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        for size in (int(s) for s in args.sizes.split(",")):
            directory = (root / str(size)).resolve()
            _seed(directory, size)
            child = [PYTHON, __file__, "--measure", str(directory)]
            child += [f"--rounds={args.rounds}", f"--clients={args.clients}"]
            child += [f"--requests={args.requests}"]
            child += ["--no-gunicorn"] if args.no_gunicorn else []
            subprocess.run(child, cwd=ROOT, env=_env(directory), check=True)


if __name__ == "__main__":
    main()
