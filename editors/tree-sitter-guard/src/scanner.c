// External scanner for tree-sitter-guard: nested block comments.
//
// Guard's block comments nest (`/* a /* b */ c */` is one comment, see
// docs/language.md §2.1), which needs a depth counter that a regular token
// cannot express. The scanner keeps no state between tokens, so
// serialisation is empty. An unterminated comment runs to the end of the
// file, as in guardc's lexer (which reports it as E0004), so the rest of the
// file is shown as a comment rather than as a cascade of errors.

#include "tree_sitter/parser.h"

enum TokenType {
  BLOCK_COMMENT,
};

void *tree_sitter_guard_external_scanner_create(void) { return NULL; }

void tree_sitter_guard_external_scanner_destroy(void *payload) { (void)payload; }

unsigned tree_sitter_guard_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}

void tree_sitter_guard_external_scanner_deserialize(void *payload, const char *buffer,
                                                    unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static bool is_space(int32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

bool tree_sitter_guard_external_scanner_scan(void *payload, TSLexer *lexer,
                                             const bool *valid_symbols) {
  (void)payload;
  if (!valid_symbols[BLOCK_COMMENT]) {
    return false;
  }
  while (is_space(lexer->lookahead)) {
    lexer->advance(lexer, true);
  }
  if (lexer->lookahead != '/') {
    return false;
  }
  lexer->advance(lexer, false);
  if (lexer->lookahead != '*') {
    // `//` and `///` comments and anything else belong to the internal
    // lexer; returning false makes tree-sitter lex this position again.
    return false;
  }
  lexer->advance(lexer, false);

  unsigned depth = 1;
  while (!lexer->eof(lexer)) {
    int32_t c = lexer->lookahead;
    lexer->advance(lexer, false);
    if (c == '/' && lexer->lookahead == '*') {
      lexer->advance(lexer, false);
      depth++;
    } else if (c == '*' && lexer->lookahead == '/') {
      lexer->advance(lexer, false);
      depth--;
      if (depth == 0) {
        break;
      }
    }
  }
  lexer->mark_end(lexer);
  lexer->result_symbol = BLOCK_COMMENT;
  return true;
}
