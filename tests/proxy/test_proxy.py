"""guardc proxy between the MCP Python SDK's stdio client and real MCP
servers: @modelcontextprotocol/server-filesystem (policy fs.guard),
server-everything (everything.guard) and an MCPServer that misbehaves on
request (crashy_server.py, crashy.guard).

Every test checks what the client sees *and* what happened on the other
side: the file the server would have written, the decision log, the
proxy's exit status and stderr."""

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

from conftest import HERE, decisions, guardc, read_log, run, server

FS_TOOLS = {"read_text_file", "write_file", "create_directory", "list_directory", "list_allowed_directories"}


class Proxy:
    """One proxy run: its flags, its log and its stderr."""

    def __init__(self, tmp: Path, *flags: str, policy: str = "fs.guard", root: Path | None = None,
                 command: list[str] | None = None, name: str = "proxy"):
        self.tmp = tmp
        self.root = root if root is not None else tmp / "root"
        self.root.mkdir(exist_ok=True)
        self.log = tmp / f"{name}.log.jsonl"
        self.stderr = tmp / f"{name}.stderr"
        args = ["proxy", "--policy", str(HERE / policy), "--log", str(self.log)]
        if policy == "fs.guard":
            args += ["--tool-prefix", "filesystem.", "--attr", f"root={self.root}",
                     "--result-channel", "results"]
        args += list(flags)
        args += ["--", *(command or [server("mcp-server-filesystem"), str(self.root)])]
        self.params = StdioServerParameters(command=guardc(), args=args)

    @contextlib.asynccontextmanager
    async def session(self):
        with open(self.stderr, "a") as err:
            async with stdio_client(self.params, errlog=err) as (read, write):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    yield s

    def stderr_text(self) -> str:
        return self.stderr.read_text() if self.stderr.exists() else ""


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "text", None) is not None)


# ---------------------------------------------------------------- decisions


def test_allowed_calls_pass_and_denied_calls_leave_no_side_effect(tmp_path):
    p = Proxy(tmp_path)

    async def body():
        async with p.session() as s:
            ok = await s.call_tool("write_file", {"path": str(p.root / "a.txt"), "content": "hello"})
            denied = await s.call_tool("write_file", {"path": str(p.root / "x.lock"), "content": "no"})
            outside = await s.call_tool("read_text_file", {"path": "/etc/hostname"})
            return ok, denied, outside

    ok, denied, outside = run(body())
    assert not ok.is_error, text_of(ok)
    assert (p.root / "a.txt").read_text() == "hello"
    assert denied.is_error
    assert not (p.root / "x.lock").exists(), "the server must never see a denied call"
    recs = decisions(p.log)
    deny = next(r for r in recs if r["input"].get("args", {}).get("path", "").endswith("x.lock"))
    # The refusal names the rule, its reason and the decision id.
    msg = text_of(denied)
    assert deny["decision_id"] in msg
    assert "lock files belong to the tools that hold them" in msg
    assert deny["result"]["verdict"] == "deny" and deny["result"]["forwarded"] is False
    assert deny["result"]["rules"], deny
    assert outside.is_error and "denied" in text_of(outside)


def test_tools_list_hides_tools_no_rule_can_allow(tmp_path):
    p = Proxy(tmp_path)

    async def listed(params):
        with open(tmp_path / "direct.stderr", "a") as err:
            async with stdio_client(params, errlog=err) as (read, write):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    return {t.name for t in (await s.list_tools()).tools}

    through_proxy = run(listed(p.params))
    direct = run(listed(StdioServerParameters(command=server("mcp-server-filesystem"), args=[str(p.root)])))
    assert through_proxy == FS_TOOLS
    # The server has more (move_file, edit_file, ...), which the policy
    # never allows: they are hidden, and still denied if called anyway.
    assert "move_file" in direct and through_proxy < direct

    async def call_hidden():
        async with p.session() as s:
            return await s.call_tool("move_file", {"source": str(p.root / "a"), "destination": str(p.root / "b")})

    assert run(call_hidden()).is_error


