; Highlighting for Guard. Capture names follow the tree-sitter CLI and
; nvim-treesitter conventions (@keyword, @function, @type, @variable.*,
; @comment.documentation, ...); Helix understands the same names and falls
; back to their prefixes.

; ------------------------------------------------------------- comments

(line_comment) @comment
(block_comment) @comment
(doc_comment) @comment.documentation

; ------------------------------------------------------------- literals

(string) @string
(escape_sequence) @string.escape
; The one deliberate overlap: a later pattern wins in Neovim and the
; tree-sitter CLI, so a regex reads as a regex there and as a string
; elsewhere.
(match_expression pattern: (string) @string.regexp)
(redact_rule pattern: (string) @string.regexp)
(integer) @number
(duration) @number
(bound) @number
(boolean) @boolean

; ---------------------------------------------------------------- names

; Apart from regexes above, no node gets two captures: editors disagree on
; whether the first or the last matching pattern wins, so overlapping
; patterns would colour differently in each. Names are therefore captured by their role,
; and names in expressions by the expression slot they fill.

(use_declaration path: (identifier) @module)
(policy_declaration name: (identifier) @module)

(tool_path (identifier) @function)
(tool_pattern (identifier) @function)

(parameter name: (identifier) @variable.parameter)
(argument name: (identifier) @variable.parameter)
(has_expression parameter: (identifier) @variable.parameter)

(label_declaration name: (identifier) @constant)
(label_list label: (identifier) @constant)
(context_has_expression label: (identifier) @constant)
(effect_declaration name: (identifier) @attribute)
(effect_list effect: (identifier) @attribute)
(enum_type variant: (identifier) @constant)

(gate_declaration name: (identifier) @type)
(rule gate: (identifier) @type)
(unless_clause gate: (identifier) @type)
(expected gate: (identifier) @type)
(channel_declaration name: (identifier) @type)
(output_target channel: (identifier) @type)
(output_event channel: (identifier) @type)
(redact_rule channel: (identifier) @type)
(type_identifier) @type

(gate_field name: (identifier) @property)
(attr_declaration name: (identifier) @variable)
(state_declaration name: (identifier) @variable)
(test_attribute name: (identifier) @variable)
(assignment name: (identifier) @variable)
(assertion name: (identifier) @label)

(call_expression function: (identifier) @function.call)

; Names used as values: parameters, state, attributes, enum variants.
(binary_expression left: (identifier) @variable)
(binary_expression right: (identifier) @variable)
(unary_expression operand: (identifier) @variable)
(match_expression left: (identifier) @variable)
(arguments (identifier) @variable)
(list_expression (identifier) @variable)
(parenthesized_expression (identifier) @variable)
(when_clause condition: (identifier) @variable)
(expect_step condition: (identifier) @variable)
(assignment value: (identifier) @variable)
(state_declaration value: (identifier) @variable)
(gate_field value: (identifier) @variable)
(test_attribute value: (identifier) @variable)
(argument value: (identifier) @variable)
(output_event text: (identifier) @variable)

(wildcard) @character.special

; ------------------------------------------------------------- keywords

[
  "policy"
  "label"
  "effect"
  "tool"
  "attr"
  "state"
  "gate"
  "channel"
  "enum"
] @keyword

"use" @keyword.import

[
  "allow"
  "deny"
  "escalate"
  "redact"
  "default"
  "on"
] @keyword

[
  "when"
  "unless"
  "because"
] @keyword.conditional

[
  "assert"
  "never"
  "possible"
  "test"
  "expect"
  "with"
  "to"
  "output"
  "matching"
  "labels"
  "effects"
  "approved"
  "rejected"
] @keyword

[
  "in"
  "has"
  "matches"
  "glob"
  "regex"
] @keyword.operator

"context" @variable.builtin

; ---------------------------------------------------------- punctuation

[
  "||"
  "&&"
  "!"
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  "+"
  "-"
  "="
  "->"
  "~>"
  "=>"
  "?"
] @operator

[
  "("
  ")"
  "["
  "]"
  "{"
  "}"
] @punctuation.bracket

[
  ";"
  ","
  ":"
  "::"
  "."
  ".."
] @punctuation.delimiter
