#!/usr/bin/env python3
"""lsengine's benchmark suite (run it with bench/run.sh; results are described in docs/benchmarks.md).

Everything runs on this machine against one nginx worker on 127.0.0.1, started and stopped here.
On a machine with two or more cores nginx is pinned to CPU 1 and every load generator to CPU 0,
so each side has a core of its own and the generators compete on what they cost per request,
not on how the scheduler shares cores. Sections:

  throughput  lsengine (Lua scenario, native replay on one local agent, URL mode), wrk, h2load
              and Locust, one after another, same connections and duration, several rounds;
              requests are counted in nginx's access log, CPU and peak RSS with /usr/bin/time.
  correlated  a 3-step correlated flow (create -> GET by the returned id -> DELETE by it): Lua on one node
              against native replay on one local agent (values extracted and substituted in C++), same
              virtual users and duration, several rounds; nginx's log checks every follow-up used an issued id.
  rate        open-model accuracy at 100, 1k, 10k and 50k arrivals/s, judged by nginx's log.
  latency     what lsengine and wrk report for an endpoint that answers after exactly 50 ms.
  stall       nginx is SIGSTOPped for 1 s during a 1000/s run: response time (from the intended
              start, coordinated omission corrected) against service time, and wrk for contrast.
  memory      resident memory with 10k and 100k idle virtual users.
  merge       the coordinator's cost of merging one second of metrics from 200 agents
              (Google Benchmark program lse_merge_bench).
  million     a million virtual users over 10 local agents against the demo target: capture time, plan
              bytes per virtual user and the peak RSS of every process (coordinator, agents, broker).

Only the Python standard library is used. Exit status: 0 when every section ran, 1 otherwise.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SECTIONS = ["throughput", "correlated", "rate", "latency", "stall", "memory", "merge", "million"]


# ---------------------------------------------------------------- helpers

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cmd, cpu):
    """cmd, run on one CPU when the machine has several (taskset from util-linux)."""
    if cpu is None:
        return cmd
    return ["taskset", "-c", str(cpu)] + cmd


class Timed:
    """Result of a command run under /usr/bin/time: wall, CPU and peak RSS of it and its children."""

    def __init__(self, cmd, rc, out, err, wall, user, sys_, maxrss_kb):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err
        self.wall, self.user, self.sys, self.maxrss_kb = wall, user, sys_, maxrss_kb

    @property
    def cpu(self):
        return self.user + self.sys


def run_timed(cmd, cpu=None, timeout=600, env=None):
    """Runs cmd; CPU time covers every descendant it waited for (lsengine's agents and broker too)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-o", tf.name, "-f", "%e %U %S %M"] + pinned(cmd, cpu)
        p = subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=env)
        fields = tf.read().strip().splitlines()[-1].split()
    wall, user, sys_, rss = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return Timed(cmd, p.returncode, p.stdout, p.stderr, wall, user, sys_, rss)


def require_ok(t, what):
    if t.rc != 0:
        raise RuntimeError(f"{what} failed (exit {t.rc}): {' '.join(t.cmd)}\n{t.err[-3000:]}\n{t.out[-2000:]}")


def pct(a, b):
    return 100.0 * a / b if b else float("nan")


def fmt_ms_us(us):
    return f"{us / 1000:.2f} ms" if us is not None else "-"


# ---------------------------------------------------------------- nginx

