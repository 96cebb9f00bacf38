-- End-to-end test of `guardc lsp` in a real Neovim (Debian's 0.7.2 in CI),
-- through the editors/neovim package exactly as a user configures it.
--
-- Run by tests/nvim/run, which starts
--   nvim --headless --clean --cmd 'set rtp^=<repo>/editors/neovim' -c 'luafile tests/nvim/lsp_test.lua'
-- with these environment variables:
--   GUARD_REPO        the repository root
--   GUARDC            the guardc binary
--   and, on 'runtimepath', parser/guard.so: the tree-sitter-guard parser
--   (ABI 14), installed where a user would put it
--   GUARD_EXPECT_CODE the diagnostic code to wait for (default E0104; the
--                     runner passes a wrong one to prove failures fail)
--   GUARD_WAIT_MS     how long to wait for the diagnostic (default 20000)
--
-- The script opens a copy of examples/mail_assistant.guard with a
-- misspelt gate, waits for the server's diagnostic with the expected code
-- at the misspelt name, asks for a hover on a tool and checks that it
-- shows the tool's signature, checks definition, references, completion,
-- rename and formatting through Neovim's client, and checks that
-- tree-sitter highlighting starts with the parser and queries. It exits 0 when everything holds and 1
-- otherwise (any error, a failed check, or a timeout).

local results = { passed = 0, failed = 0 }

local function finish()
  io.stdout:write(string.format('nvim: %d passed, %d failed\n', results.passed, results.failed))
  io.stdout:flush()
  if results.failed > 0 then
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local function check(ok, what)
  if ok then
    results.passed = results.passed + 1
    io.stdout:write('ok   ' .. what .. '\n')
  else
    results.failed = results.failed + 1
    io.stdout:write('FAIL ' .. what .. '\n')
  end
  return ok
end

local function env(name, default)
  local value = os.getenv(name)
  if value == nil or value == '' then
    if default == nil then
      error('environment variable ' .. name .. ' is not set')
    end
    return default
  end
  return value
end

local function read(path)
  local f = assert(io.open(path, 'r'))
  local text = f:read('*a')
  f:close()
  return text
end

local function write(path, text)
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end

--- 0-based line and byte column of the first plain-text `needle` in
--- `text` after byte `from`.
local function locate(text, needle, from)
  local s = text:find(needle, from or 1, true)
  assert(s, 'not found: ' .. needle)
  local before = text:sub(1, s - 1)
  local _, newlines = before:gsub('\n', '')
  local line_start = before:match('.*\n()') or 1
  return newlines, s - line_start
end

local function run()
  local repo = env('GUARD_REPO')
  local guardc = env('GUARDC')
  local expect_code = env('GUARD_EXPECT_CODE', 'E0104')
  local wait_ms = tonumber(env('GUARD_WAIT_MS', '20000'))

  -- A broken copy of an example: `user_confrm` is not a gate (E0104).
  local good = 'escalate mail.move to user_confirm when'
  local bad = 'escalate mail.move to user_confrm when'
  local text = read(repo .. '/examples/mail_assistant.guard')
  local s = text:find(good, 1, true)
  assert(s, 'the example changed: `' .. good .. '` not found')
  text = text:sub(1, s - 1) .. bad .. text:sub(s + #good)
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  local path = dir .. '/mail_assistant.guard'
  write(path, text)

  require('guard').setup({ cmd = { guardc, 'lsp' } })
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()

  check(vim.bo[buf].filetype == 'guard', 'ftdetect: *.guard has filetype guard')
  check(vim.bo[buf].commentstring == '// %s', 'ftplugin: commentstring is // %s')

  -- The diagnostic, at the misspelt gate.
  local want_line, want_col = locate(text, 'user_confrm')
  local found
  vim.wait(wait_ms, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      if code == expect_code then
        found = d
        return true
      end
    end
    return false
  end, 50)
  if not check(found ~= nil, 'diagnostic ' .. expect_code .. ' received') then
    local got = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(got, tostring(d.code) .. ' ' .. d.message)
    end
    io.stdout:write('     diagnostics: ' .. vim.inspect(got) .. '\n')
    return
  end
  check(
    found.lnum == want_line and found.col == want_col and found.end_col == want_col + #'user_confrm',
    string.format(
      'diagnostic range %d:%d-%d (want %d:%d-%d)',
      found.lnum, found.col, found.end_col, want_line, want_col, want_col + #'user_confrm'
    )
  )
  check(found.severity == vim.diagnostic.severity.ERROR, 'diagnostic is an error')
  -- The client counts as attached once it has initialized, which the
  -- diagnostic above proves has happened.
  local names = {}
  for _, client in pairs(vim.lsp.buf_get_clients(buf)) do
    table.insert(names, client.name)
  end
  check(#names == 1 and names[1] == 'guard', 'setup(): one `guard` client attached on FileType')

  -- A hover on `mail.send` in a rule shows the tool's signature.
  local rule_line, rule_col = locate(text, 'allow mail.send when')
  vim.api.nvim_win_set_cursor(0, { rule_line + 1, rule_col + #'allow mail.' })
  local params = vim.lsp.util.make_position_params()
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 10000)
  local hover = ''
  for _, response in pairs(responses or {}) do
    local contents = response.result and response.result.contents
    if type(contents) == 'table' then
      hover = hover .. (contents.value or vim.inspect(contents))
    elseif type(contents) == 'string' then
      hover = hover .. contents
    end
  end
  check(
    hover:find('tool mail.send(to: str, cc: list<str>?, subject: str, body: str) -> str', 1, true) ~= nil,
    'hover shows the signature of mail.send'
  )
  check(hover:find('Sends a message now', 1, true) ~= nil, 'hover shows the doc comment')

  local function request(method, params)
    local responses = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
    for _, response in pairs(responses) do
      if response.result ~= nil then
        return response.result
      end
    end
    return nil
  end
  local function position_params(needle, nth, offset)
    local from = 1
    for _ = 1, nth or 1 do
      from = text:find(needle, from, true) + 1
    end
    local line, col = locate(text, needle, from - 1)
    vim.api.nvim_win_set_cursor(0, { line + 1, col + (offset or 0) })
    return vim.lsp.util.make_position_params()
  end

  -- Definition: a use of `security_review` leads to `gate security_review`.
  local gate_line = locate(text, 'gate security_review')
  local def = request('textDocument/definition', position_params('to security_review', 1, 3))
  local loc = def and (def[1] or def)
  local def_range = loc and (loc.targetSelectionRange or loc.range)
  check(def_range ~= nil and def_range.start.line == gate_line, 'definition of a gate')

  -- References: every use of `security_review` outside comments.
  local uses = 0
  for line in (text .. '\n'):gmatch('(.-)\n') do
    local code = line:gsub('//.*$', '')
    for _ in code:gmatch('security_review') do
      uses = uses + 1
    end
  end
  local ref_params = position_params('gate security_review', 1, 5)
  ref_params.context = { includeDeclaration = true }
  local refs = request('textDocument/references', ref_params)
  check(refs ~= nil and #refs == uses and uses > 2, string.format('references: %d of %d', refs and #refs or 0, uses))

  -- Completion after `context has `: the declared labels.
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, last, last, false, { 'deny http.post when context has ' })
  -- In normal mode the cursor cannot sit after the line's last character,
  -- as it does while typing in insert mode, so the position is built here.
  local completion = request('textDocument/completion', {
    textDocument = vim.lsp.util.make_text_document_params(),
    position = { line = last, character = #'deny http.post when context has ' },
  })
  local items = completion and (completion.items or completion) or {}
  local labels = {}
  for _, item in ipairs(items) do
    labels[item.label] = true
  end
  check(
    labels.private and labels.untrusted and not labels.external_sends,
    'completion offers labels after `context has`: ' .. table.concat(vim.tbl_keys(labels), ' ')
  )
  vim.api.nvim_buf_set_lines(buf, last, last + 1, false, {})

  -- Rename: `external_sends` everywhere.
  local count = 0
  for _ in text:gmatch('external_sends') do
    count = count + 1
  end
  local rename_params = position_params('state external_sends', 1, 7)
  rename_params.newName = 'outside_sends'
  local edit = request('textDocument/rename', rename_params)
  local n = 0
  if edit then
    for _, edits in pairs(edit.changes or {}) do
      n = n + #edits
    end
    for _, change in ipairs(edit.documentChanges or {}) do
      n = n + #(change.edits or {})
    end
  end
  check(n == count and count > 3, string.format('rename edits %d uses (want %d)', n, count))

  -- Formatting a badly spaced line gives edits.
  local l = locate(text, 'allow mail.create_draft;')
  vim.api.nvim_buf_set_lines(buf, l, l + 1, false, { 'allow    mail.create_draft ;' })
  local formatted = request('textDocument/formatting', {
    textDocument = vim.lsp.util.make_text_document_params(),
    options = { tabSize = 4, insertSpaces = true },
  })
  if formatted then
    vim.lsp.util.apply_text_edits(formatted, buf, 'utf-16')
  end
  local after = vim.api.nvim_buf_get_lines(buf, l, l + 1, false)[1]
  check(after == 'allow mail.create_draft;', 'formatting restores `allow mail.create_draft;`')

  -- Tree-sitter: FileType started the highlighter with parser/guard.so
  -- from 'runtimepath' and the queries of editors/neovim/queries/guard.
  check(vim.treesitter.highlighter.active[buf] ~= nil, 'tree-sitter highlighting started')
  local ok_parser, parser = pcall(vim.treesitter.get_parser, buf, 'guard')
  local tree = ok_parser and parser:parse()[1]
  check(tree and not tree:root():has_error(), 'tree-sitter parses the buffer without errors')
  for _, name in ipairs({ 'highlights', 'locals', 'folds' }) do
    local files = vim.api.nvim_get_runtime_file('queries/guard/' .. name .. '.scm', false)
    local ok = #files > 0 and pcall(vim.treesitter.parse_query, 'guard', read(files[1]))
    check(ok, 'query queries/guard/' .. name .. '.scm loads')
  end
end

local ok, err = pcall(run)
if not ok then
  check(false, 'the test raised an error: ' .. tostring(err))
end
finish()
