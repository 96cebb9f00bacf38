# agent.rego — agent.guard in Rego (v1 syntax), rule for rule (same order).
#
# Modelling (see README.md):
# * input is the event: {"tool": "fs.read", "args": {...}, "tainted": bool,
#   "untrusted": bool, "secret": bool};
# * Rego is stateless, so the host passes the session's labels as booleans:
#   `input.tainted` (Guard: `context has private`), `input.untrusted`,
#   `input.secret`;
# * each Guard rule adds to one of three sets: `deny` (rule names), `escalate`
#   (gate names) or `allow` (rule names); `decision` applies language.md §6:
#   any deny wins, then escalation to every gate collected, then allow,
#   else the default, deny (which also covers unknown tools);
# * `starts_with`, `ends_with` and `contains` are `startswith`, `endswith`
#   and `contains`; list membership is `in`.
package agent

# Files.
allow contains "fs.read.allow" if {
	input.tool == "fs.read"
	startswith(input.args.path, "/home/agent/")
}

allow contains "fs.read.allow" if {
	input.tool == "fs.read"
	startswith(input.args.path, "/tmp/agent/")
}

deny contains "fs.read.deny_env" if {
	input.tool == "fs.read"
	endswith(input.args.path, ".env")
}

allow contains "fs.list.allow" if {
	input.tool == "fs.list"
	startswith(input.args.path, "/home/agent/")
}

allow contains "fs.write.allow" if {
	input.tool == "fs.write"
	startswith(input.args.path, "/tmp/agent/")
}

deny contains "fs.write.deny_scripts" if {
	input.tool == "fs.write"
	endswith(input.args.path, ".sh")
}

escalate contains "user_confirm" if {
	input.tool == "fs.delete"
	startswith(input.args.path, "/tmp/agent/")
}

# Mail.
allow contains "mail.read.allow" if input.tool == "mail.read"

escalate contains "user_confirm" if input.tool == "mail.send"

deny contains "mail.send.deny_outside" if {
	input.tool == "mail.send"
	input.tainted
	not endswith(input.args.to, "@example.com")
}

# Web.
allow contains "web.search.allow" if input.tool == "web.search"

allow contains "web.fetch.allow" if {
	input.tool == "web.fetch"
	startswith(input.args.url, "https://")
}

allow contains "http.post.allow" if {
	input.tool == "http.post"
	startswith(input.args.url, "https://hooks.example.com/")
}

escalate contains "security_review" if {
	input.tool == "http.post"
	input.tainted
}

deny contains "http.post.deny_secret" if {
	input.tool == "http.post"
	input.secret
}

# Calendar and database.
allow contains "calendar.list.allow" if input.tool == "calendar.list"

allow contains "calendar.create.allow" if input.tool == "calendar.create"

allow contains "db.query.allow" if {
	input.tool == "db.query"
	startswith(input.args.sql, "SELECT ")
}

deny contains "db.query.deny_multi" if {
	input.tool == "db.query"
	contains(input.args.sql, ";")
}

escalate contains "security_review" if input.tool == "db.execute"

# Shell.
allow contains "shell.exec.allow" if {
	input.tool == "shell.exec"
	input.args.command in {"ls", "pwd", "cargo build", "cargo test"}
}

escalate contains "user_confirm" if {
	input.tool == "shell.exec"
	input.untrusted
}

deny contains "shell.exec.deny_sudo" if {
	input.tool == "shell.exec"
	contains(input.args.command, "sudo")
}

# Git.
allow contains "git.allow" if {
	input.tool in {"git.status", "git.commit"}
	startswith(input.args.repo, "/home/agent/")
}

allow contains "git.push.allow" if {
	input.tool == "git.push"
	startswith(input.args.branch, "agent/")
}

escalate contains "user_confirm" if {
	input.tool == "git.push"
	input.args.branch == "main"
}

# Chat, tickets and secrets.
allow contains "slack.post.allow" if {
	input.tool == "slack.post"
	input.args.room == "#agent-log"
}

escalate contains "user_confirm" if {
	input.tool == "slack.post"
	input.tainted
}

allow contains "issue.create.allow" if {
	input.tool == "issue.create"
	input.args.repo == "acme/agent"
}

escalate contains "security_review" if {
	input.tool == "issue.create"
	input.tainted
}

escalate contains "security_review" if input.tool == "secrets.get"

# The decision (language.md §6, step 3).
default decision := {"verdict": "deny"}

decision := {"verdict": "deny"} if {
	count(deny) > 0
} else := {"verdict": "escalate", "gates": escalate} if {
	count(escalate) > 0
} else := {"verdict": "allow"} if {
	count(allow) > 0
}
