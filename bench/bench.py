"""Measure what the toolkit costs and gives, on a lab host it makes and removes.

Provisioning (a fresh site.yml, a run that changes nothing, a deploy), then
serving on the host: uvicorn alone on loopback with 1 and N workers, HTTPS
through Caddy, and through Nginx after switching the same host to it. Writes
bench/results/<date>.json, bench/results/latest.md, bench/results/serving.png,
and the table of docs/measurements.md between its markers.

Traffic goes only to the lab host, over the lab's bridge, or stays on the
host's loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
INVENTORY = ROOT / "bench/inventory"
# A balancer, two app hosts and a database host, for rolling deploys.
FLEET = ROOT / "bench/fleet"
RESULTS = ROOT / "bench/results"
REPORT = ROOT / "docs/measurements.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# Serving and the single-host times are measured on the first host; the
# others only show how provisioning times grow with the number of hosts.
HOSTS = list(yaml.safe_load((INVENTORY / "hosts.yml").read_text())["web"]["hosts"])
FIRST = HOSTS[0]


def playbook(
    path: str,
    *extra: str,
    limit: str | None = FIRST,
    task_times: Path | None = None,
    inventory: Path = INVENTORY,
) -> None:
    """Run a playbook against the bench inventory; its output goes to the log.

    With task_times, the run writes each task's wall time there (callback_plugins/).
    """
    command = ["ansible-playbook", "-i", str(inventory), str(ROOT / path), *extra]
    if limit:
        command += ["--limit", limit]
    env = dict(os.environ)
    if task_times:
        env |= {
            "ANSIBLE_CALLBACK_PLUGINS": str(ROOT / "bench/callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "task_times",
            "BENCH_TASK_TIMES": str(task_times),
        }
    print("+", " ".join(command[1:]), flush=True)
    with open(RESULTS / "bench.log", "a") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)


def timed(
    path: str, *extra: str, limit: str | None = FIRST, task_times: Path | None = None
) -> float:
    start = time.monotonic()
    playbook(path, *extra, limit=limit, task_times=task_times)
    return round(time.monotonic() - start, 1)


# Actions that run on the controller alone: no round trip to the host.
CONTROLLER_ACTIONS = {
    "assert",
    "debug",
    "fail",
    "meta",
    "set_fact",
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "include_vars",
    "validate_argument_spec",
}


# How many of a run's longest tasks the results name.
LONGEST_TASKS = 6


def task_profile(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """How a run's time splits between tasks that reach the host and the rest."""
    ran = [task for task in tasks if not task.get("skipped")]
    on_host = [
        task
        for task in ran
        if task["action"].rsplit(".", 1)[-1] not in CONTROLLER_ACTIONS and not task["delegated"]
    ]
    return {
        "tasks": len(tasks),
        "skipped": len(tasks) - len(ran),
        "on_host": len(on_host),
        "on_host_s": round(sum(task["seconds"] for task in on_host), 1),
        "rest_s": round(
            sum(task["seconds"] for task in tasks) - sum(task["seconds"] for task in on_host), 1
        ),
        # Where the time goes: the tasks that took longest, host or controller.
        "longest": [
            {"name": task["name"], "seconds": task["seconds"]}
            for task in sorted(ran, key=lambda task: task["seconds"], reverse=True)[:LONGEST_TASKS]
        ],
    }


