-- Guard policies: *.guard files get the `guard` filetype.
--
-- ftdetect scripts run on every start-up, so this file only registers the
-- extension. `vim.filetype.add` is the modern API; Neovim 0.7's Lua
-- filetype detection is opt-in (`g:do_filetype_lua`), so an autocommand
-- is used there, which works in every version.
if vim.filetype and vim.filetype.add and vim.fn.has('nvim-0.8') == 1 then
  vim.filetype.add({ extension = { guard = 'guard' } })
else
  vim.cmd([[autocmd BufRead,BufNewFile *.guard setfiletype guard]])
end
