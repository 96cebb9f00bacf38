// Tests the TextMate grammar with the engine VS Code itself uses
// (vscode-textmate on the Oniguruma WebAssembly build).
//
// Two kinds of checks:
// * every `.guard` file of the repository's examples and standard library,
//   and every complete example of docs/language.md, tokenizes completely
//   (no line stops early) and, since those are lexically valid Guard, no
//   token is scoped `invalid.illegal`;
// * in a few files, tokens found by their text carry the scope a reader
//   expects (keywords, strings, escapes, comments, numbers, types, names).
//
// Run with `node test/grammar.test.js` from editors/vscode; it exits
// non-zero on the first failed file, listing every failure of that run.

'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.resolve(__dirname, '..', '..', '..');
const grammarPath = path.resolve(__dirname, '..', 'syntaxes', 'guard.tmLanguage.json');

async function loadGrammar() {
  const wasm = fs.readFileSync(
    path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'),
  );
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.guard') {
        return null;
      }
      const text = fs.readFileSync(grammarPath, 'utf8');
      return vsctm.parseRawGrammar(text, grammarPath);
    },
  });
  const grammar = await registry.loadGrammar('source.guard');
  if (!grammar) {
    throw new Error('the grammar did not load');
  }
  return grammar;
}

/**
 * Tokenizes a whole file. Returns, per line, the tokens with their text and
 * scopes, and records lines whose tokenization stopped early.
 */
function tokenize(grammar, text) {
  const lines = text.split(/\r?\n/);
  let state = vsctm.INITIAL;
  const out = [];
  const stopped = [];
  lines.forEach((line, i) => {
    const result = grammar.tokenizeLine(line, state, 1000);
    if (result.stoppedEarly) {
      stopped.push(i + 1);
    }
    out.push(
      result.tokens.map((t) => ({
        text: line.substring(t.startIndex, t.endIndex),
        start: t.startIndex,
        scopes: t.scopes,
      })),
    );
    state = result.ruleStack;
  });
  return { lines: out, stopped };
}

function guardFiles() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.guard')) {
        found.push(full);
      }
    }
  };
  walk(path.join(root, 'examples'));
  walk(path.join(root, 'stdlib'));
  return found.sort();
}

/**
 * The complete policies of the language reference: its ```guard blocks,
 * except those whose first line announces a lexical or parse error.
 */
