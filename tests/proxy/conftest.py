"""Shared set-up for the guardc proxy tests: where guardc and the npm
servers are, and a way to run the proxy under the MCP SDK's stdio client."""

import asyncio
import json
import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = HERE / "node_modules" / ".bin"


def guardc() -> str:
    path = os.environ.get("GUARDC") or str(ROOT / "target" / "debug" / "guardc")
    if not Path(path).is_file():
        pytest.fail(f"guardc not built at {path} (run `cargo build -p guardc` or set GUARDC)")
    return path


def server(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: run .ci/install-proxy (npm ci in tests/proxy)")
    return str(path)


def run(coro, timeout: float = 60):
    """Runs one async test body with a hard time limit."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def decisions(path: Path) -> list[dict]:
    """The decision records of a log (error records carry no input)."""
    return [r for r in read_log(path) if "input" in r]