def spread(values: Sequence[float]) -> dict[str, Any]:
    """The median of repeated measurements, with their least and greatest."""
    return {
        "values": list(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def serving(path: Path) -> list[dict[str, Any]]:
    """The setups measured by serve.yml, each with its figures summarised."""
    measured = json.loads(path.read_text())
    cpus = int(measured["facts"]["cpus"])
    setups = []
    for setup in measured["setups"]:
        runs = setup["runs"]
        rps = [run["requests"] / run["duration_us"] * 1e6 for run in runs]
        setups.append(
            {
                "name": setup["name"],
                "workers": setup["workers"],
                "rps": spread([round(value) for value in rps]),
                "p50_ms": spread([run["p50_us"] / 1000 for run in runs]),
                "p99_ms": spread([run["p99_us"] / 1000 for run in runs]),
                "max_ms": spread([run["max_us"] / 1000 for run in runs]),
                "requests": sum(run["requests"] for run in runs),
                "errors": sum(
                    run[kind]
                    for run in runs
                    for kind in ("connect", "read", "write", "timeout", "status")
                ),
                "memory_mb": memory(setup["processes"]),
                # The share of the host's CPU time that the load generator took.
                "load_cpu_share": spread(
                    [
                        round(run["load_cpu_s"] / (run["duration_us"] / 1e6) / cpus, 2)
                        for run in runs
                    ]
                ),
            }
        )
    return [
        {
            "facts": measured["facts"],
            "connections": measured["connections"],
            "seconds": measured["seconds"],
        },
        *setups,
    ]


def memory(processes: list[str]) -> dict[str, float]:
    """Resident memory of one app worker and of the whole front, in MB, from `ps` lines."""
    app: list[tuple[int, str]] = []
    front: list[tuple[int, str]] = []
    for line in processes:
        owner, rss, args = line.split(None, 2)
        (front if owner == "front" else app).append((int(rss), args))
    # With several workers the first process is uvicorn's supervisor.
    workers = [rss for rss, args in app if "spawn_main" in args] or [rss for rss, _ in app]
    result = {"worker": round(statistics.median(workers) / 1024, 1)} if workers else {}
    if front:
        result["front"] = round(sum(rss for rss, _ in front) / 1024, 1)
    return result


# hey's load in load.yml: 8 connections x 20 requests/s.
LOAD_PER_SECOND = 160


def under_load(
    name: str, url: str, seconds: float, event: list[str] | None, scratch: Path
) -> dict[str, Any]:
    """Requests failed and latencies while EVENT (a playbook and its options) runs.

    hey logs only the requests that got an answer: those it sent and that got
    none (refused, reset, timed out) are the difference with what it was told
    to send.
    """
    sent = int(seconds * LOAD_PER_SECOND)
    playbook(
        "bench/load.yml",
        "-e",
        "bench_step=start",
        "-e",
        f"bench_url={url}",
        "-e",
        f"bench_requests={sent}",
    )
    # Let the load settle before the event.
    time.sleep(3)
    took = timed(*event) if event else 0.0
    log = scratch / f"{name}.csv"
    playbook("bench/load.yml", "-e", "bench_step=collect", "-e", f"bench_output={log}")
    answered = []
    for row in log.read_text().splitlines()[1:]:
        fields = row.split(",")
        latency, status, offset = float(fields[0]), int(fields[6]), float(fields[7])
        answered.append((offset, latency, status))
    ok = [latency for _, latency, status in answered if status == 200]
    # The longest request in each tenth of a second, for the plot.
    timeline: dict[int, float] = {}
    for offset, latency, _ in answered:
        tenth = int(offset * 10)
        timeline[tenth] = max(timeline.get(tenth, 0.0), latency)
    return {
        "sent": sent,
        "failed": sent - len(ok),
        "max_ms": round(max(ok) * 1000) if ok else None,
        "p99_ms": round(statistics.quantiles(ok, n=100)[98] * 1000, 1) if len(ok) > 1 else None,
        "event_s": took,
        "timeline": [
            [tenth / 10, round(latency * 1000, 1)] for tenth, latency in sorted(timeline.items())
        ],
    }


def restart(unit: str) -> list[str]:
    """The playbook and options that restart UNIT on the host."""
    return ["bench/load.yml", "-e", "bench_step=restart", "-e", f"bench_unit={unit}"]


def disruption(reps: int, deploy_s: float, scratch: Path) -> dict[str, Any]:
    """Failed and longest requests during deploys, rollbacks and restarts, and without."""
    front, usual = f"https://{FIRST}/", "http://127.0.0.1:8002/"
    cases: dict[str, tuple[str, float, list[str] | None]] = {
        "toolkit, no event": (front, 20, None),
        "toolkit: deploy.yml, a new release": (
            front,
            deploy_s + 20,
            ["playbooks/deploy.yml", "-e", "app__redeploy=true"],
        ),
        "toolkit: rollback.yml": (front, deploy_s + 20, ["playbooks/rollback.yml"]),
        # What the toolkit does itself when settings or secrets change.
        "toolkit: deploy.yml, a new secret": (
            front,
            deploy_s + 20,
            # A new value each time: {rep} is the repetition.
            ["playbooks/deploy.yml", "-e", '{"app__secrets": {"BENCH_SECRET": "{rep}"}}'],
        ),
        # Today's restart without the handover: connections wait in the socket's backlog.
        "toolkit's unit: plain systemctl restart": (front, 20, restart("server.service")),
        "usual unit, no event": (usual, 20, None),
        "usual unit: systemctl restart": (usual, 20, restart("usual-uvicorn.service")),
    }
    playbook("bench/usual.yml")
    results: dict[str, Any] = {}
    for case, (url, seconds, event) in cases.items():
        runs = [
            under_load(
                f"{len(results)}-{rep}",
                url,
                seconds,
                [arg.replace("{rep}", str(rep)) for arg in event] if event else None,
                scratch,
            )
            for rep in range(reps)
        ]
        results[case] = {
            "url": url,
            "failed": spread([run["failed"] for run in runs]),
            "sent": [run["sent"] for run in runs],
            "max_ms": spread([run["max_ms"] for run in runs if run["max_ms"] is not None]),
            "p99_ms": spread([run["p99_ms"] for run in runs if run["p99_ms"] is not None]),
            "event_s": spread([run["event_s"] for run in runs]),
            # The run with the longest request, drawn in the plot.
            "timeline": max(runs, key=lambda run: run["max_ms"] or 0)["timeline"],
        }
    return results


def measure(reps: int) -> dict[str, Any]:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.log").write_text("")
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
        "controller": {"cpus": os.cpu_count(), "kernel": platform.release()},
    }
    with tempfile.TemporaryDirectory() as scratch:
        try:
            playbook("playbooks/lab.yml", limit=None)
            redeploy = ("playbooks/deploy.yml", "-e", "app__redeploy=true")
            fresh = timed("site.yml")
            noop_times = Path(scratch, "noop-tasks.json")
            noop = [timed("site.yml", task_times=noop_times) for _ in range(reps)]
            noop_profile = task_profile(json.loads(noop_times.read_text()))
            deploy_times = Path(scratch, "deploy-tasks.json")
            deploy = [timed(*redeploy, task_times=deploy_times) for _ in range(reps)]
            deploy_profile = task_profile(json.loads(deploy_times.read_text()))
            # The same on every host at once: Ansible runs the hosts in parallel.
            others = "!" + FIRST
            fresh_others = timed("site.yml", limit=others)
            noop_all = [timed("site.yml", limit=None) for _ in range(reps)]
            deploy_all = [timed(*redeploy, limit=None) for _ in range(reps)]
            playbook("playbooks/lab.yml", "-e", "lab__state=absent", limit=others)
            caddy_file = Path(scratch, "caddy.json")
            playbook(
                "bench/serve.yml",
                "-e",
                f"bench_output={caddy_file}",
                "-e",
                f"bench_reps={reps}",
                "-e",
                '{"bench_setups": ["uvicorn", "front"]}',
            )
            disrupted = disruption(reps, statistics.median(deploy), Path(scratch))
            switch = timed("site.yml", "-e", "proxy__server=nginx", "-e", "proxy__tls=selfsigned")
            nginx_file = Path(scratch, "nginx.json")
            playbook(
                "bench/serve.yml",
                "-e",
                f"bench_output={nginx_file}",
                "-e",
                f"bench_reps={reps}",
                "-e",
                '{"bench_setups": ["front"]}',
            )
            # A Django project beside the bundled server: its workers' memory and speed.
            django_file = Path(scratch, "django.json")
            playbook("site.yml", "-e", json.dumps(django_settings()))
            playbook(
                "bench/serve.yml",
                "-e",
                f"bench_output={django_file}",
                "-e",
                f"bench_reps={reps}",
                "-e",
                '{"bench_setups": ["uvicorn"], "app__name": "mysite"}',
            )
        finally:
            playbook("playbooks/lab.yml", "-e", "lab__state=absent", limit=None)
        results["fleet"] = fleet(reps)
        caddy_how, *caddy_setups = serving(caddy_file)
        nginx_how, *nginx_setups = serving(nginx_file)
        _, *django_setups = serving(django_file)
    results["how"] = caddy_how | {"nginx": nginx_how["facts"]["nginx"]}
    results["serving"] = caddy_setups + nginx_setups
    results["django"] = django_setups
    results["disruption"] = disrupted
    hosts = len(HOSTS)
    results["provisioning_s"] = {
        "site.yml on a fresh lab host": spread([fresh]),
        f"site.yml on {hosts - 1} fresh lab hosts at once": spread([fresh_others]),
        "site.yml again, nothing to change": spread(noop),
        f"site.yml again on {hosts} hosts, nothing to change": spread(noop_all),
        "deploy.yml, a new release": spread(deploy),
        f"deploy.yml on {hosts} hosts, a new release": spread(deploy_all),
        "site.yml switching the front from Caddy to Nginx": spread([switch]),
    }
    # The last repetition of each, task by task.
    results["provisioning_tasks"] = {
        "site.yml again, nothing to change": noop_profile,
        "deploy.yml, a new release": deploy_profile,
    }
    return results


def fleet(reps: int) -> dict[str, Any]:
    """Rolling deploys of a new release on the fleet, under steady HTTPS load.

    The load (tools/https-load, 4 kept-alive connections) goes to the
    balancer; each of its failed requests is counted.
    """
    balancer = yaml.safe_load((FLEET / "hosts.yml").read_text())["lb"]["hosts"]
    name, host = next(iter(balancer.items()))
    domain = yaml.safe_load((FLEET / "group_vars/lb.yml").read_text())["proxy__domain"]
    durations: list[float] = []
    failed: list[int] = []
    sent: list[int] = []
    try:
        playbook("playbooks/lab.yml", limit=None, inventory=FLEET)
        playbook("site.yml", limit=None, inventory=FLEET)
        for _ in range(reps):
            load = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "tools/https-load"),
                    *("--address", host["ansible_host"], "--name", domain),
                    *("--cacert", str(ROOT / f".lab/ca/{name}.crt")),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(2)
            start = time.monotonic()
            playbook(
                "playbooks/deploy.yml", "-e", "app__redeploy=true", limit=None, inventory=FLEET
            )
            durations.append(round(time.monotonic() - start, 1))
            time.sleep(2)
            load.terminate()
            report = json.loads(load.communicate()[0])
            failed.append(len(report["failures"]))
            sent.append(report["requests"])
    finally:
        playbook("playbooks/lab.yml", "-e", "lab__state=absent", limit=None, inventory=FLEET)
    return {
        "hosts": {"lb": 1, "web": 2, "db": 1},
        "rolling_deploy_s": spread(durations),
        "failed": failed,
        "sent": sent,
    }


