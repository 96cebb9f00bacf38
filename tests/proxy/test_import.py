"""`guardc import mcp -- SERVER` against the real servers pinned in
package-lock.json: asking the running server gives the same declarations
as the saved `tools/list` answers under tests/import/ (which the Rust tests
snapshot), so those fixtures are the servers' real answers and the stdio
handshake works with a real server."""

import subprocess

from conftest import ROOT, guardc, server


def import_mcp(*args: str) -> str:
    out = subprocess.run([guardc(), "import", "mcp", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # The first paragraph names the source; the declarations follow.
    return out.stdout.split("\n\n", 1)[1]


def test_live_everything_matches_the_fixture():
    live = import_mcp("--prefix", "everything.", "--", server("mcp-server-everything"))
    saved = import_mcp("--prefix", "everything.", "--from", str(ROOT / "tests/import/everything.json"))
    assert live == saved
    assert "tool everything.echo(message: str)" in live


def test_live_filesystem_matches_the_fixture(tmp_path):
    live = import_mcp("--prefix", "filesystem.", "--", server("mcp-server-filesystem"), str(tmp_path))
    saved = import_mcp("--prefix", "filesystem.", "--from", str(ROOT / "tests/import/filesystem.json"))
    assert live == saved
    assert "tool filesystem.write_file(path: path, content: str)" in live
