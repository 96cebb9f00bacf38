-- Buffer settings for Guard policies: comments, indentation, and the
-- language server when `require('guard').setup()` has been called.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = '// %s'
-- `///` doc comments first, so `gq` and `o` continue them as doc comments.
vim.bo.comments = ':///,://,s1:/*,mb:*,ex:*/'
vim.bo.expandtab = true
vim.bo.shiftwidth = 4
vim.bo.softtabstop = 4
vim.bo.tabstop = 4
-- Backtick names may contain `-`; plain names are [A-Za-z0-9_].
vim.bo.iskeyword = '@,48-57,_'
vim.bo.suffixesadd = '.guard'

vim.b.undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth<'
  .. ' softtabstop< tabstop< iskeyword< suffixesadd<'
