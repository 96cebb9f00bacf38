"""End-to-end overhead of `guardc proxy` over Streamable HTTP, per
`tools/call`, and the proxy's memory over many calls.

    python3 tests/proxy/bench_overhead.py [--calls N] [--rss-calls M] [--guardc PATH]

Starts @modelcontextprotocol/server-everything with its `streamableHttp`
transport and `guardc proxy --listen ... --upstream ...` in front of it
(policy: tests/proxy/everything.guard, with the decision log written to a
file as in production), opens one MCP session on each, and sends N
sequential `echo` calls over one kept-alive HTTP connection (one call in
flight at a time, as an agent makes them): directly to the server, then
through the proxy, alternating in blocks so that drift of the machine
affects both alike. Prints the median and 90th percentile round trip of
each and the median difference. Then sends M more calls through the proxy
and prints its resident memory (VmRSS) after every tenth of them: flat
means no per-call leak.

The stdio transport's figures come from tests/proxy/bench.py; the
enforcement core alone from `cargo bench -p guard-proxy --bench proxy`.
Not part of the test suite: timings depend on the machine."""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"{what} did not listen on port {port}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


class Client:
    """One MCP session over one kept-alive HTTP/1.1 connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.session = None
        self.next_id = 0
        self.rpc("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "bench", "version": "1"}})
        self.notify("notifications/initialized")

    def headers(self) -> dict:
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.session:
            h["Mcp-Session-Id"] = self.session
            h["MCP-Protocol-Version"] = "2025-06-18"
        return h

    def notify(self, method: str) -> None:
        self.conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "method": method}),
                          self.headers())
        r = self.conn.getresponse()
        r.read()

    def rpc(self, method: str, params: dict) -> dict:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.conn.request("POST", "/mcp", json.dumps(body), self.headers())
        r = self.conn.getresponse()
        self.session = r.getheader("mcp-session-id") or self.session
        text = r.read().decode()
        if r.status != 200:
            sys.exit(f"{method}: HTTP {r.status}: {text[:200]}")
        if (r.getheader("content-type") or "").startswith("text/event-stream"):
            for line in text.splitlines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    if msg.get("id") == self.next_id:
                        return msg
            sys.exit(f"{method}: no answer in the event stream")
        return json.loads(text)

    def echo(self, i: int) -> float:
        start = time.perf_counter()
        msg = self.rpc("tools/call", {"name": "echo", "arguments": {"message": f"m{i}"}})
        elapsed = time.perf_counter() - start
        if "result" not in msg or msg["result"].get("isError"):
            sys.exit(f"echo failed: {msg}")
        return elapsed


def summary(name: str, xs: list[float]) -> str:
    xs = sorted(xs)
    p90 = xs[int(len(xs) * 0.9)]
    return f"{name:8} median {statistics.median(xs) * 1e6:8.1f} µs   p90 {p90 * 1e6:8.1f} µs   ({len(xs)} calls)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=5000, help="timed calls on each path")
    ap.add_argument("--rss-calls", type=int, default=100_000, help="calls for the memory check")
    ap.add_argument("--guardc", default=str(ROOT / "target" / "release" / "guardc"))
    args = ap.parse_args()
    node = HERE / "node_modules" / ".bin" / "mcp-server-everything"
    if not node.is_file():
        sys.exit(f"{node} is missing: run .ci/install-proxy")
    if not Path(args.guardc).is_file():
        sys.exit(f"{args.guardc} is missing: cargo build --release -p guardc")

    up_port, px_port = free_port(), free_port()
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            up = subprocess.Popen([str(node), "streamableHttp"], env={**os.environ, "PORT": str(up_port)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(up)
            wait_for_port(up_port, up, "server-everything")
            px = subprocess.Popen([args.guardc, "proxy", "--policy", str(HERE / "everything.guard"),
                                   "--tool-prefix", "everything.", "--log", str(Path(tmp) / "log.jsonl"),
                                   "--listen", f"127.0.0.1:{px_port}",
                                   "--upstream", f"http://127.0.0.1:{up_port}/mcp"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(px)
            wait_for_port(px_port, px, "guardc proxy")
            direct, proxied = Client(up_port), Client(px_port)
            for i in range(200):  # warm-up: JIT, connection pools
                direct.echo(i)
                proxied.echo(i)
            d, p = [], []
            block = 100
            for start in range(0, args.calls, block):
                n = min(block, args.calls - start)
                d += [direct.echo(start + i) for i in range(n)]
                p += [proxied.echo(start + i) for i in range(n)]
            print(summary("direct", d))
            print(summary("proxied", p))
            print(f"overhead median {(statistics.median(p) - statistics.median(d)) * 1e6:.1f} µs per tools/call")
            if args.rss_calls:
                step = max(1, args.rss_calls // 10)
                print(f"proxy RSS before: {rss_kib(px.pid)} KiB")
                t0 = time.monotonic()
                for i in range(args.rss_calls):
                    proxied.echo(i)
                    if (i + 1) % step == 0:
                        print(f"  after {i + 1:7d} calls: {rss_kib(px.pid)} KiB")
                print(f"  ({args.rss_calls} calls in {time.monotonic() - t0:.1f} s)")
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
