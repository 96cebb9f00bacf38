; Scopes, definitions and references for Guard.
;
; Declarations are policy-wide, so most definitions belong to the file's
; scope; a tool's parameters are local to its declaration (rules that read
; them resolve through the language server, which knows the target's
; tools).

(source_file) @local.scope
(tool_declaration) @local.scope

(parameter name: (identifier) @local.definition)
(state_declaration name: (identifier) @local.definition)
(attr_declaration name: (identifier) @local.definition)
(gate_declaration name: (identifier) @local.definition)
(channel_declaration name: (identifier) @local.definition)
(label_declaration name: (identifier) @local.definition)
(effect_declaration name: (identifier) @local.definition)
(assertion name: (identifier) @local.definition)

(identifier) @local.reference
