"""`guardc proxy --listen ... --upstream ...`: the Streamable HTTP transport,
between the MCP Python SDK's Streamable HTTP client and the real
`@modelcontextprotocol/server-everything` running its `streamableHttp`
transport. Everything runs on loopback ports picked free at start.

What is shown: allowed calls pass (the server's SSE answers relayed);
denied calls are answered by the proxy and logged; tools/list is filtered;
escalations wait for the approver; each MCP session has its own enforcer;
`Mcp-Method`/`Mcp-Name` headers that disagree with the body are refused
with 400; a non-loopback --listen is refused; a dead upstream gets 502.
"""

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from conftest import HERE, decisions, guardc, run, server

POLICY = """
policy http_everything;

tool everything.echo(message: str) -> str;
tool everything.`get-sum`(a: int, b: int) -> str;

gate owner { approvers: ["owner"]; }

allow everything.echo;
deny everything.echo when contains(message, "forbidden") because "the test's forbidden word";
escalate everything.`get-sum` to owner when a > 100;
allow everything.`get-sum`;
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"{what} did not listen on {port} within {timeout}s")


@contextlib.contextmanager
def upstream():
    """server-everything over Streamable HTTP; yields its /mcp URL."""
    port = free_port()
    node = server("mcp-server-everything")
    proc = subprocess.Popen(
        [node, "streamableHttp"],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc, "server-everything")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def proxy(tmp: Path, upstream_url: str, *flags: str):
    """guardc proxy in front of `upstream_url`; yields (url, log path, stderr path)."""
    policy = tmp / "http.guard"
    policy.write_text(POLICY)
    log = tmp / "http.log.jsonl"
    err = tmp / "http.stderr"
    port = free_port()
    args = [guardc(), "proxy", "--policy", str(policy), "--tool-prefix", "everything.",
            "--log", str(log), "--listen", f"127.0.0.1:{port}", "--upstream", upstream_url,
            *flags]
    with open(err, "w") as e:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=e)
    try:
        wait_for_port(port, proc, "guardc proxy")
        yield f"http://127.0.0.1:{port}/mcp", log, err
    finally:
        proc.kill()
        proc.wait()


@contextlib.asynccontextmanager
async def client(url: str):
    async with streamable_http_client(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as s:
            await s.initialize()
            yield s


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "text", None) is not None)


def post(url: str, body: dict, headers: dict) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Accept": "application/json, text/event-stream",
                                          **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_calls_are_decided_and_relayed_over_streamable_http(tmp_path):
    with upstream() as up, proxy(tmp_path, up) as (url, log, err):
        async def body():
            async with client(url) as s:
                tools = await s.list_tools()
                names = sorted(t.name for t in tools.tools)
                ok = await s.call_tool("echo", {"message": "hello over http"})
                denied = await s.call_tool("echo", {"message": "a forbidden word"})
                summed = await s.call_tool("get-sum", {"a": 2, "b": 3})
                hidden = await s.call_tool("get-env", {})
                return names, ok, denied, summed, hidden

        names, ok, denied, summed, hidden = run(body())
        # Only the declared tools are listed.
        assert names == ["echo", "get-sum"], names
        assert not ok.is_error and "hello over http" in text_of(ok)
        assert denied.is_error and "the test's forbidden word" in text_of(denied)
        assert not summed.is_error and "5" in text_of(summed)
        # Undeclared: denied before the server sees it.
        assert hidden.is_error and "PATH" not in text_of(hidden)
        records = decisions(log)
        verdicts = [(r["input"]["tool"], r["result"]["verdict"]) for r in records]
        assert verdicts == [("everything.echo", "allow"), ("everything.echo", "deny"),
                            ("everything.get-sum", "allow"), ("everything.get-env", "deny")], verdicts
        # Every record carries the upstream's MCP session id.
        sids = {r["attributes"].get("mcp.session.id") for r in records}
        assert len(sids) == 1 and None not in sids, sids


def test_escalations_wait_for_the_approver(tmp_path):
    approver = tmp_path / "approve.sh"
    # Approves only when the decision names get-sum with a == 200.
    approver.write_text('#!/bin/sh\ngrep -q \'"a":200\' && exit 0\nexit 1\n')
    approver.chmod(0o755)
    with upstream() as up, proxy(tmp_path, up, "--approver", str(approver)) as (url, log, err):
        async def body():
            async with client(url) as s:
                yes = await s.call_tool("get-sum", {"a": 200, "b": 1})
                no = await s.call_tool("get-sum", {"a": 300, "b": 1})
                return yes, no

        yes, no = run(body())
        assert not yes.is_error and "201" in text_of(yes), text_of(yes)
        assert no.is_error, text_of(no)
        approvals = [r["result"].get("approval") for r in decisions(log) if "approve" in r["input"] or "reject" in r["input"]]
        assert approvals == ["approved", "rejected"], approvals


def test_each_mcp_session_has_its_own_enforcer(tmp_path):
    with upstream() as up, proxy(tmp_path, up) as (url, log, err):
        async def body():
            async with client(url) as a:
                await a.call_tool("echo", {"message": "from a"})
                async with client(url) as b:
                    await b.call_tool("echo", {"message": "from b"})

        run(body())
        records = decisions(log)
        assert len(records) == 2
        assert records[0]["session"] != records[1]["session"]
        assert records[0]["attributes"]["mcp.session.id"] != records[1]["attributes"]["mcp.session.id"]


def test_headers_that_disagree_with_the_body_are_refused(tmp_path):
    with upstream() as up, proxy(tmp_path, up) as (url, log, err):
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"message": "x"}}}
        status, text = post(url, call, {"Mcp-Method": "tools/list"})
        assert status == 400 and "Mcp-Method" in text, (status, text)
        status, text = post(url, call, {"Mcp-Method": "tools/call", "Mcp-Name": "get-env"})
        assert status == 400 and "Mcp-Name" in text, (status, text)
        # Agreeing headers pass the check (the server then wants a session).
        status, text = post(url, call, {"Mcp-Method": "tools/call", "Mcp-Name": "echo"})
        assert status != 400 or "disagrees" not in text, (status, text)
        # Nothing that disagreed was decided.
        assert decisions(log) == [] or all(r["input"]["tool"] == "everything.echo" for r in decisions(log))


def test_listen_is_loopback_unless_told_otherwise(tmp_path):
    policy = tmp_path / "p.guard"
    policy.write_text(POLICY)
    out = subprocess.run([guardc(), "proxy", "--policy", str(policy), "--listen", "0.0.0.0:0",
                          "--upstream", "http://127.0.0.1:9/mcp"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2, out.stderr
    assert "not a loopback address" in out.stderr


def test_a_dead_upstream_is_a_502_not_a_hang(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/mcp"
    with proxy(tmp_path, dead) as (url, log, err):
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                           "clientInfo": {"name": "t", "version": "0"}}}
        status, text = post(url, init, {})
        assert status == 502 and "cannot be reached" in text, (status, text)