def django_settings() -> dict[str, Any]:
    """site.yml's settings for the test suite's Django project, as a second app on the host.

    The front stays Nginx, as the serving measurements left it.
    """
    return {
        "app__name": "mysite",
        "app__source": str(ROOT / "tests/apps/mysite"),
        "app__module": "mysite.asgi:application",
        "app__migrate_command": "python -m django migrate --noinput",
        "app__health_path": "/healthz/",
        # wrk asks uvicorn alone at 127.0.0.1.
        "app__env": {
            "DJANGO_SETTINGS_MODULE": "mysite.settings",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        },
        "app__secrets": {"DJANGO_SECRET_KEY": secrets.token_urlsafe(40)},
        "proxy__server": "nginx",
        "proxy__tls": "selfsigned",
    }


def ratios(results: dict[str, Any]) -> dict[str, float]:
    """Each setup's median requests/s over uvicorn alone's with the same workers."""
    setups = results["serving"]
    alone = {
        setup["workers"]: setup["rps"]["median"]
        for setup in setups
        if setup["name"].startswith("uvicorn alone")
    }
    out = {
        setup["name"]: round(setup["rps"]["median"] / alone[setup["workers"]], 2)
        for setup in setups
        if setup["workers"] in alone and not setup["name"].startswith("uvicorn alone")
    }
    one = alone.get(1)
    many = max(alone)
    if one and many > 1:
        out[f"replication efficiency rps({many}) / ({many} x rps(1))"] = round(
            alone[many] / (many * one), 2
        )
    return out


