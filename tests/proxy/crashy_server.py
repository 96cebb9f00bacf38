"""A small MCP server (the Python SDK's MCPServer) for the failure tests:
`echo` answers, `garbage` first writes a line that is not JSON to stdout
(as a buggy server might) and then answers, `crash` kills the process
while the call is pending."""

import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("crashy")

# The SDK diverts fd 1 to stderr while it serves (so stray prints cannot
# corrupt the stream); a duplicate taken before that still reaches the
# client, which is what a buggy server's stray output would do.
WIRE = os.dup(1)


@server.tool()
def echo(text: str) -> str:
    """Returns its argument."""
    return text


@server.tool()
def garbage(text: str) -> str:
    """Writes a malformed line to stdout, then returns its argument."""
    os.write(WIRE, b"this is not JSON\n")
    return text


@server.tool()
def crash() -> str:
    """Exits the process without answering."""
    os._exit(3)


if __name__ == "__main__":
    server.run()
