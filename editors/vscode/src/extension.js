// The Guard extension for VS Code: starts `guardc lsp` and connects it to
// the editor through vscode-languageclient.
//
// Plain JavaScript with no build step, so the packaged extension is exactly
// the files in this directory plus its one runtime dependency. Highlighting
// comes from the TextMate grammar in `syntaxes/` and works without the
// server; everything else (diagnostics, hover, definition, references,
// rename, completion, formatting, code actions, ...) comes from the server.

'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** @type {vscode.OutputChannel | undefined} */
let output;

/**
 * Builds a client for the current settings. The server command is read
 * from `guard.server.path` each time, so a restart picks up a new path.
 */
function makeClient() {
  const config = vscode.workspace.getConfiguration('guard');
  const command = config.get('server.path', 'guardc') || 'guardc';
  const extraArgs = config.get('server.extraArgs', []);
  const args = ['lsp', ...extraArgs];

  /** @type {import('vscode-languageclient/node').ServerOptions} */
  const serverOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };

  /** @type {import('vscode-languageclient/node').LanguageClientOptions} */
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'guard' },
      { scheme: 'untitled', language: 'guard' },
    ],
    synchronize: {
      // `use "./other.guard";` makes one file's diagnostics depend on
      // another, so the server hears about changes on disk too.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.guard'),
    },
    outputChannel: output,
    // `guard.trace.server` is read by the client itself through this
    // section name.
    traceOutputChannel: output,
  };

  return new LanguageClient('guard', 'Guard Language Server', serverOptions, clientOptions);
}

/**
 * Starts the server, and explains in a notification when the binary cannot
 * be started (the usual cause is that `guardc` is not on PATH).
 */
async function start() {
  client = makeClient();
  try {
    await client.start();
  } catch (error) {
    const path = vscode.workspace.getConfiguration('guard').get('server.path', 'guardc');
    const message = error instanceof Error ? error.message : String(error);
    vscode.window.showErrorMessage(
      `Guard: could not start \`${path} lsp\` (${message}). ` +
        'Install guardc or set "guard.server.path" to its location.',
    );
    client = undefined;
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel('Guard Language Server');
  context.subscriptions.push(output);

  context.subscriptions.push(
    vscode.commands.registerCommand('guard.restartServer', async () => {
      await stop();
      await start();
    }),
  );

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (
        event.affectsConfiguration('guard.server.path') ||
        event.affectsConfiguration('guard.server.extraArgs')
      ) {
        await stop();
        await start();
      }
    }),
  );

  await start();
}

async function deactivate() {
  await stop();
}

module.exports = { activate, deactivate };
