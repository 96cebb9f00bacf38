/**
 * @file Tree-sitter grammar for the Guard policy language.
 *
 * This grammar follows the normative LR(1) grammar in
 * `grammar/guard.lalrpop` and the lexer in `compiler/syntax/src/lex.rs`
 * rule for rule, so that a file `guardc` parses is a file this grammar
 * parses, with the same structure. Where the two could differ the choice is
 * documented next to the rule:
 *
 * - Reserved words are never names (tree-sitter's `reserved` sets), while
 *   contextual words are names everywhere except where the grammar expects
 *   the keyword, exactly as `Name` in the LALRPOP grammar. The two LR(1)
 *   restrictions are mirrored: a target's head name may not be `output`,
 *   a test step's head name may not be `expect`.
 * - Expressions are stratified by precedence level the way the LALRPOP
 *   grammar is (not with `prec` annotations), so that non-chaining
 *   comparisons (`1 < n < 3`) are syntax errors here too.
 * - Nested block comments need a counter, which a regular token cannot
 *   express; `src/scanner.c` scans them.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

/** The words that can never be names (`RESERVED` in lex.rs). */
const RESERVED = [
  'policy', 'use', 'label', 'tool', 'attr', 'gate', 'channel', 'allow',
  'deny', 'escalate', 'redact', 'when', 'unless', 'because', 'assert',
  'never', 'possible', 'test', 'has', 'in', 'matches', 'true', 'false',
  'enum', 'context',
];

/**
 * The contextual words other than `output` and `expect` (`Ctx` in the
 * LALRPOP grammar): keywords where the grammar expects them, names
 * elsewhere.
 */
const CONTEXTUAL = [
  'to', 'with', 'matching', 'labels', 'effects', 'approved', 'rejected',
  'state', 'default', 'on', 'glob', 'regex', 'effect',
];

/**
 * `x { "," x } [ "," ]`: a non-empty list that may end with a comma.
 * @param {RuleOrLiteral} rule
 */