def test_results_are_redacted_before_the_client_sees_them(tmp_path):
    p = Proxy(tmp_path)

    async def body():
        async with p.session() as s:
            await s.call_tool("write_file", {"path": str(p.root / "s.txt"), "content": "code SECRET-4242 end"})
            read = await s.call_tool("read_text_file", {"path": str(p.root / "s.txt")})
            await s.call_tool("write_file", {"path": str(p.root / "n.txt"), "content": "DO NOT SHOW this"})
            withheld = await s.call_tool("read_text_file", {"path": str(p.root / "n.txt")})
            return read, withheld

    read, withheld = run(body())
    assert text_of(read) == "code [secret removed] end"
    assert "SECRET-4242" not in json.dumps(read.structured_content)
    assert withheld.is_error and "this" not in text_of(withheld)
    outputs = [r for r in decisions(p.log) if "output" in r["input"]]
    assert any(r["result"]["redactions"] for r in outputs)


def test_everything_server_echo_passes_and_other_tools_are_hidden(tmp_path):
    p = Proxy(tmp_path, "--tool-prefix", "everything.", policy="everything.guard",
              command=[server("mcp-server-everything")])

    async def body():
        async with p.session() as s:
            names = {t.name for t in (await s.list_tools()).tools}
            echo = await s.call_tool("echo", {"message": "hi"})
            forbidden = await s.call_tool("echo", {"message": "a forbidden word"})
            env = await s.call_tool("get-env", {})
            return names, echo, forbidden, env

    names, echo, forbidden, env = run(body())
    assert names == {"echo"}
    assert "hi" in text_of(echo) and not echo.is_error
    assert forbidden.is_error
    assert env.is_error and "PATH" not in text_of(env)
    verdicts = [(r["input"]["tool"], r["result"]["reason"]) for r in decisions(p.log)]
    assert ("everything.get-env", "unknown_tool") in verdicts


# -------------------------------------------------------------- escalations


def escalate(p: Proxy):
    async def body():
        async with p.session() as s:
            t0 = time.monotonic()
            r = await s.call_tool("create_directory", {"path": str(p.root / "newdir")})
            # Traffic still flows after (and, see the HTTP test, during).
            listed = await s.call_tool("list_directory", {"path": str(p.root)})
            return r, time.monotonic() - t0, listed

    return run(body())


def test_escalation_approved_by_the_approver_command(tmp_path):
    seen = tmp_path / "approver-input.json"
    p = Proxy(tmp_path, "--approver", f"cat > {seen}; exit 0")
    r, _, listed = escalate(p)
    assert not r.is_error, text_of(r)
    assert (p.root / "newdir").is_dir()
    request = json.loads(seen.read_text())
    assert request["tool"] == "filesystem.create_directory"
    assert request["gates"] == ["owner"] and request["approvers"] == ["owner"]
    assert request["timeout_ms"] == 2000
    assert not listed.is_error
    approval = [r for r in decisions(p.log) if "approve" in r["input"]]
    assert approval and approval[0]["result"]["approval"] == "approved"
    assert approval[0]["input"]["approve"] == request["ticket"]


def test_escalation_rejected_by_the_approver_command(tmp_path):
    p = Proxy(tmp_path, "--approver", "exit 1")
    r, _, listed = escalate(p)
    assert r.is_error and "rejected" in text_of(r)
    assert not (p.root / "newdir").exists()
    assert not listed.is_error
    rec = [r for r in decisions(p.log) if "reject" in r["input"]]
    assert rec and rec[0]["result"]["approval"] == "rejected"


