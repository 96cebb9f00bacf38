//! Definition, references and rename. A declaration is identified across
//! analyses by its file's URI and its name's span, so references and
//! renames gather the uses from every open document's analysis: renaming
//! a tool in a shared `tools.guard` also rewrites the policies that
//! import it.

use std::collections::HashMap;
use std::path::PathBuf;

use guard_syntax::ast::{self, ItemKind};

use guard_syntax::lex::{tokenize, Token};
use lsp_types::{Location, Range, TextEdit, Url};

use crate::analysis::Analysis;
use crate::index::{DefId, DefKind};

/// A declaration's identity across analyses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefKey {
    pub uri: Url,
    pub range: Range,
    pub kind: DefKind,
}

/// The declaration under the cursor of the root file.
pub fn def_at(a: &Analysis, offset: u32) -> Option<(DefId, DefKey)> {
    let (def, _) = a.index.at(a.root, offset)?;
    Some((def, key(a, def)?))
}

pub fn key(a: &Analysis, def: DefId) -> Option<DefKey> {
    let d = a.index.defs.get(def)?;
    Some(DefKey {
        uri: a.uri(d.span.file)?.clone(),
        range: a.range(d.span),
        kind: d.kind,
    })
}

/// The same declaration in another analysis, if it loaded that file.
pub fn find(a: &Analysis, k: &DefKey) -> Option<DefId> {
    let file = a.file_of_uri(&k.uri)?;
    a.index
        .defs
        .iter()
        .enumerate()
        .find(|(_, d)| d.span.file == file && d.kind == k.kind && a.range(d.span) == k.range)
        .map(|(i, _)| i)
}

pub fn definition(a: &Analysis, offset: u32) -> Option<Location> {
    if let Some((def, _)) = a.index.at(a.root, offset) {
        return a.location(a.index.defs.get(def)?.span);
    }
    use_target(a, offset)
}

/// On a `use` item: the start of the file or stdlib module it imports.
fn use_target(a: &Analysis, offset: u32) -> Option<Location> {
    let tree = a.asts.get(a.root.0 as usize)?;
    let item = tree
        .items
        .iter()
        .find(|i| i.span.contains(offset) && matches!(i.kind, ItemKind::Use(_)))?;
    let ItemKind::Use(u) = &item.kind else {
        return None;
    };
    let wanted: String = match u {
        ast::Use::Module { path, .. } => path
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("::"),
        ast::Use::File(lit) => {
            let root = PathBuf::from(a.checked.sources.name(a.root));
            let dir = root.parent().map(PathBuf::from).unwrap_or_default();
            guard_check::normalise(&dir.join(&lit.value))
                .display()
                .to_string()
        }
    };
    let (file, _) = a.checked.sources.iter().find(|(_, f)| f.name == wanted)?;
    let uri = a.uri(file)?.clone();
    Some(Location::new(uri, Range::default()))
}

/// Every location naming the declaration, in every analysis given,
/// without duplicates, the declaration first when asked for.
pub fn references(analyses: &[&Analysis], k: &DefKey, include_declaration: bool) -> Vec<Location> {
    let mut out: Vec<Location> = Vec::new();
    if include_declaration {
        out.push(Location::new(k.uri.clone(), k.range));
    }
    for a in analyses {
        let Some(def) = find(a, k) else { continue };
        for span in a.index.occurrences(def).into_iter().skip(1) {
            if let Some(loc) = a.location(span) {
                if !out.contains(&loc) {
                    out.push(loc);
                }
            }
        }
    }
    out
}

/// Why a rename is refused, for the client to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameError(pub String);

/// The edits renaming a declaration everywhere.
pub fn rename(
    analyses: &[&Analysis],
    origin: &Analysis,
    def: DefId,
    k: &DefKey,
    new_name: &str,
) -> Result<HashMap<Url, Vec<TextEdit>>, RenameError> {
    let Some(d) = origin.index.defs.get(def) else {
        return Err(RenameError("nothing to rename here".into()));
    };
    if origin.is_stdlib(d.span.file) {
        return Err(RenameError(format!(
            "`{}` is declared in the standard library, which cannot be renamed",
            d.name
        )));
    }
    let replacement = match d.kind {
        DefKind::Test => {
            // Written as a plain string literal; names that would need
            // escapes are refused rather than guessed at.
            if new_name.is_empty()
                || new_name
                    .chars()
                    .any(|c| c == '"' || c == '\\' || c.is_control())
            {
                return Err(RenameError(format!(
                    "a test name cannot be empty or contain quotes, backslashes or control characters: {new_name:?}"
                )));
            }
            format!("\"{new_name}\"")
        }
        DefKind::Tool => {
            valid_dotted(new_name)?;
            new_name.to_string()
        }
        _ => {
            valid_name(new_name)?;
            new_name.to_string()
        }
    };
    let mut edits: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for loc in references(analyses, k, true) {
        let list = edits.entry(loc.uri).or_default();
        let edit = TextEdit::new(loc.range, replacement.clone());
        if !list.contains(&edit) {
            list.push(edit);
        }
    }
    Ok(edits)
}

fn valid_name(name: &str) -> Result<(), RenameError> {
    let (tokens, diags) = tokenize(guard_diagnostics::FileId(0), name);
    match tokens.as_slice() {
        [(t, _)] if diags.is_empty() && t.name_text().is_some() && !name.starts_with('`') => Ok(()),
        [(t, _)] if t.is_reserved() => Err(RenameError(format!(
            "`{name}` is a reserved word and cannot be a name"
        ))),
        _ => Err(RenameError(format!("`{name}` is not a valid name"))),
    }
}

fn valid_dotted(name: &str) -> Result<(), RenameError> {
    for seg in name.split('.') {
        valid_name(seg).map_err(|_| RenameError(format!("`{name}` is not a valid tool name")))?;
    }
    let (tokens, _) = tokenize(guard_diagnostics::FileId(0), name);
    if tokens.iter().any(|(t, _)| *t == Token::Error) {
        return Err(RenameError(format!("`{name}` is not a valid tool name")));
    }
    Ok(())
}