class Nginx:
    """One nginx worker on 127.0.0.1 with the bench config; its access log is the referee."""

    def __init__(self, workdir, cpu):
        self.workdir = workdir
        self.cpu = cpu
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, "access.log")
        self.proc = None

    def start(self):
        os.makedirs(os.path.join(self.workdir, "tmp"), exist_ok=True)
        with open(os.path.join(HERE, "nginx.conf.in")) as f:
            conf = f.read().replace("@WORKDIR@", self.workdir).replace("@PORT@", str(self.port))
        conf_path = os.path.join(self.workdir, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        # Own process group: the stall section stops and continues the whole server at once.
        self.proc = subprocess.Popen(pinned(["nginx", "-c", conf_path, "-p", self.workdir], self.cpu),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/item", timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start; see " + os.path.join(self.workdir, "error.log"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGCONT)
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def freeze(self):
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def thaw(self):
        os.killpg(self.proc.pid, signal.SIGCONT)

    def flush(self):
        """Makes nginx write its buffered log lines (USR1 reopens, and so flushes, the log)."""
        os.kill(self.proc.pid, signal.SIGUSR1)
        time.sleep(0.6)

    def mark(self):
        self.flush()
        return os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0

    def lines_since(self, mark, uri=None):
        """[(time_s, status)] of requests logged after mark, optionally only for one URI."""
        return [(t, st) for t, st, u, _ in self.entries_since(mark) if uri is None or u == uri]

    def entries_since(self, mark):
        """[(time_s, status, uri, request_id)] of requests logged after mark."""
        self.flush()
        out = []
        with open(self.log_path, "rb") as f:
            f.seek(mark)
            for raw in f:
                parts = raw.decode("ascii", "replace").split()
                if len(parts) < 4:
                    continue
                out.append((float(parts[0]), int(parts[1]), parts[2], parts[3]))
        return out

    def token(self):
        req = urllib.request.Request(self.url + "/auth/login", method="POST", data=b"")
        return json.loads(urllib.request.urlopen(req, timeout=5).read())["access_token"]


def paced_rate(lines):
    """Requests per second between the first and the last request nginx logged."""
    if len(lines) < 2:
        return 0.0
    span = lines[-1][0] - lines[0][0]
    return (len(lines) - 1) / span if span > 0 else 0.0


# ---------------------------------------------------------------- the runs

class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(os.path.join(args.build_dir, "bin"))
        self.lse = os.path.join(self.bin, "lsengine")
        self.work = os.path.abspath(os.path.join(args.build_dir, "bench-work"))
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.multi_core = (os.cpu_count() or 1) >= 2
        self.gen_cpu = 0 if self.multi_core else None
        self.nginx = Nginx(os.path.join(self.work, "nginx"), 1 if self.multi_core else None)
        self.results = {"machine": machine(), "config": vars(args).copy()}
        self.errors = []

    def scenario(self, name):
        return os.path.join(HERE, "scenarios", name)

    def summary_json(self, name):
        return os.path.join(self.work, name + ".json")

    # -------------------------------------------------------- throughput
    def tool_commands(self, conns, dur, token):
        url = self.nginx.url + "/api/item"
        auth = "Authorization: Bearer " + token
        lua = [self.lse, "run", self.scenario("throughput.lua"), "--target", self.nginx.url, "--threads", "1",
               "--vusers", str(conns), "-d", f"{dur}s", "-q"]
        return [
            ("wrk", ["wrk", "-t1", f"-c{conns}", f"-d{dur}s", "-H", auth, url]),
            ("lsengine (Lua scenario)", lua),
            # The per-iteration instruction budget runs Lua in the interpreter (a compiled loop would ignore the
            # count hook): this row shows what it costs.
            ("lsengine (Lua, --max-instructions 0)", lua + ["--max-instructions", "0"]),
            ("lsengine (replay, 1 agent)", lua + ["--agents", "1"]),
            ("lsengine url", [self.lse, "url", url, "-H", auth, "--vusers", str(conns), "--threads", "1",
                              "-d", f"{dur}s", "-q"]),
            ("h2load (HTTP/1.1)", ["h2load", "--h1", "-t1", f"-c{conns}", "-D", str(dur), "-H", auth, url]),
            ("Locust (FastHttpUser)", ["locust", "-f", os.path.join(HERE, "locustfile.py"), "--headless",
                                       "-u", str(conns), "-r", str(conns), "-t", f"{dur}s", "--host",
                                       self.nginx.url, "--only-summary", "--loglevel", "WARNING"]),
        ]

    def throughput(self):
        a = self.args
        token = self.nginx.token()
        rows = {}
        for rnd in range(a.rounds):
            for name, cmd in self.tool_commands(a.conns, a.duration, token):
                if name.startswith("Locust") and not shutil.which("locust"):
                    continue
                log(f"throughput round {rnd + 1}/{a.rounds}: {name}")
                mark = self.nginx.mark()
                t = run_timed(cmd, self.gen_cpu, timeout=a.duration * 10 + 120)
                require_ok(t, name)
                lines = self.nginx.lines_since(mark, "/api/item")
                ok = sum(1 for _, s in lines if s == 200)
                rows.setdefault(name, []).append({
                    "requests": len(lines), "ok": ok, "rps": paced_rate(lines),
                    "cpu_s": t.cpu, "user_s": t.user, "sys_s": t.sys,
                    # CPU milliseconds per 1000 requests (= CPU microseconds per request).
                    "cpu_ms_per_1k": 1e6 * t.cpu / len(lines) if lines else float("nan"),
                    "peak_rss_mb": t.maxrss_kb / 1024.0, "wall_s": t.wall})
        # Each round runs every tool back to back, so a ratio within a round compares them under the same
        # machine conditions (a shared VM drifts between rounds); the median of the per-round ratios is
        # reported next to the median of each tool's own numbers.
        wrk_runs = rows.get("wrk")
        summary = []
        for name, runs in rows.items():
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            med["tool"] = name
            med["rounds"] = [round(r["rps"]) for r in runs]
            if wrk_runs:
                med["rps_vs_wrk"] = statistics.median(r["rps"] / w["rps"] for r, w in zip(runs, wrk_runs))
                med["cpu_vs_wrk"] = statistics.median(r["cpu_ms_per_1k"] / w["cpu_ms_per_1k"]
                                                      for r, w in zip(runs, wrk_runs))
                med["rounds_vs_wrk"] = [round(r["rps"] / w["rps"], 3) for r, w in zip(runs, wrk_runs)]
            else:
                med["rps_vs_wrk"] = med["cpu_vs_wrk"] = float("nan")
                med["rounds_vs_wrk"] = []
            summary.append(med)
        self.results["throughput"] = {"connections": a.conns, "duration_s": a.duration, "rounds": a.rounds,
                                      "tools": summary}

    # -------------------------------------------------------- correlated flow
    def correlated(self):
        a = self.args
        base = [self.lse, "run", self.scenario("correlated.lua"), "--target", self.nginx.url, "--threads", "1",
                "--vusers", str(a.conns), "-d", f"{a.duration}s", "-q"]
        tools = [("lsengine (Lua, single node)", base), ("lsengine (native replay, 1 agent)", base + ["--agents", "1"])]
        rows = {}
        for rnd in range(a.rounds):
            for name, cmd in tools:
                log(f"correlated round {rnd + 1}/{a.rounds}: {name}")
                mark = self.nginx.mark()
                t = run_timed(cmd, self.gen_cpu, timeout=a.duration * 10 + 120)
                require_ok(t, name)
                entries = self.nginx.entries_since(mark)
                issued = {rid for _, st, uri, rid in entries if uri == "/orders" and st == 201}
                follow = [(uri.rsplit("/", 1)[1], st) for _, st, uri, _ in entries if uri.startswith("/orders/")]
                wrong = sum(1 for oid, _ in follow if oid not in issued)
                failed = sum(1 for _, st in follow if st not in (200, 204))
                if wrong or failed:
                    raise RuntimeError(f"{name}: {wrong} follow-ups used an id no create returned, {failed} failed")
                lines = [(ts, st) for ts, st, _, _ in entries]
                rows.setdefault(name, []).append({
                    "requests": len(lines), "flows": len(issued), "rps": paced_rate(lines),
                    "cpu_s": t.cpu, "cpu_ms_per_1k": 1e6 * t.cpu / len(lines) if lines else float("nan"),
                    "peak_rss_mb": t.maxrss_kb / 1024.0})
        lua_runs, native_runs = rows[tools[0][0]], rows[tools[1][0]]
        summary = []
        for name, runs in rows.items():
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            med["tool"] = name
            # Ratios against the Lua run of the same round (back to back, same machine conditions).
            med["rounds_rps_vs_lua"] = [round(r["rps"] / l["rps"], 3) for r, l in zip(runs, lua_runs)]
            med["rounds_cpu_vs_lua"] = [round(r["cpu_ms_per_1k"] / l["cpu_ms_per_1k"], 3) for r, l in zip(runs, lua_runs)]
            med["rps_vs_lua"] = statistics.median(med["rounds_rps_vs_lua"])
            med["cpu_vs_lua"] = statistics.median(med["rounds_cpu_vs_lua"])
            summary.append(med)
        self.results["correlated"] = {"connections": a.conns, "duration_s": a.duration, "rounds": a.rounds,
                                      "tools": summary,
                                      # Per request: CPU (every process of the run: coordinator, broker and agent
                                      # for the native row). Requests per second only differ while the generator,
                                      # not nginx's one core, is the limit.
                                      "native_cheaper_every_round":
                                      all(n["cpu_ms_per_1k"] < l["cpu_ms_per_1k"] for n, l in zip(native_runs, lua_runs)),
                                      "generator_core_share": {name: [round(r["cpu_s"] / a.duration, 2) for r in runs]
                                                               for name, runs in rows.items()}}

    # -------------------------------------------------------- rate accuracy
    def rate(self):
        a = self.args
        out = []
        for rps in a.rates:
            vusers = max(20, min(1000, rps // 50))
            log(f"rate: {rps}/s for {a.rate_duration}s ({vusers} virtual users)")
            mark = self.nginx.mark()
            js = self.summary_json(f"rate-{rps}")
            t = run_timed([self.lse, "run", self.scenario("rate.lua"), "--target", self.nginx.url, "--threads", "1",
                           "--rps", str(rps), "--vusers", str(vusers), "-d", f"{a.rate_duration}s", "-q",
                           "--summary-json", js], self.gen_cpu, timeout=a.rate_duration * 5 + 120)
            require_ok(t, f"rate {rps}")
            lines = self.nginx.lines_since(mark, "/api/item")
            expected = rps * a.rate_duration
            first = lines[0][0] if lines else 0
            bins = {}
            for ts, _ in lines:
                bins[int(ts - first)] = bins.get(int(ts - first), 0) + 1
            full = [bins.get(i, 0) for i in range(a.rate_duration)]  # whole seconds from the first request
            summary = load_json(js)
            out.append({
                "target_rps": rps, "vusers": vusers, "expected": expected, "nginx_count": len(lines),
                "count_pct": pct(len(lines), expected), "paced_rps": paced_rate(lines),
                "paced_pct": pct(paced_rate(lines), rps),
                "worst_second_pct": max((abs(pct(c, rps) - 100) for c in full[:-1]), default=float("nan")),
                "dropped": scenario_dropped(summary), "cpu_s": t.cpu})
        self.results["rate"] = {"duration_s": a.rate_duration, "runs": out}

    # -------------------------------------------------------- latency accuracy
    def latency(self):
        a = self.args
        log("latency: lsengine at 200/s against echo_sleep 0.05")
        js = self.summary_json("latency")
        t = run_timed([self.lse, "run", self.scenario("latency.lua"), "--target", self.nginx.url, "--threads", "1",
                       "-d", f"{a.rate_duration}s", "-q", "--summary-json", js], self.gen_cpu)
        require_ok(t, "latency (lsengine)")
        req = request_row(load_json(js), "GET /slow50")
        log("latency: wrk -c10 against echo_sleep 0.05")
        w = run_timed(["wrk", "-t1", "-c10", f"-d{a.rate_duration}s", "--latency", self.nginx.url + "/slow50"],
                      self.gen_cpu)
        require_ok(w, "latency (wrk)")
        self.results["latency"] = {"sleep_ms": 50, "lsengine": latency_digest(req), "wrk": wrk_latency(w.out)}

    # -------------------------------------------------------- stall
    def stall(self):
        a = self.args
        dur, rps, vusers = 10, 1000, 50
        log(f"stall: {rps}/s, {vusers} virtual users, nginx stopped for 1 s at t=4s")
        js = self.summary_json("stall")
        nd = os.path.join(self.work, "stall.ndjson")
        cmd = pinned([self.lse, "run", self.scenario("rate.lua"), "--target", self.nginx.url, "--threads", "1",
                      "--rps", str(rps), "--vusers", str(vusers), "-d", f"{dur}s", "-q", "--summary-json", js,
                      "--out", "ndjson=" + nd], self.gen_cpu)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.freeze_after_intervals(nd, 4, proc)
        out, err = proc.communicate(timeout=120)
        if proc.returncode not in (0, 3):
            raise RuntimeError(f"stall run failed ({proc.returncode}): {err[-2000:]}")
        req = request_row(load_json(js), "GET /api/item")
        log("stall: wrk -c50, same stall")
        wcmd = pinned(["wrk", "-t1", f"-c{vusers}", f"-d{dur}s", "--latency", self.nginx.url + "/api/item"],
                      self.gen_cpu)
        wproc = subprocess.Popen(wcmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)
        self.nginx.freeze()
        time.sleep(1.0)
        self.nginx.thaw()
        wout, _ = wproc.communicate(timeout=60)
        self.results["stall"] = {"rps": rps, "vusers": vusers, "duration_s": dur, "stop_s": 1.0,
                                 "lsengine": latency_digest(req), "dropped": scenario_dropped(load_json(js)),
                                 "wrk": wrk_latency(wout)}

    def freeze_after_intervals(self, ndjson, seconds, proc):
        """SIGSTOPs nginx for 1 s once lsengine has reported `seconds` one-second intervals."""
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                with open(ndjson) as f:
                    n = sum(1 for line in f if '"type":"interval"' in line.replace(" ", ""))
            except OSError:
                n = 0
            if n >= seconds:
                self.nginx.freeze()
                time.sleep(1.0)
                self.nginx.thaw()
                return
            time.sleep(0.05)
        raise RuntimeError("the stall run never reported its intervals")

    # -------------------------------------------------------- memory
    def memory(self):
        out = []
        for n in [1] + self.args.idle_vusers:
            log(f"memory: {n} idle virtual users")
            cmd = [self.lse, "run", self.scenario("idle.lua"), "--target", self.nginx.url, "--vusers", str(n),
                   "-d", "10m", "-q"]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Every virtual user is set up once the RSS holds still: the last 2 s of samples within 1%.
            samples = []
            deadline = time.time() + 120
            while time.time() < deadline and proc.poll() is None:
                time.sleep(0.5)
                samples.append(rss_kb(proc.pid))
                last = samples[-5:]
                if len(last) == 5 and min(last) > 0 and max(last) - min(last) <= max(256, min(last) // 100):
                    break
            if proc.poll() is not None or not samples or samples[-1] == 0:
                raise RuntimeError(f"lsengine with {n} idle virtual users ended early (exit {proc.poll()})")
            rss = samples[-1]
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            out.append({"vusers": n, "rss_mb": rss / 1024.0})
        base = out[0]["rss_mb"]
        for r in out[1:]:
            r["bytes_per_vuser"] = (r["rss_mb"] - base) * 1024 * 1024 / (r["vusers"] - 1)
        self.results["memory"] = {"runs": out}

    # -------------------------------------------------------- merge
    def merge(self):
        exe = os.path.join(self.bin, "lse_merge_bench")
        log("merge: lse_merge_bench")
        js = os.path.join(self.work, "merge.json")
        p = subprocess.run([exe, "--benchmark_format=console", "--benchmark_out=" + js,
                            "--benchmark_out_format=json"], capture_output=True, text=True, timeout=900)
        if p.returncode != 0:
            raise RuntimeError("lse_merge_bench failed: " + p.stderr[-2000:])
        self.results["merge"] = {"benchmarks": load_json(js).get("benchmarks", []), "console": p.stdout}

    # -------------------------------------------------------- million
    def million(self):
        """--million-vusers virtual users over --million-agents local agents (issue 16 item 5). Every user logs in
        to the demo target in on_start; the coordinator captures them all and ships each agent its slice. The
        peak RSS of every process of the run (VmHWM) is read from /proc while it runs; the capture time and the
        plan's size come from the coordinator's own lines."""
        n, agents = self.args.million_vusers, self.args.million_agents
        target = DemoTarget(os.path.join(self.bin, "lsengine-demo-target"), os.path.join(self.work, "demo"))
        target.start()
        try:
            log(f"million: {n:,} virtual users over {agents} agents")
            cmd = [self.lse, "run", self.scenario("million.lua"), "--target", target.url, "--agents", str(agents),
                   "--vusers", str(n), "--rps", str(self.args.million_rps), "-d", f"{self.args.million_duration}s",
                   "--summary-json", self.summary_json("million")]
            started = time.time()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            peaks = {}  # pid -> (name, peak kB)
            reader = OutputReader(proc)
            while proc.poll() is None and time.time() - started < self.args.million_timeout:
                for pid in [proc.pid] + descendants(proc.pid):
                    name, hwm = process_peak(pid)
                    if hwm:
                        peaks[pid] = (name, max(hwm, peaks.get(pid, ("", 0))[1]))
                time.sleep(0.2)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
                raise RuntimeError(f"the run did not end within {self.args.million_timeout} s")
            wall = time.time() - started
            err = reader.text()
            if proc.returncode != 0:
                raise RuntimeError(f"the run failed (exit {proc.returncode}): {err[-3000:]}")
            stats = target.stats()
        finally:
            target.stop()
        capture = re.search(r"captured (\d+) virtual users in ([0-9.]+) s", err)
        plan = re.search(r"plan: ([0-9.]+) MB for (\d+) virtual users \((\d+) B each\)(?:; largest agent slice "
                         r"([0-9.]+) MB)?", err)
        summary = load_json(self.summary_json("million"))
        per_process = []
        for pid, (name, kb) in sorted(peaks.items(), key=lambda x: (x[1][0], x[0])):
            per_process.append({"pid": pid, "process": name, "peak_rss_mb": kb / 1024.0})
        agent_rows = [p for p in per_process if p["process"].startswith("lsengine-agen")]
        slice_vusers = n / agents
        for p in agent_rows:
            p["bytes_per_vuser"] = p["peak_rss_mb"] * 1024 * 1024 / slice_vusers
        coord = [p for p in per_process if p["pid"] == proc.pid]
        if coord:
            coord[0]["bytes_per_vuser"] = coord[0]["peak_rss_mb"] * 1024 * 1024 / n
        self.results["million"] = {
            "vusers": n, "agents": agents, "wall_s": wall,
            "capture_s": float(capture.group(2)) if capture else None,
            "captured": int(capture.group(1)) if capture else None,
            "plan_mb": float(plan.group(1)) if plan else None,
            "plan_bytes_per_vuser": int(plan.group(3)) if plan else None,
            "largest_slice_mb": float(plan.group(4)) if plan and plan.group(4) else None,
            "processes": per_process,
            "logins_at_target": stats.get("by_route", {}).get("POST /auth/login", 0),
            "load_requests_at_target": stats.get("total", 0) - stats.get("by_route", {}).get("POST /auth/login", 0),
            "requests_counted": summary.get("totals", {}).get("requests"),
        }


# ---------------------------------------------------------------- parsing

def load_json(path):
    with open(path) as f:
        return json.load(f)


def scenario_dropped(summary):
    return sum(s.get("dropped", 0) for s in summary.get("scenarios", []))


def request_row(summary, name):
    for s in summary.get("scenarios", []):
        for r in s.get("requests", []):
            if r.get("name") == name:
                return r
    raise RuntimeError(f"no request '{name}' in the summary")


def latency_digest(req):
    """Percentiles (µs) of one request row of --summary-json (docs/outputs.md)."""
    def pick(kind):
        h = req.get(kind, {})
        return {"p50_us": h.get("p50"), "p90_us": h.get("p90"), "p99_us": h.get("p99"),
                "p99_9_us": h.get("p99.9"), "max_us": h.get("max")}
    return {"count": req.get("requests"), "errors": req.get("errors"),
            "service": pick("service_time_us"), "response": pick("response_time_us")}


def wrk_latency(text):
    """wrk --latency: the percentile lines, in microseconds, and the request count."""
    unit = {"us": 1, "ms": 1000, "s": 1_000_000}
    out = {}
    for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
        out[f"p{m.group(1)}_us"] = float(m.group(2)) * unit[m.group(3)]
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", text, re.M)
    if m:
        out["max_us"] = float(m.group(1)) * unit[m.group(2)]
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["count"] = int(m.group(1))
    return out


def rss_kb(pid):
    """Resident memory of pid plus its threads (VmRSS), 0 when gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class DemoTarget:
    """lsengine's bundled demo target on 127.0.0.1 (it issues a token per login and counts what it gets)."""

    def __init__(self, exe, workdir):
        self.exe, self.workdir, self.proc, self.url = exe, workdir, None, None

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        self.log_path = os.path.join(self.workdir, "demo.log")
        self.proc = subprocess.Popen([self.exe, "--port", "0", "--quiet"], stdout=open(self.log_path, "w"),
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(self.log_path) as f:
                m = re.search(r"listening on (\S+)", f.read())
            if m:
                self.url = "http://" + m.group(1)
                return
            time.sleep(0.05)
        raise RuntimeError("the demo target did not start; see " + self.log_path)

    def stats(self):
        return json.loads(urllib.request.urlopen(self.url + "/__stats", timeout=30).read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class OutputReader:
    """Drains a process's stdout and stderr on threads (a full pipe would stall it); text() is stderr."""

    def __init__(self, proc):
        import threading
        self.err, self.out = [], []
        self.threads = [threading.Thread(target=lambda: self.out.extend(proc.stdout), daemon=True),
                        threading.Thread(target=lambda: self.err.extend(proc.stderr), daemon=True)]
        for t in self.threads:
            t.start()

    def text(self):
        for t in self.threads:
            t.join(timeout=10)
        return "".join(self.err)


def descendants(pid):
    """Every process below pid (children, their children...), from /proc's parent links."""
    parent = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            parent[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            pass
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        frontier += kids
    return out


def process_peak(pid):
    """(name, peak resident kB so far: VmHWM) of pid; ("", 0) when it is gone."""
    name, hwm = "", 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Name:"):
                    name = line.split()[1]
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return name, hwm


def command_version(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        text = (p.stdout + p.stderr).strip().splitlines()
        return text[0] if text else "?"
    except OSError:
        return "not installed"


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    os_name = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            os_name = m.group(1) if m else "?"
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(), "os": os_name,
        "lsengine_commit": commit + ("+changes" if dirty else ""),
        "nginx": command_version(["nginx", "-v"]), "wrk": command_version(["wrk", "--version"]),
        "h2load": command_version(["h2load", "--version"]),
        "locust": command_version(["dpkg-query", "-W", "-f=${Version}", "python3-locust"]),
    }


# ---------------------------------------------------------------- report

def markdown(res):
    m = res["machine"]
    o = [f"# lsengine benchmark results ({m['date']})", "",
         f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, Linux {m['kernel']}. "
         f"lsengine {m['lsengine_commit']}; {m['nginx']}; {m['wrk']}; {m['h2load']}; locust {m['locust']}.", ""]
    if "throughput" in res:
        t = res["throughput"]
        o += [f"## Throughput ({t['connections']} connections, {t['duration_s']} s per run, {t['rounds']} rounds)", "",
              "Medians over the rounds; \"vs wrk\" is the median of the ratios within each round.", "",
              "| tool | req/s (nginx) | vs wrk | CPU ms / 1k req | vs wrk | peak RSS | req/s vs wrk per round |",
              "|---|---:|---:|---:|---:|---:|---|"]
        for r in t["tools"]:
            o.append(f"| {r['tool']} | {r['rps']:,.0f} | {r['rps_vs_wrk']:.2f}x | {r['cpu_ms_per_1k']:.1f} | "
                     f"{r['cpu_vs_wrk']:.2f}x | {r['peak_rss_mb']:.1f} MB | "
                     f"{', '.join(f'{x:.2f}' for x in r['rounds_vs_wrk'])} |")
        o.append("")
    if "correlated" in res:
        c = res["correlated"]
        o += [f"## Correlated flow: create, GET by id, DELETE by id ({c['connections']} virtual users, "
              f"{c['duration_s']} s per run, {c['rounds']} rounds)", "",
              "Every follow-up used an id a create returned (checked in nginx's log). \"vs Lua\" is the median of "
              "the per-round ratios against the single-node Lua run of the same round.", "",
              "| how | req/s (nginx) | vs Lua | CPU ms / 1k req | vs Lua | peak RSS | CPU vs Lua per round | "
              "req/s vs Lua per round | cores used per round |",
              "|---|---:|---:|---:|---:|---:|---|---|---|"]
        for r in c["tools"]:
            o.append(f"| {r['tool']} | {r['rps']:,.0f} | {r['rps_vs_lua']:.2f}x | {r['cpu_ms_per_1k']:.2f} | "
                     f"{r['cpu_vs_lua']:.2f}x | {r['peak_rss_mb']:.1f} MB | "
                     f"{', '.join(f'{x:.2f}' for x in r['rounds_cpu_vs_lua'])} | "
                     f"{', '.join(f'{x:.2f}' for x in r['rounds_rps_vs_lua'])} | "
                     f"{', '.join(f'{x:.2f}' for x in c['generator_core_share'][r['tool']])} |")
        o += ["", "Native replay cheaper per request (CPU of every process of the run) in every round: "
              f"{'yes' if c['native_cheaper_every_round'] else 'NO'}. A generator using less than its one core "
              "(\"cores used\" under 1.0) is held back by nginx, so its req/s says nothing about its own speed.", ""]
    if "rate" in res:
        r = res["rate"]
        o += [f"## Rate accuracy ({r['duration_s']} s per rate, counted in nginx's access log)", "",
              "| target/s | expected | nginx saw | count | paced rate | worst whole second | dropped |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
        for x in r["runs"]:
            o.append(f"| {x['target_rps']:,} | {x['expected']:,} | {x['nginx_count']:,} | {x['count_pct']:.2f}% | "
                     f"{x['paced_rps']:,.1f}/s ({x['paced_pct']:.2f}%) | ±{x['worst_second_pct']:.2f}% | "
                     f"{x['dropped']} |")
        o.append("")
    if "latency" in res:
        la = res["latency"]
        s, w = la["lsengine"]["service"], la["wrk"]
        o += ["## Latency accuracy (nginx echo_sleep 0.05)", "",
              "| tool | p50 | p90 | p99 | max |", "|---|---:|---:|---:|---:|",
              f"| lsengine (service time) | {fmt_ms_us(s['p50_us'])} | {fmt_ms_us(s['p90_us'])} | "
              f"{fmt_ms_us(s['p99_us'])} | {fmt_ms_us(s['max_us'])} |",
              f"| wrk | {fmt_ms_us(w.get('p50_us'))} | {fmt_ms_us(w.get('p90_us'))} | {fmt_ms_us(w.get('p99_us'))} | "
              f"{fmt_ms_us(w.get('max_us'))} |", ""]
    if "stall" in res:
        st = res["stall"]
        s, r, w = st["lsengine"]["service"], st["lsengine"]["response"], st["wrk"]
        o += [f"## Stall (nginx stopped {st['stop_s']:.0f} s; {st['rps']}/s, {st['vusers']} virtual users)", "",
              "| measure | p50 | p90 | p99 | p99.9 | max |", "|---|---:|---:|---:|---:|---:|",
              f"| lsengine service time | {fmt_ms_us(s['p50_us'])} | {fmt_ms_us(s['p90_us'])} | {fmt_ms_us(s['p99_us'])} | "
              f"{fmt_ms_us(s['p99_9_us'])} | {fmt_ms_us(s['max_us'])} |",
              f"| lsengine response time (CO-corrected) | {fmt_ms_us(r['p50_us'])} | {fmt_ms_us(r['p90_us'])} | "
              f"{fmt_ms_us(r['p99_us'])} | {fmt_ms_us(r['p99_9_us'])} | {fmt_ms_us(r['max_us'])} |",
              f"| wrk (closed loop, -c{st['vusers']}) | {fmt_ms_us(w.get('p50_us'))} | {fmt_ms_us(w.get('p90_us'))} | "
              f"{fmt_ms_us(w.get('p99_us'))} | - | {fmt_ms_us(w.get('max_us'))} |", "",
              f"lsengine requests: {st['lsengine']['count']}, dropped arrivals: {st['dropped']}.", ""]
    if "memory" in res:
        o += ["## Idle virtual users", "", "| virtual users | RSS | bytes per virtual user |", "|---:|---:|---:|"]
        for x in res["memory"]["runs"]:
            per = f"{x['bytes_per_vuser']:,.0f}" if "bytes_per_vuser" in x else "(baseline)"
            o.append(f"| {x['vusers']:,} | {x['rss_mb']:.1f} MB | {per} |")
        o.append("")
    if "merge" in res:
        o += ["## Coordinator merge (lse_merge_bench)", "", "```", res["merge"]["console"].rstrip(), "```", ""]
    if "million" in res:
        x = res["million"]
        fmt = lambda v, f: (f % v) if v is not None else "-"
        o += [f"## A million virtual users ({x['vusers']:,} over {x['agents']} local agents, demo target)", "",
              f"Capture (on_start of every user, its tasks captured): {fmt(x['capture_s'], '%.1f s')} for "
              f"{fmt(x['captured'], '%d')} users; whole run {x['wall_s']:.1f} s. Plan: {fmt(x['plan_mb'], '%.1f MB')}, "
              f"{fmt(x['plan_bytes_per_vuser'], '%d B')} per user; largest agent slice "
              f"{fmt(x['largest_slice_mb'], '%.1f MB')}. The target counted {x['logins_at_target']:,} logins and "
              f"{x['load_requests_at_target']:,} load requests (lsengine: {x['requests_counted']}).", "",
              "| process | pid | peak RSS | bytes per virtual user (its slice) |", "|---|---:|---:|---:|"]
        for p in x["processes"]:
            per = f"{p['bytes_per_vuser']:,.0f}" if "bytes_per_vuser" in p else "-"
            o.append(f"| {p['process']} | {p['pid']} | {p['peak_rss_mb']:.1f} MB | {per} |")
        o.append("")
    if res.get("errors"):
        o += ["## Sections that failed", ""] + [f"- {e}" for e in res["errors"]] + [""]
    return "\n".join(o)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections: " + ", ".join(SECTIONS))
    ap.add_argument("--quick", action="store_true", help="shorter runs (a smoke test of the suite, noisy numbers)")
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--duration", type=int, default=8, help="seconds per throughput run")
    ap.add_argument("--rounds", type=int, default=5, help="throughput rounds (medians are reported)")
    ap.add_argument("--rate-duration", type=int, default=10)
    ap.add_argument("--rates", default="100,1000,10000,50000")
    ap.add_argument("--idle-vusers", default="10000,100000")
    ap.add_argument("--million-vusers", type=int, default=1000000)
    ap.add_argument("--million-agents", type=int, default=10)
    ap.add_argument("--million-rps", type=int, default=2000)
    ap.add_argument("--million-duration", type=int, default=20, help="seconds of load after the capture")
    ap.add_argument("--million-timeout", type=int, default=600, help="seconds the whole million run may take")
    ap.add_argument("--out", default=None, help="markdown results (default: <build-dir>/bench-results.md)")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.rounds, args.rate_duration = 3, 1, 3
        args.million_vusers, args.million_duration = min(args.million_vusers, 100000), 5
    args.rates = [int(x) for x in args.rates.split(",")]
    args.idle_vusers = [int(x) for x in args.idle_vusers.split(",")]
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        ap.error(f"--only: unknown section(s) {', '.join(unknown)} (known: {', '.join(SECTIONS)})")

    bench = Bench(args)
    # A SIGTERM (timeout, Ctrl-C from a wrapper) must still stop nginx: make it unwind like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    bench.nginx.start()
    try:
        for section in only:
            try:
                getattr(bench, section)()
            except Exception as e:  # one failed section must not lose the others' numbers
                log(f"{section}: FAILED: {e}")
                bench.errors.append(f"{section}: {e}")
    finally:
        bench.nginx.stop()
    bench.results["errors"] = bench.errors
    out = args.out or os.path.join(args.build_dir, "bench-results.md")
    text = markdown(bench.results)
    with open(out, "w") as f:
        f.write(text + "\n")
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump(bench.results, f, indent=2, default=str)
    print(text)
    log(f"results: {out} (and .json)")
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())