def test_a_hanging_approver_times_out_as_a_rejection(tmp_path):
    p = Proxy(tmp_path, "--approver", "sleep 30")
    r, elapsed, listed = escalate(p)
    assert r.is_error and "not approved in time" in text_of(r)
    # The gate's timeout is 2 s.
    assert 1.5 <= elapsed < 15, elapsed
    assert not (p.root / "newdir").exists()
    assert not listed.is_error
    rec = [r for r in decisions(p.log) if "reject" in r["input"]]
    assert rec and rec[0]["result"]["approval"] == "timeout"
    assert "did not answer in time" in p.stderr_text() or "not answered in time" in p.stderr_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, headers: dict | None = None):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_escalations_answered_over_the_local_http_endpoint(tmp_path):
    port = free_port()
    p = Proxy(tmp_path, "--approvals", f"127.0.0.1:{port}", "--approval-timeout", "30")
    base = f"http://127.0.0.1:{port}"

    async def poll_pending():
        for _ in range(200):
            status, pending = await asyncio.to_thread(http, "GET", f"{base}/pending")
            if status == 200 and pending:
                return pending
            await asyncio.sleep(0.05)
        raise AssertionError("no pending approval appeared")

    async def body():
        async with p.session() as s:
            call = asyncio.create_task(s.call_tool("create_directory", {"path": str(p.root / "approved")}))
            pending = await poll_pending()
            # While the call waits, other calls are served.
            listed = await s.call_tool("list_allowed_directories", {})
            ticket = pending[0]["ticket"]
            # A page in a browser (an Origin header) cannot approve.
            forged = await asyncio.to_thread(http, "POST", f"{base}/approve/{ticket}", {"Origin": "http://evil.example"})
            ok = await asyncio.to_thread(http, "POST", f"{base}/approve/{ticket}")
            approved = await call
            again = await asyncio.to_thread(http, "POST", f"{base}/approve/{ticket}")
            call = asyncio.create_task(s.call_tool("create_directory", {"path": str(p.root / "rejected")}))
            pending = await poll_pending()
            await asyncio.to_thread(http, "POST", f"{base}/reject/{pending[0]['ticket']}")
            rejected = await call
            return pending, listed, forged, ok, approved, again, rejected

    pending, listed, forged, ok, approved, again, rejected = run(body())
    assert not listed.is_error
    assert forged[0] == 403
    assert ok == (200, {"ticket": ok[1]["ticket"], "outcome": "approved"})
    assert not approved.is_error and (p.root / "approved").is_dir()
    assert again[0] == 404
    assert rejected.is_error and not (p.root / "rejected").exists()
    assert pending[0]["tool"] == "filesystem.create_directory"


# ------------------------------------------------------------ shadow mode


def test_shadow_mode_forwards_and_logs_the_would_be_deny(tmp_path):
    p = Proxy(tmp_path, "--mode", "shadow")

    async def body():
        async with p.session() as s:
            return await s.call_tool("write_file", {"path": str(p.root / "y.lock"), "content": "shadow"})

    r = run(body())
    assert not r.is_error, text_of(r)
    assert (p.root / "y.lock").read_text() == "shadow"
    rec = next(r for r in decisions(p.log) if r["input"].get("args", {}).get("path", "").endswith("y.lock"))
    assert rec["mode"] == "shadow"
    assert rec["result"]["verdict"] == "deny" and rec["result"]["forwarded"] is True


# ------------------------------------------------------------------ the log


def test_decision_log_follows_the_contract(tmp_path):
    gbc = tmp_path / "fs.gbc"
    subprocess.run([guardc(), "build", str(HERE / "fs.guard"), "-o", str(gbc)], check=True,
                   capture_output=True)
    p = Proxy(tmp_path, "--log-redact", "/args/content", "--session", "audit-1")
    p.params.args[p.params.args.index("--policy") + 1] = str(gbc)

    async def body():
        async with p.session() as s:
            await s.call_tool("write_file", {"path": str(p.root / "l.txt"), "content": "private words"})

    run(body())
    rec = decisions(p.log)[0]
    assert list(rec) == ["decision_id", "timestamp", "path", "labels", "bundles", "mode", "session",
                         "context", "input", "result", "metrics", "attributes"]
    assert rec["path"] == "guard/proxy_fs"
    assert rec["labels"]["app"] == "guardc"
    assert rec["bundles"]["policy"]["revision"] == hashlib.sha256(gbc.read_bytes()).hexdigest()
    assert rec["session"] == "audit-1"
    assert rec["context"]["attrs"] == {"root": str(p.root)}
    assert rec["input"] == {"tool": "filesystem.write_file",
                            "args": {"path": str(p.root / "l.txt"), "content": "[REDACTED]"}}
    assert rec["result"]["verdict"] == "allow" and rec["result"]["forwarded"] is True
    assert isinstance(rec["metrics"]["timer_guard_decide_ns"], int)
    a = rec["attributes"]
    assert a["gen_ai.operation.name"] == "execute_tool"
    assert a["gen_ai.tool.name"] == "filesystem.write_file"
    assert a["mcp.method.name"] == "tools/call"
    assert isinstance(a["jsonrpc.request.id"], int)
    assert len(rec["decision_id"]) == 32
    assert rec["timestamp"].endswith("Z") and len(rec["timestamp"]) == len("2026-01-01T00:00:00.000000Z")
    # The redacted words are nowhere in the log.
    assert "private words" not in p.log.read_text()