function referenceBlocks() {
  const text = fs.readFileSync(path.join(root, 'docs', 'language.md'), 'utf8');
  const blocks = [];
  const re = /^```guard\n([\s\S]*?)^```$/gm;
  let m;
  while ((m = re.exec(text)) !== null) {
    const body = m[1];
    if (!/^\/\/ error\[E00/.test(body)) {
      const line = text.slice(0, m.index).split('\n').length;
      blocks.push({ name: `docs/language.md:${line}`, text: body });
    }
  }
  return blocks;
}

const failures = [];
let checks = 0;

function fail(message) {
  failures.push(message);
}

/**
 * Asserts that the `occurrence`-th token whose text is `text` on the first
 * line matching `lineRe` has a scope starting with `scope`.
 */
function expectScope(file, tokens, lineRe, text, scope, occurrence = 0) {
  checks += 1;
  const lineIndex = tokens.lines.findIndex((toks) => lineRe.test(toks.map((t) => t.text).join('')));
  if (lineIndex < 0) {
    fail(`${file}: no line matches ${lineRe}`);
    return;
  }
  const matching = tokens.lines[lineIndex].filter((t) => t.text.trim() === text);
  const token = matching[occurrence];
  if (!token) {
    fail(`${file}:${lineIndex + 1}: no token \`${text}\` (#${occurrence}) on the line`);
    return;
  }
  if (!token.scopes.some((s) => s.startsWith(scope))) {
    fail(
      `${file}:${lineIndex + 1}: \`${text}\` has scopes ${token.scopes.join(' ')}, expected ${scope}`,
    );
  }
}

async function main() {
  const grammar = await loadGrammar();

  // Every example and stdlib module: complete and free of invalid scopes.
  const files = guardFiles();
  if (files.length < 10) {
    fail(`expected at least 10 .guard files under examples/ and stdlib/, found ${files.length}`);
  }
  const blocks = referenceBlocks();
  if (blocks.length < 20) {
    fail(`expected at least 20 guard blocks in docs/language.md, found ${blocks.length}`);
  }
  const sources = files
    .map((file) => ({ name: path.relative(root, file), text: fs.readFileSync(file, 'utf8') }))
    .concat(blocks);
  const tokenized = new Map();
  for (const { name: rel, text } of sources) {
    const tokens = tokenize(grammar, text);
    tokenized.set(rel, tokens);
    checks += 1;
    if (tokens.stopped.length > 0) {
      fail(`${rel}: tokenization stopped early on lines ${tokens.stopped.join(', ')}`);
    }
    tokens.lines.forEach((toks, i) => {
      for (const t of toks) {
        if (t.scopes.some((s) => s.startsWith('invalid'))) {
          fail(`${rel}:${i + 1}:${t.start + 1}: \`${t.text}\` is scoped ${t.scopes.join(' ')}`);
        }
      }
    });
  }

  // Known scopes at known places of a real example.
  const mail = 'examples/mail_assistant.guard';
  const m = tokenized.get(mail);
  if (!m) {
    fail(`${mail} was not tokenized`);
  } else {
    expectScope(mail, m, /^\/\/ mail_assistant\.guard/, '// mail_assistant.guard — an e-mail assistant acting for one employee.', 'comment.line.double-slash');
    expectScope(mail, m, /^policy mail_assistant;/, 'policy', 'keyword.other.policy');
    expectScope(mail, m, /^policy mail_assistant;/, 'mail_assistant', 'entity.name.namespace');
    expectScope(mail, m, /^use std::labels/, 'use', 'keyword.other.import');
    expectScope(mail, m, /^\/\/\/ Lists message headers/, '/// Lists message headers (id, sender, subject, date) in a folder.', 'comment.line.documentation');
    expectScope(mail, m, /^tool mail\.list_messages/, 'tool', 'storage.type.tool');
    expectScope(mail, m, /^tool mail\.list_messages/, 'mail.list_messages', 'entity.name.function.tool');
    expectScope(mail, m, /^tool mail\.list_messages/, 'str', 'support.type.builtin');
    expectScope(mail, m, /^tool mail\.list_messages/, 'bool', 'support.type.builtin');
    expectScope(mail, m, /^tool mail\.list_messages/, '?', 'keyword.operator.optional');
    expectScope(mail, m, /^\s+labels \[private, untrusted\] effects \[read\];/, 'labels', 'keyword.other.list');
    expectScope(mail, m, /^\s+labels \[private, untrusted\] effects \[read\];/, 'effects', 'keyword.other.list');
    expectScope(mail, m, /^\s+labels \[private, untrusted\] effects \[read\];/, 'untrusted', 'constant.other.label');
    expectScope(mail, m, /^\s+labels \[private, untrusted\] effects \[read\];/, 'read', 'entity.other.attribute-name.effect');
    expectScope(mail, m, /^escalate http\.post to security_review when context has private/, 'private', 'constant.other.label');
    expectScope(mail, m, /^tool mail\.send\(/, 'list', 'support.type.builtin');
    expectScope(mail, m, /^tool mail\.send\(/, '<', 'punctuation.definition.typeparameters.begin');
    expectScope(mail, m, /^tool mail\.send\(/, 'str', 'support.type.builtin', 1);
    expectScope(mail, m, /^tool mail\.send\(/, '>', 'punctuation.definition.typeparameters.end');
    expectScope(mail, m, /^tool mail\.move\(/, 'enum', 'storage.type.enum');
  }

  // A synthetic file for the constructs the examples may not all contain.
  const sample = [
    'state sends: int[0..5] = 0;',
    'gate owner { approvers: ["user"]; timeout: 10m; }',
    'escalate mail.send to owner when context has private because "needs \\"you\\"\\u{e9}";',
    'deny fs.* when path matches glob "/etc/**" || !(len(path) > 3);',
    'redact output chat matching regex "[0-9]+" with "#";',
    '/* outer /* nested */ still comment */ allow x;',
    'assert a: never mail.read ~> mail.send unless approved owner;',
    'test "t" with tier = paid {',
    '    mail.send(to: "a") => escalate owner approved;',
    '    expect sends == 1;',
    '}',
    'allow `output`.write;',
    'default deny;',
    'on web.post { posts = posts + 1; }',
    'state on: bool = false;',
    'allow {git.git_commit, git.`roll-back`} when repo_path == "/w";',
    'test "u" { output.write(text: "hi") => allow; }',
  ].join('\n');
  const s = tokenize(grammar, sample);
  const sf = '<sample>';
  expectScope(sf, s, /^state sends/, 'state', 'storage.type.state');
  expectScope(sf, s, /^state sends/, 'sends', 'variable.other.state');
  expectScope(sf, s, /^state sends/, 'int', 'support.type.builtin');
  expectScope(sf, s, /^state sends/, '..', 'keyword.operator.range');
  expectScope(sf, s, /^state sends/, '5', 'constant.numeric.integer');
  expectScope(sf, s, /^gate owner/, 'gate', 'storage.type.gate');
  expectScope(sf, s, /^gate owner/, 'owner', 'entity.name.type.gate');
  expectScope(sf, s, /^gate owner/, '10', 'constant.numeric.duration');
  expectScope(sf, s, /^gate owner/, 'm', 'keyword.other.unit');
  expectScope(sf, s, /^gate owner/, 'user', 'string.quoted.double');
  expectScope(sf, s, /^escalate mail/, 'escalate', 'keyword.control.verdict');
  expectScope(sf, s, /^escalate mail/, 'mail.send', 'entity.name.function.tool');
  expectScope(sf, s, /^escalate mail/, 'to', 'keyword.other.to');
  expectScope(sf, s, /^escalate mail/, 'when', 'keyword.control.conditional');
  expectScope(sf, s, /^escalate mail/, 'context', 'variable.language.context');
  expectScope(sf, s, /^escalate mail/, 'has', 'keyword.operator.word.has');
  expectScope(sf, s, /^escalate mail/, 'because', 'keyword.control.conditional');
  expectScope(sf, s, /^escalate mail/, '\\"', 'constant.character.escape');
  expectScope(sf, s, /^escalate mail/, '\\u{e9}', 'constant.character.escape');
  expectScope(sf, s, /^deny fs/, 'fs.*', 'entity.name.function.tool');
  expectScope(sf, s, /^deny fs/, 'matches', 'keyword.operator.word.matches');
  expectScope(sf, s, /^deny fs/, 'glob', 'keyword.other.pattern-kind');
  expectScope(sf, s, /^deny fs/, '||', 'keyword.operator.logical');
  expectScope(sf, s, /^deny fs/, 'len', 'support.function.builtin');
  expectScope(sf, s, /^deny fs/, '>', 'keyword.operator.comparison');
  expectScope(sf, s, /^redact output/, 'redact', 'keyword.control.verdict');
  expectScope(sf, s, /^redact output/, 'output', 'keyword.other.output');
  expectScope(sf, s, /^redact output/, 'chat', 'entity.name.type.channel');
  expectScope(sf, s, /^redact output/, 'matching', 'keyword.other.matching');
  expectScope(sf, s, /^redact output/, 'regex', 'keyword.other.regex');
  expectScope(sf, s, /^redact output/, 'with', 'keyword.other.with');
  expectScope(sf, s, /^\/\* outer/, 'still comment', 'comment.block');
  expectScope(sf, s, /^\/\* outer/, 'allow', 'keyword.control.verdict');
  expectScope(sf, s, /^assert a/, 'never', 'keyword.other.quantifier');
  expectScope(sf, s, /^assert a/, '~>', 'keyword.operator.arrow.eventually');
  expectScope(sf, s, /^assert a/, 'unless', 'keyword.control.unless');
  expectScope(sf, s, /^assert a/, 'approved', 'keyword.other.approved');
  expectScope(sf, s, /^test "t"/, 'test', 'keyword.other.test');
  expectScope(sf, s, /^test "t"/, 'with', 'keyword.other.with');
  expectScope(sf, s, /^\s+mail\.send\(to/, 'to', 'variable.other');
  expectScope(sf, s, /^\s+mail\.send\(to/, '=>', 'keyword.operator.arrow');
  expectScope(sf, s, /^\s+mail\.send\(to/, 'approved', 'keyword.other.answer');
  expectScope(sf, s, /^\s+expect sends/, 'expect', 'keyword.other.expect');
  expectScope(sf, s, /^allow `output`/, '`output`.write', 'entity.name.function.tool');
  expectScope(sf, s, /^default deny/, 'default', 'keyword.other.default');
  expectScope(sf, s, /^on web\.post/, 'on', 'keyword.control.on');
  expectScope(sf, s, /^on web\.post/, 'posts', 'variable.other');
  expectScope(sf, s, /^state on: bool/, 'on', 'variable.other.state');
  expectScope(sf, s, /^state on: bool/, 'bool', 'support.type.builtin');
  expectScope(sf, s, /^allow \{git/, 'git.git_commit', 'entity.name.function.tool');
  expectScope(sf, s, /^allow \{git/, 'git.`roll-back`', 'entity.name.function.tool');
  expectScope(sf, s, /^allow \{git/, 'repo_path', 'variable.other');
  expectScope(sf, s, /^test "u"/, 'output.write', 'entity.name.function.tool');

  // The checks above must be able to fail: a misspelt keyword is not a
  // keyword, and a stray `#` is invalid.
  const bad = tokenize(grammar, 'alow x; # nope');
  const alow = bad.lines[0].find((t) => t.text === 'alow');
  checks += 1;
  if (!alow || alow.scopes.some((sc) => sc.startsWith('keyword'))) {
    fail('`alow` should not be a keyword');
  }
  const hash = bad.lines[0].find((t) => t.text === '#');
  checks += 1;
  if (!hash || !hash.scopes.some((sc) => sc.startsWith('invalid.illegal'))) {
    fail('`#` should be invalid');
  }

  if (failures.length > 0) {
    console.error(failures.join('\n'));
    console.error(`grammar: ${checks - failures.length} passed, ${failures.length} failed`);
    process.exit(1);
  }
  console.log(`${files.length} .guard files and ${blocks.length} reference examples tokenized`);
  console.log(`grammar: ${checks} passed, 0 failed`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