def markdown(results: dict[str, Any], images: str = "bench/results") -> str:
    """The report's text; IMAGES is the plots' directory, relative to where it goes."""
    how = results["how"]
    facts = how["facts"]
    reps = len(results["serving"][0]["rps"]["values"])
    controller_cpus = results["controller"]["cpus"]
    lines = [
        f"Measured by `make bench` on {results['date']}: one lab host"
        f" (Debian {facts['debian']}, {facts['cpus']} CPUs) on a {controller_cpus}-core machine."
        f" wrk {facts['wrk']} runs on the host itself with one thread and {how['connections']}"
        f" keep-alive connections for {how['seconds']} s, so the load generator, the front and"
        " the workers share the same CPUs."
        f" uvicorn {facts['uvicorn']} (Python {facts['python']}, uvloop and httptools),"
        f" Caddy {facts['caddy'] or '-'}, Nginx {how['nginx'] or '-'}."
        f" `GET /` of the bundled server; median of {reps} runs, lowest and highest in brackets."
        ' "CPU taken by wrk": the share of the host\'s CPU time that wrk used itself'
        " (its rusage), which the front and the workers did not have.",
        "",
        "| Setup | Workers | Requests/s | p50 ms | p99 ms | max ms | Errors"
        " | MB per worker | MB front | CPU taken by wrk | vs uvicorn alone |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratio = ratios(results)
    for setup in results["serving"]:
        rps = setup["rps"]
        mem = setup["memory_mb"]
        cells = [
            setup["name"],
            setup["workers"],
            f"{rps['median']:,} ({rps['min']:,}–{rps['max']:,})",
            f"{setup['p50_ms']['median']:.1f}",
            f"{setup['p99_ms']['median']:.1f}",
            f"{setup['max_ms']['median']:.0f}",
            f"{setup['errors']} of {setup['requests']:,}",
            mem.get("worker", "-"),
            mem.get("front", "-"),
            f"{setup['load_cpu_share']['median']:.0%}" if "load_cpu_share" in setup else "-",
            f"{ratio[setup['name']]}×" if setup["name"] in ratio else "-",
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines.append("")
    for name, value in ratio.items():
        if name.startswith("replication efficiency "):
            formula = name.removeprefix("replication efficiency ")
            lines += [f"Replication efficiency of uvicorn alone, {formula}: {value}.", ""]
    for setup in results.get("django", []):
        lines += [
            f"The Django project of the tests (`tests/apps/mysite`, `GET /` answering JSON) under"
            f" uvicorn alone with {setup['workers']} worker(s), measured the same way:"
            f" {setup['rps']['median']:,} requests/s"
            f" ({setup['rps']['min']:,}–{setup['rps']['max']:,}),"
            f" p99 {setup['p99_ms']['median']:.1f} ms, {setup['errors']} errors,"
            f" {setup['memory_mb'].get('worker', '-')} MB per worker.",
            "",
        ]
    disrupted = results.get("disruption", {})
    if disrupted:
        lines += [
            f"Under steady load ({LOAD_PER_SECOND} requests/s from hey on the host,"
            " 8 connections) while the event runs from the controller: the toolkit's front"
            " over HTTPS, and the usual unit (uvicorn binding 127.0.0.1:8002 with the same"
            " workers, as deployment guides write it).",
            "",
            "| Event | Requests failed | Longest request ms | Longer than with no event, ms"
            " | p99 ms | Event took s |",
            "|---|---|---|---|---|---|",
        ]
        over = longer_than_quiet(disrupted)
        for name, case in disrupted.items():
            lines.append(
                f"| {name} | {range_text(case['failed'])} of {max(case['sent']):,}"
                f" | {range_text(case['max_ms'])} | {over.get(name, '-')}"
                f" | {range_text(case['p99_ms'])} | {range_text(case['event_s'])} |"
            )
        lines += ["", f"![Latency during a deploy and a restart]({images}/disruption.png)", ""]
    rolling = results.get("fleet")
    if rolling:
        seconds = rolling["rolling_deploy_s"]
        lines += [
            "A fleet of lab hosts (one Caddy balancer, two app hosts, one PostgreSQL host):"
            f" `deploy.yml -e app__redeploy=true`, one app host after the other, took"
            f" {seconds['median']} s ({seconds['min']}–{seconds['max']}) in"
            f" {len(seconds['values'])} runs, under steady HTTPS load on the balancer"
            " (tools/https-load, 4 connections):"
            f" {sum(rolling['failed'])} of {sum(rolling['sent']):,} requests failed.",
            "",
        ]
    lines += ["| Provisioning the lab host | Seconds (median, lowest–highest) |", "|---|---|"]
    for name, seconds in results["provisioning_s"].items():
        lines.append(f"| {name} | {seconds['median']} ({seconds['min']}–{seconds['max']}) |")
    for name, profile in results.get("provisioning_tasks", {}).items():
        each = profile["on_host_s"] / profile["on_host"] if profile["on_host"] else 0
        lines += [
            "",
            f"{name} (its last run, task by task): {profile['tasks']} tasks, {profile['skipped']}"
            f" of them skipped; the {profile['on_host']} that reached the host took"
            f" {profile['on_host_s']} s ({each:.2f} s each), all the others {profile['rest_s']} s.",
        ]
        if profile.get("longest"):
            longest = ", ".join(
                f"{task['name']} ({task['seconds']:.2f} s)" for task in profile["longest"]
            )
            lines[-1] += f" The longest: {longest}."
    lines += ["", f"![Requests/s per setup]({images}/serving.png)"]
    return "\n".join(lines) + "\n"


def longer_than_quiet(disrupted: dict[str, Any]) -> dict[str, float]:
    """How much longer each event's longest request was than the same server's with no event.

    Medians over the repetitions; the cases without an event (event_s 0) are the references.
    """
    quiet = {
        case["url"]: case["max_ms"]["median"]
        for case in disrupted.values()
        if not case["event_s"]["max"]
    }
    return {
        name: case["max_ms"]["median"] - quiet[case["url"]]
        for name, case in disrupted.items()
        if case["event_s"]["max"] and case["url"] in quiet
    }


def range_text(figure: dict[str, Any]) -> str:
    """A median with its lowest and highest, as the tables print them."""
    if figure["min"] == figure["max"]:
        return f"{figure['median']:g}"
    return f"{figure['median']:g} ({figure['min']:g}–{figure['max']:g})"


def plot_disruption(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.5))
    for name, case in results["disruption"].items():
        if case["timeline"]:
            seconds, latency = zip(*case["timeline"], strict=True)
            axes.plot(seconds, latency, label=name, linewidth=1)
    axes.set_yscale("log")
    axes.set_xlabel("seconds since the load started (each event starts 3 s in)")
    axes.set_ylabel("longest answered request per 0.1 s, ms")
    axes.set_title("Failed requests are not drawn: see the table")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setups = results["serving"]
    names = [setup["name"] for setup in setups]
    medians = [setup["rps"]["median"] for setup in setups]
    low = [setup["rps"]["median"] - setup["rps"]["min"] for setup in setups]
    high = [setup["rps"]["max"] - setup["rps"]["median"] for setup in setups]
    figure, axes = plt.subplots(figsize=(8, 3.5))
    axes.barh(names, medians, xerr=[low, high], color="#4c72b0", capsize=4)
    axes.invert_yaxis()
    axes.set_xlabel("requests/s (median; bars: lowest to highest)")
    axes.set_title(
        f"GET / on one lab host, {results['how']['facts']['cpus']} CPUs, wrk on the host"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write(results: dict[str, Any]) -> None:
    day = results["date"][:10]
    (RESULTS / f"{day}.json").write_text(
        json.dumps(results | {"ratios": ratios(results)}, indent=2) + "\n"
    )
    table = markdown(results)
    (RESULTS / "latest.md").write_text(table)
    plot(results, RESULTS / "serving.png")
    if results.get("disruption"):
        plot_disruption(results, RESULTS / "disruption.png")
    report(results, REPORT)


def report(results: dict[str, Any], path: Path) -> None:
    """Put the results' table between the markers of PATH."""
    text = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        sys.exit(f"{path.name} lacks the markers {BEGIN} and {END}")
    table = markdown(results, images=os.path.relpath(RESULTS, path.parent))
    path.write_text(pattern.sub(lambda _: f"{BEGIN}\n{table}{END}", text))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument(
        "--reps", type=int, default=3, help="repetitions of each measurement (at least 3)"
    )
    parser.add_argument(
        "--report", type=Path, help="only rewrite the report from this results file"
    )
    parser.add_argument(
        "--fleet-only",
        type=Path,
        metavar="RESULTS",
        help="measure the fleet alone, into this earlier results file",
    )
    args = parser.parse_args(argv)
    if args.report:
        write(json.loads(args.report.read_text()))
        return 0
    if args.reps < 3:
        parser.error("--reps must be 3 or more: the report gives a median and a spread")
    if args.fleet_only:
        (RESULTS / "bench.log").write_text("")
        write(json.loads(args.fleet_only.read_text()) | {"fleet": fleet(args.reps)})
    else:
        write(measure(args.reps))
    print((RESULTS / "latest.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