# --------------------------------------------------------------- failures


def raw_proxy(tmp_path: Path, policy: str, command: list[str], *flags: str):
    args = [guardc(), "proxy", "--policy", str(HERE / policy), "--log", str(tmp_path / "raw.log.jsonl"),
            *flags, "--", *command]
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "1"}}}


def test_malformed_client_input_is_answered_and_serving_goes_on(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    proc = raw_proxy(tmp_path, "fs.guard", [server("mcp-server-filesystem"), str(root)],
                     "--tool-prefix", "filesystem.", "--attr", f"root={root}")
    lines = ["this is not json", "[1, 2, 3]",
             '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"arguments":{}}}',
             json.dumps(INIT)]
    try:
        out, err = proc.communicate("\n".join(lines) + "\n", timeout=30)
    finally:
        proc.kill()
    answers = [json.loads(l) for l in out.splitlines()]
    errors = [a for a in answers if "error" in a]
    assert [e["error"]["code"] for e in errors] == [-32700, -32600, -32602]
    init = next(a for a in answers if a.get("id") == 1)
    assert init["result"]["serverInfo"]["name"], init
    assert proc.returncode == 0
    assert "error[E0610] (client): malformed message" in err
    logged = [r for r in read_log(tmp_path / "raw.log.jsonl") if "error" in r]
    assert len(logged) == 3
    assert {(r["error"]["code"], r["error"]["source"]) for r in logged} == {("E0610", "client")}


def crashy(tmp_path: Path) -> Proxy:
    return Proxy(tmp_path, "--tool-prefix", "crashy.", policy="crashy.guard",
                 command=[sys.executable, str(HERE / "crashy_server.py")])


def test_malformed_server_output_is_dropped_and_reported(tmp_path):
    p = crashy(tmp_path)

    async def body():
        async with p.session() as s:
            return await s.call_tool("garbage", {"text": "still answered"})

    r = run(body())
    assert text_of(r) == "still answered"
    assert "error[E0611] (server): malformed message, dropped" in p.stderr_text()
    assert any(r.get("error", {}).get("source") == "server"
               and r["error"].get("code") == "E0611" for r in read_log(p.log))


def test_a_crashing_server_gets_its_pending_requests_answered(tmp_path):
    p = crashy(tmp_path)

    async def body():
        async with p.session() as s:
            assert text_of(await s.call_tool("echo", {"text": "alive"})) == "alive"
            with pytest.raises(MCPError) as e:
                await s.call_tool("crash", {})
            return str(e.value)

    message = run(body())
    assert "MCP server is gone" in message, message
    assert "the MCP server exited (exit status: 3)" in p.stderr_text()


def test_a_crashing_server_makes_the_proxy_exit_with_an_error(tmp_path):
    proc = raw_proxy(tmp_path, "crashy.guard", [sys.executable, str(HERE / "crashy_server.py")],
                     "--tool-prefix", "crashy.")
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "crash", "arguments": {}}}
    proc.stdin.write(json.dumps(INIT) + "\n")
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    proc.stdin.write(json.dumps(call) + "\n")
    proc.stdin.flush()
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    answers = {a.get("id"): a for a in map(json.loads, out.splitlines())}
    assert answers[2]["error"]["code"] == -32603
    assert proc.returncode == 1
    assert "the MCP server exited" in err


# ---------------------------------------------------------------- restarts


