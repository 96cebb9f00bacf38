-- Guard support for Neovim: starts `guardc lsp` for `guard` buffers and
-- registers the tree-sitter parser with nvim-treesitter.
--
-- Written against the Neovim 0.7 API (`vim.lsp.start_client` plus
-- `vim.lsp.buf_attach_client` on FileType), which later versions keep, so
-- the same code runs on Debian's 0.7.2 and on current releases. One server
-- is started per root directory and shared by the buffers under it.
local M = {}

local defaults = {
  -- The server command. `guardc` must be on PATH, or give a full path.
  cmd = { 'guardc', 'lsp' },
  -- Files or directories that mark a project root; the first one found
  -- upwards from a buffer's file wins, else the file's own directory.
  root_markers = { '.git' },
  -- Called as on_attach(client, bufnr) when a buffer attaches.
  on_attach = nil,
  -- Client capabilities; defaults to Neovim's own.
  capabilities = nil,
  -- Passed through to start_client (e.g. `{ debounce_text_changes = 50 }`).
  flags = nil,
  settings = nil,
  -- Start tree-sitter highlighting in guard buffers when a `guard` parser
  -- is installed (see README.md); silently skipped when none is.
  treesitter = true,
}

M.config = vim.deepcopy(defaults)

-- root directory -> client id
local clients = {}

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

--- The project root of `path`: the nearest ancestor holding a root marker,
--- or the file's directory.
function M.root_dir(path)
  local dir = dirname(path)
  local current = dir
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if vim.loop.fs_stat(current .. '/' .. marker) then
        return current
      end
    end
    local parent = dirname(current)
    if parent == current then
      return dir
    end
    current = parent
  end
end

--- The id of the running client for `root`, if it is still alive.
local function live_client(root)
  local id = clients[root]
  if id and vim.lsp.get_client_by_id(id) and not vim.lsp.client_is_stopped(id) then
    return id
  end
  clients[root] = nil
  return nil
end

--- Starts (or reuses) the server for a buffer and attaches the buffer.
--- Returns the client id, or nil when the server could not be started.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    name = vim.fn.getcwd() .. '/untitled.guard'
  end
  local root = M.root_dir(vim.fn.fnamemodify(name, ':p'))
  local id = live_client(root)
  if not id then
    local cfg = M.config
    id = vim.lsp.start_client({
      name = 'guard',
      cmd = cfg.cmd,
      root_dir = root,
      workspace_folders = {
        { uri = vim.uri_from_fname(root), name = root },
      },
      capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities(),
      on_attach = cfg.on_attach,
      flags = cfg.flags,
      settings = cfg.settings,
    })
    if not id then
      vim.notify(
        'guard: could not start ' .. table.concat(cfg.cmd, ' ') .. ' (is guardc on PATH?)',
        vim.log.levels.ERROR
      )
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  -- Completion through <C-x><C-o>; Neovim 0.8 and later set this
  -- themselves, 0.7 does not.
  if vim.bo[bufnr].omnifunc == '' then
    vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
  end
  return id
end

--- Starts tree-sitter highlighting for a buffer with the `guard` parser
--- found on 'runtimepath' (`parser/guard.so`) and the queries in
--- `queries/guard/`. Returns false when no parser is installed.
function M.start_treesitter(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.treesitter.start then
    -- Neovim 0.8 and later.
    return (pcall(vim.treesitter.start, bufnr, 'guard'))
  end
  -- Neovim 0.7: the highlighter has to be created by hand.
  local ok, parser = pcall(vim.treesitter.get_parser, bufnr, 'guard')
  if not ok or not parser then
    return false
  end
  vim.treesitter.highlighter.new(parser)
  return true
end

--- Configures the plugin and attaches every `guard` buffer, open now or
--- later, to the server.
function M.setup(opts)
  opts = opts or {}
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts)
  -- Lists replace the defaults rather than merging with them index by
  -- index (tbl_deep_extend would turn `{ '/opt/guardc' }` into
  -- `{ '/opt/guardc', 'lsp' }`).
  for _, key in ipairs({ 'cmd', 'root_markers' }) do
    if opts[key] then
      M.config[key] = vim.deepcopy(opts[key])
    end
  end
  local group = vim.api.nvim_create_augroup('guard_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'guard',
    callback = function(args)
      M.attach(args.buf)
      if M.config.treesitter then
        M.start_treesitter(args.buf)
      end
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'guard' then
      M.attach(buf)
      if M.config.treesitter then
        M.start_treesitter(buf)
      end
    end
  end
end

--- Registers the tree-sitter-guard parser with nvim-treesitter, so that
--- `:TSInstall guard` builds it from `path` (the repository's
--- editors/tree-sitter-guard directory). Returns false when
--- nvim-treesitter is not installed. The generated parser is not in the
--- repository, so nvim-treesitter generates it, which needs the
--- `tree-sitter` CLI on PATH.
function M.register_treesitter(path)
  local ok, parsers = pcall(require, 'nvim-treesitter.parsers')
  if not ok then
    return false
  end
  local configs = parsers.get_parser_configs()
  configs.guard = {
    install_info = {
      url = path,
      files = { 'src/parser.c', 'src/scanner.c' },
      requires_generate_from_grammar = true,
      generate_requires_npm = false,
    },
    filetype = 'guard',
  }
  return true
end

return M
