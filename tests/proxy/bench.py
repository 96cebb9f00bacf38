"""Proxy overhead per tools/call (issue 6's target: at most 50 µs median
over calling the server directly) and the proxy's memory over many calls.

    python3 tests/proxy/bench.py [--calls N] [--guardc PATH]

Opens two sessions with @modelcontextprotocol/server-everything, one
direct and one through `guardc proxy --policy everything.guard`, and sends
N `echo` calls to each, alternating (one in flight at a time, as an agent
makes them, and both sessions under the same load). Prints the median and
90th percentile round trip of each and the overhead: the median of the
paired differences — and the proxy's own CPU time per call, which,
unlike the round trips, does not move with the machine's load. With --rss it also prints the proxy's resident memory
after every tenth of the calls. Not part of the test suite: timings depend
on the machine."""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of `pid` so far (schedstat), in ns."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


class Session:
    """One MCP stdio session, spoken to with raw JSON-RPC lines."""

    def __init__(self, cmd: list[str]):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0)
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                              "clientInfo": {"name": "bench", "version": "1"}}})
        self.answer(0)
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, msg):
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())

    def answer(self, want):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the server closed the stream")
            msg = json.loads(line)
            if msg.get("id") == want:
                return msg

    def echo(self, i: int) -> float:
        """One call's round trip, in seconds."""
        t0 = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                   "params": {"name": "echo", "arguments": {"message": f"hello {i}"}}})
        msg = self.answer(i)
        elapsed = time.perf_counter() - t0
        if "error" in msg or msg["result"].get("isError"):
            raise RuntimeError(f"call {i} failed: {msg}")
        return elapsed

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--guardc", default=os.environ.get("GUARDC", str(HERE.parents[1] / "target/release/guardc")))
    ap.add_argument("--rss", action="store_true")
    ap.add_argument("--log", default="/dev/null", help="the proxy's decision log")
    args = ap.parse_args()
    server = [str(HERE / "node_modules/.bin/mcp-server-everything")]
    proxy = [args.guardc, "proxy", "--policy", str(HERE / "everything.guard"),
             "--tool-prefix", "everything.", "--log", args.log, "--", *server]
    direct, proxied = Session(server), Session(proxy)
    for i in range(1, 201):  # warm-up
        direct.echo(i)
        proxied.echo(i)
    # Calls alternate between the two sessions, so both see the same load
    # on the machine; the overhead is the median of the paired differences.
    d, p, memory = [], [], []
    cpu0 = cpu_ns(proxied.proc.pid)
    for i in range(1, args.calls + 1):
        d.append(direct.echo(i))
        p.append(proxied.echo(i))
        if args.rss and i % max(1, args.calls // 10) == 0:
            memory.append(rss_kib(proxied.proc.pid))
    cpu = (cpu_ns(proxied.proc.pid) - cpu0) / args.calls
    direct.close()
    proxied.close()
    for name, t in (("direct", d), ("proxied", p)):
        q = statistics.quantiles(t, n=10)
        print(f"{name:8} median {statistics.median(t) * 1e6:8.1f} µs   p90 {q[-1] * 1e6:8.1f} µs")
    diffs = [b - a for a, b in zip(d, p)]
    print(f"overhead: median of paired differences {statistics.median(diffs) * 1e6:.1f} µs, "
          f"difference of medians {(statistics.median(p) - statistics.median(d)) * 1e6:.1f} µs")
    print(f"proxy CPU time per call (all its threads): {cpu / 1000:.1f} µs")
    if memory:
        print("proxy RSS (KiB) at each tenth:", memory)

if __name__ == "__main__":
    main()