def proxy_pids(marker: str) -> list[int]:
    """Our own proxy processes: guardc with this test's unique state dir."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"guardc") and marker.encode() in cmd:
            pids.append(int(d.name))
    return pids


def test_a_proxy_killed_with_sigkill_resumes_its_session(tmp_path):
    state = tmp_path / "state"
    root = tmp_path / "root"
    first = Proxy(tmp_path, "--state-dir", str(state), "--session", "agent-7", root=root, name="first")

    async def write_two_then_die():
        async with first.session() as s:
            for name in ("one.txt", "two.txt"):
                r = await s.call_tool("write_file", {"path": str(root / name), "content": name})
                assert not r.is_error, text_of(r)
            pids = proxy_pids(str(state))
            assert len(pids) == 1, pids
            os.kill(pids[0], signal.SIGKILL)
            with pytest.raises(Exception):
                await s.call_tool("write_file", {"path": str(root / "lost.txt"), "content": "x"})

    with contextlib.suppress(BaseException):
        run(write_two_then_die(), timeout=60)
    assert (root / "two.txt").exists() and not (root / "lost.txt").exists()
    assert (state / "agent-7.snapshot").exists()

    async def third_write(p: Proxy):
        async with p.session() as s:
            return await s.call_tool("write_file", {"path": str(root / "three.txt"), "content": "3"})

    again = Proxy(tmp_path, "--state-dir", str(state), "--session", "agent-7", root=root, name="again")
    r = run(third_write(again))
    assert r.is_error and "at most two files per session" in text_of(r)
    assert not (root / "three.txt").exists()
    assert "resumed" in again.stderr_text()
    # The same write in a fresh session is allowed: the state, not the
    # call, made the difference.
    fresh = Proxy(tmp_path, "--state-dir", str(state), "--session", "other", root=root, name="fresh")
    assert not run(third_write(fresh)).is_error
    assert (root / "three.txt").exists()


def test_a_snapshot_of_another_policy_revision_is_refused(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    edited = tmp_path / "fs-edited.guard"
    edited.write_text((HERE / "fs.guard").read_text().replace("int[0..2]", "int[0..3]")
                      .replace("use std::mcp::filesystem;", "use std::mcp::filesystem;\n"))
    root = tmp_path / "root"
    root.mkdir()
    common = ["--tool-prefix", "filesystem.", "--attr", f"root={root}", "--state-dir", str(state)]
    first = subprocess.run([guardc(), "proxy", "--policy", str(HERE / "fs.guard"), *common, "--",
                            server("mcp-server-filesystem"), str(root)],
                           input=json.dumps(INIT) + "\n" + json.dumps(
                               {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                "params": {"name": "write_file",
                                           "arguments": {"path": str(root / "a.txt"), "content": "a"}}}) + "\n",
                           capture_output=True, text=True, timeout=30)
    assert first.returncode == 0, first.stderr
    assert (state / "default.snapshot").exists()
    second = subprocess.run([guardc(), "proxy", "--policy", str(edited), *common, "--",
                             server("mcp-server-filesystem"), str(root)],
                            input="", capture_output=True, text=True, timeout=30)
    assert second.returncode == 2
    assert "E0454" in second.stderr and "cannot resume" in second.stderr


# ------------------------------------------------------- raw relay, revisions


@pytest.mark.parametrize("revision", ["2025-06-18", "2025-11-25", "2026-07-28"])
def test_every_protocol_revision_is_relayed_byte_for_byte(tmp_path, revision):
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text("a")
    lines = [
        # Odd spacing and a parameter no revision defines: nothing is
        # re-serialised, so the server sees exactly this.
        '{"jsonrpc":"2.0", "id":"init-1", "method":"initialize", "params":{"protocolVersion":"%s",'
        '"capabilities":{},"clientInfo":{"name":"raw","version":"1"}, "x-future":[1,2]}}' % revision,
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_directory",'
        '"arguments":{"path":"%s"}}}' % root,
    ]

    def answers(cmd):
        """The answers' lines, as they arrive, with stdin kept open until
        both are in (a server may drop work once its input ends)."""
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        # An answer that never comes ends the process (and the test) rather
        # than hanging the suite.
        watchdog = threading.Timer(20, proc.kill)
        watchdog.start()
        try:
            got = []
            for line in lines:
                proc.stdin.write(line + "\n")
                proc.stdin.flush()
                if '"id"' in line:
                    got.append(proc.stdout.readline().rstrip("\n"))
            return got
        finally:
            watchdog.cancel()
            proc.stdin.close()
            proc.wait(timeout=15)

    direct = answers([server("mcp-server-filesystem"), str(root)])
    proxied = answers([guardc(), "proxy", "--policy", str(HERE / "fs.guard"), "--tool-prefix", "filesystem.",
                       "--attr", f"root={root}", "--", server("mcp-server-filesystem"), str(root)])
    assert len(direct) == 2, direct
    assert proxied == direct