function commaPlus(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

/**
 * An optional `commaPlus`.
 * @param {RuleOrLiteral} rule
 */
function commaStar(rule) {
  return optional(commaPlus(rule));
}

/**
 * `x { "," x }` with no trailing comma (used right before `;`).
 * @param {RuleOrLiteral} rule
 */
function list1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

module.exports = grammar({
  name: 'guard',

  word: $ => $.identifier,

  externals: $ => [$.block_comment],

  extras: $ => [/\s/, $.line_comment, $.doc_comment, $.block_comment],

  reserved: {
    global: _ => RESERVED,
  },

  supertypes: $ => [$._item, $._expression, $._type, $._target],

  rules: {
    source_file: $ => repeat($._item),

    // ------------------------------------------------------------ items

    _item: $ => choice(
      $.policy_declaration,
      $.use_declaration,
      $.label_declaration,
      $.effect_declaration,
      $.tool_declaration,
      $.attr_declaration,
      $.state_declaration,
      $.gate_declaration,
      $.channel_declaration,
      $.default_declaration,
      $.rule,
      $.redact_rule,
      $.on_block,
      $.assertion,
      $.test,
    ),

    // policy = "policy" name ";" ;
    policy_declaration: $ => seq('policy', field('name', $._name), ';'),

    // use = "use" ( usepath [ "::" "{" commas(toolpath) "}" ] | STRING ) ";" ;
    // usepath = name { "::" name } ;
    // The path's names are direct children (field `path`) rather than a
    // node of their own: a wrapping node would have to be reduced before
    // the `::` that starts the selection, which needs two tokens of
    // lookahead.
    use_declaration: $ => seq(
      'use',
      choice(
        seq(
          field('path', $._name),
          repeat(seq('::', field('path', $._name))),
          optional(seq('::', field('names', $.use_list))),
        ),
        field('file', $.string),
      ),
      ';',
    ),

    use_list: $ => seq('{', commaPlus($.tool_path), '}'),

    // label = "label" name { "," name } ";" ;
    label_declaration: $ => seq('label', list1(field('name', $._name)), ';'),

    // effect = "effect" name { "," name } ";" ;
    effect_declaration: $ => seq('effect', list1(field('name', $._name)), ';'),

    // tool = "tool" toolpath "(" [ commas(param) ] ")" [ "->" type ]
    //        [ "labels" "[" .. "]" ] [ "effects" "[" .. "]" ] ";" ;
    tool_declaration: $ => seq(
      'tool',
      field('name', $.tool_path),
      field('parameters', $.parameters),
      optional(seq('->', field('result', $._type))),
      optional(field('labels', $.label_list)),
      optional(field('effects', $.effect_list)),
      ';',
    ),

    parameters: $ => seq('(', commaStar($.parameter), ')'),

    // param = name ":" type [ "?" ] ;
    parameter: $ => seq(
      field('name', $._name),
      ':',
      field('type', $._type),
      optional(field('optional', '?')),
    ),

    label_list: $ => seq('labels', '[', commaStar(field('label', $._name)), ']'),

    effect_list: $ => seq('effects', '[', commaStar(field('effect', $._name)), ']'),

    // attr = "attr" name ":" type ";" ;
    attr_declaration: $ => seq(
      'attr',
      field('name', $._name),
      ':',
      field('type', $._type),
      ';',
    ),

    // state = "state" name ":" type "=" expr ";" ;
    state_declaration: $ => seq(
      'state',
      field('name', $._name),
      ':',
      field('type', $._type),
      '=',
      field('value', $._expression),
      ';',
    ),

    // gate = "gate" name "{" { name ":" expr ";" } "}" ;
    gate_declaration: $ => seq(
      'gate',
      field('name', $._name),
      '{',
      repeat($.gate_field),
      '}',
    ),

    gate_field: $ => seq(
      field('name', $._name),
      ':',
      field('value', $._expression),
      ';',
    ),

    // channel = "channel" name ";" ;
    channel_declaration: $ => seq('channel', field('name', $._name), ';'),

    // default = "default" ( "allow" | "deny" ) ";" ;
    default_declaration: $ => seq(
      'default',
      field('verdict', choice('allow', 'deny')),
      ';',
    ),

    // rule = ( "allow" target | "deny" target | "escalate" target "to" name )
    //        [ "when" expr ] [ "because" STRING ] ";" ;
    rule: $ => seq(
      choice(
        seq(field('verdict', choice('allow', 'deny')), field('target', $._target)),
        seq(
          field('verdict', 'escalate'),
          field('target', $._target),
          'to',
          field('gate', $._name),
        ),
      ),
      optional($.when_clause),
      optional($.because_clause),
      ';',
    ),

    // "redact" "output" name "matching" "regex" STRING "with" STRING
    // [ "when" expr ] [ "because" STRING ] ";"
    redact_rule: $ => seq(
      'redact',
      'output',
      field('channel', $._name),
      'matching',
      'regex',
      field('pattern', $.string),
      'with',
      field('replacement', $.string),
      optional($.when_clause),
      optional($.because_clause),
      ';',
    ),

    when_clause: $ => seq('when', field('condition', $._expression)),

    because_clause: $ => seq('because', field('reason', $.string)),

    // on = "on" target [ "when" expr ] "{" { name "=" expr ";" } "}" ;
    on_block: $ => seq(
      'on',
      field('target', $._target),
      optional($.when_clause),
      '{',
      repeat($.assignment),
      '}',
    ),

    assignment: $ => seq(
      field('name', $._name),
      '=',
      field('value', $._expression),
      ';',
    ),

    // assert = "assert" name ":" ( "never" | "possible" ) pattern ";" ;
    assertion: $ => seq(
      'assert',
      field('name', $._name),
      ':',
      field('kind', choice('never', 'possible')),
      field('pattern', $.pattern),
      ';',
    ),

    // pattern = step { ( "~>" | "->" ) step } ;
    pattern: $ => seq(
      $.step,
      repeat(seq(field('link', choice('~>', '->')), $.step)),
    ),

    // step = target [ "when" expr ] [ "unless" "approved" name ] ;
    step: $ => seq(
      field('target', $._target),
      optional($.when_clause),
      optional($.unless_clause),
    ),

    unless_clause: $ => seq('unless', 'approved', field('gate', $._name)),

    // test = "test" STRING [ "with" commas(name "=" expr) ] "{" { teststep } "}" ;
    test: $ => seq(
      'test',
      field('name', $.string),
      optional(seq('with', commaPlus($.test_attribute))),
      '{',
      repeat(choice($.event_step, $.expect_step)),
      '}',
    ),

    test_attribute: $ => seq(
      field('name', $._name),
      '=',
      field('value', $._expression),
    ),

    // teststep = event "=>" expected ";" ;
    event_step: $ => seq(
      field('event', choice($.call_event, $.output_event)),
      '=>',
      field('expected', $.expected),
      ';',
    ),

    // teststep = "expect" expr ";" ;
    expect_step: $ => seq('expect', field('condition', $._expression), ';'),

    // event = stephead { "." name } "(" [ commas(name ":" expr) ] ")"
    call_event: $ => seq(
      field('tool', alias($._event_path, $.tool_path)),
      '(',
      commaStar($.argument),
      ')',
    ),

    // event = "output" name "(" expr ")"
    output_event: $ => seq(
      'output',
      field('channel', $._name),
      '(',
      field('text', $._expression),
      ')',
    ),

    argument: $ => seq(
      field('name', $._name),
      ':',
      field('value', $._expression),
    ),

    // expected = "allow" | "deny"
    //          | "escalate" name { "," name } [ "approved" | "rejected" ] ;
    expected: $ => choice(
      field('verdict', 'allow'),
      field('verdict', 'deny'),
      seq(
        field('verdict', 'escalate'),
        list1(field('gate', $._name)),
        optional(field('answer', choice('approved', 'rejected'))),
      ),
    ),

    // ---------------------------------------------------------- targets

    // target = globpath | "{" commas(toolpath) "}" | "output" name ;
    _target: $ => choice($.tool_pattern, $.tool_set, $.output_target),

    // globpath = ( headname | "*" ) { "." ( name | "*" ) } ; hidden and
    // left-recursive like `GlobPath`, shown as one `tool_pattern` node.
    tool_pattern: $ => $._glob_path,
    _glob_path: $ => choice(
      $._target_head,
      $.wildcard,
      seq($._glob_path, '.', choice($._name, $.wildcard)),
    ),

    wildcard: _ => '*',

    tool_set: $ => seq('{', commaPlus($.tool_path), '}'),

    output_target: $ => seq('output', field('channel', $._name)),

    // toolpath = name { "." name } ;
    tool_path: $ => $._tool_path,
    _tool_path: $ => choice($._name, seq($._tool_path, '.', $._name)),

    _event_path: $ => choice($._event_head, seq($._event_path, '.', $._name)),

    // ------------------------------------------------------------ types

    // type = name | name "<" type ">" | name "[" int ".." int "]"
    //      | "enum" "{" [ commas(name) ] "}" ;
    _type: $ => choice($._type_name, $.generic_type, $.range_type, $.enum_type),

    // A type name is any name (types are looked up, not reserved), shown
    // as a `type_identifier` leaf.
    _type_name: $ => choice(
      alias($.identifier, $.type_identifier),
      alias(choice(...CONTEXTUAL, 'expect', 'output'), $.type_identifier),
    ),

    generic_type: $ => seq(
      field('name', $._type_name),
      '<',
      field('argument', $._type),
      '>',
    ),

    range_type: $ => seq(
      field('name', $._type_name),
      '[',
      field('low', $.bound),
      '..',
      field('high', $.bound),
      ']',
    ),

    // int = [ "-" ] INT ;
    bound: $ => seq(optional('-'), $.integer),

    enum_type: $ => seq('enum', '{', commaStar(field('variant', $._name)), '}'),

    // ------------------------------------------------------ expressions

    // The levels of the LALRPOP grammar, loosest first. Each level is a
    // hidden rule so that the tree shows only the operator nodes.
    _expression: $ => choice(alias($._or, $.binary_expression), $._and_level),

    // expr = and { "||" and } ;
    _or: $ => seq(
      field('left', $._expression),
      field('operator', '||'),
      field('right', $._and_level),
    ),

    // and = not { "&&" not } ;
    _and_level: $ => choice(alias($._and, $.binary_expression), $._not_level),
    _and: $ => seq(
      field('left', $._and_level),
      field('operator', '&&'),
      field('right', $._not_level),
    ),

    // not = "!" not | cmp ;
    _not_level: $ => choice(alias($._not, $.unary_expression), $._cmp_level),
    _not: $ => seq(field('operator', '!'), field('operand', $._not_level)),

    // cmp = sum [ op sum | "in" sum | "matches" ( "glob" | "regex" ) STRING ]
    //     | "context" "has" name ;
    _cmp_level: $ => choice(
      alias($._compare, $.binary_expression),
      $.match_expression,
      $.context_has_expression,
      $._sum_level,
    ),
    _compare: $ => seq(
      field('left', $._sum_level),
      field('operator', choice('==', '!=', '<', '<=', '>', '>=', 'in')),
      field('right', $._sum_level),
    ),

    match_expression: $ => seq(
      field('left', $._sum_level),
      'matches',
      field('kind', choice('glob', 'regex')),
      field('pattern', $.string),
    ),

    context_has_expression: $ => seq('context', 'has', field('label', $._name)),

    // sum = neg { ( "+" | "-" ) neg } ;
    _sum_level: $ => choice(alias($._sum, $.binary_expression), $._neg_level),
    _sum: $ => seq(
      field('left', $._sum_level),
      field('operator', choice('+', '-')),
      field('right', $._neg_level),
    ),

    // neg = "-" neg | atom ;
    _neg_level: $ => choice(alias($._neg, $.unary_expression), $._atom),
    _neg: $ => seq(field('operator', '-'), field('operand', $._neg_level)),

    // atom = INT | STRING | DURATION | "true" | "false" | "[" .. "]"
    //      | name | name "(" .. ")" | "has" "(" name ")" | "(" expr ")" ;
    _atom: $ => choice(
      $.integer,
      $.string,
      $.duration,
      $.boolean,
      $.list_expression,
      $._name,
      $.call_expression,
      $.has_expression,
      $.parenthesized_expression,
    ),

    list_expression: $ => seq('[', commaStar($._expression), ']'),

    call_expression: $ => seq(
      field('function', $._name),
      field('arguments', $.arguments),
    ),

    arguments: $ => seq('(', commaStar($._expression), ')'),

    has_expression: $ => seq('has', '(', field('parameter', $._name), ')'),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    boolean: _ => choice('true', 'false'),

    // ------------------------------------------------------------ names

    // name = IDENT | contextual word ; the contextual words appear as
    // `identifier` nodes wherever they are names.
    _name: $ => choice(
      $.identifier,
      alias(choice(...CONTEXTUAL, 'expect', 'output'), $.identifier),
    ),

    // RESTRICTION (as in the LALRPOP grammar): a target's first name may
    // not be `output`; write `` `output` `` for a tool of that name there.
    _target_head: $ => choice(
      $.identifier,
      alias(choice(...CONTEXTUAL, 'expect'), $.identifier),
    ),

    // RESTRICTION: a test step's first name may not be `expect`.
    _event_head: $ => choice(
      $.identifier,
      alias(choice(...CONTEXTUAL, 'output'), $.identifier),
    ),

    // An ASCII identifier, or any name between backticks on one line.
    identifier: _ => token(choice(
      /[A-Za-z_][A-Za-z0-9_]*/,
      /`[^`\n]+`/,
    )),

    // ---------------------------------------------------------- literals

    integer: _ => /[0-9]+/,

    duration: _ => /[0-9]+(ms|s|m|h|d)/,

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\\n]+/)),

    escape_sequence: _ => token.immediate(seq(
      '\\',
      choice(/["\\ntr0]/, /u\{[0-9A-Fa-f]{1,6}\}/),
    )),

    // ---------------------------------------------------------- comments

    // `///` then anything that does not start with `/`: exactly three
    // slashes. The line comment below matches every other `//` line, so the
    // two tokens never match the same text.
    doc_comment: _ => token(seq('///', optional(seq(/[^\/\n]/, /[^\n]*/)))),

    line_comment: _ => token(choice(
      seq('//', optional(seq(/[^\/\n]/, /[^\n]*/))),
      seq('////', /[^\n]*/),
    )),
  },
});
