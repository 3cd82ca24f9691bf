/**
 * Applies a config's actions in order to a package tree, one line of description per action.
 * The first action that does not apply throws (AutopatchActionError) and stops the run.
 */
import type { ActionKind, AutopatchAction, AutopatchConfig } from '../types.ts';
import { applyChangelogEntry } from './changelog.ts';
import type { ActionContext } from './context.ts';
import { applyAddFiles, applyDeleteFiles } from './files.ts';
import { applyModifyRelease } from './release.ts';
import { applyRunScript } from './run-script.ts';
import { applyAddLine, applyDeleteLine, applyReplace } from './text.ts';

/** Everything an action needs except which action it is. */
export type ApplyContext = Omit<ActionContext, 'index' | 'kind' | 'configFile'>;

type Handler<K extends ActionKind> = (action: Extract<AutopatchAction, { kind: K }>, ctx: ActionContext) => string | Promise<string>;

/** The function applying each kind of action. */
const HANDLERS: { [K in ActionKind]: Handler<K> } = {
  replace: applyReplace,
  delete_line: applyDeleteLine,
  add_line: applyAddLine,
  modify_release: applyModifyRelease,
  changelog_entry: applyChangelogEntry,
  add_files: applyAddFiles,
  delete_files: applyDeleteFiles,
  run_script: applyRunScript,
};

function applyOne(action: AutopatchAction, ctx: ActionContext): string | Promise<string> {
  const handler = HANDLERS[action.kind] as (a: AutopatchAction, c: ActionContext) => string | Promise<string>;
  return handler(action, ctx);
}

/** Applies every action of `config`; returns one line per action applied. */
export async function applyActions(config: AutopatchConfig, base: ApplyContext): Promise<string[]> {
  const applied: string[] = [];
  for (const [i, action] of config.actions.entries()) {
    const ctx: ActionContext = { ...base, configFile: config.file, index: i, kind: action.kind };
    applied.push(await applyOne(action, ctx));
  }
  return applied;
}
