; Foldable regions: blocks with braces, long parameter lists and
; comments.

[
  (gate_declaration)
  (on_block)
  (test)
  (parameters)
  (tool_set)
  (use_list)
  (enum_type)
  (list_expression)
  (block_comment)
] @fold
