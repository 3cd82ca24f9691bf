/**
 * Errors of the autopatch library. Each names where it happened: the config file and field for a
 * config that does not validate, the action (index and kind) and file for one that no longer
 * applies.
 */
import { DistforgeError } from '../errors.ts';

/** An autopatch config that does not validate (`autopatch_config`, 422). */
export class AutopatchConfigError extends DistforgeError {
  readonly file: string;
  readonly field: string;

  constructor(file: string, field: string, problem: string, options?: { cause?: unknown }) {
    super('autopatch_config', `${file}: ${field}: ${problem}`, { status: 422, ...options });
    this.file = file;
    this.field = field;
  }
}

/** An import that could not be patched or published (`autopatch_failed`, 422); nothing was pushed. */
export class AutopatchError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('autopatch_failed', message, { status: 422, ...options });
  }
}

/** An action that no longer applies: names the action (`actions[i]`, 0-based as in the YAML, and kind) and the file. */
export class AutopatchActionError extends AutopatchError {
  readonly actionIndex: number;
  readonly actionKind: string;
  readonly file: string;

  constructor(configFile: string, index: number, kind: string, file: string, problem: string, options?: { cause?: unknown }) {
    super(`${configFile}: actions[${index}] (${kind}) on ${file}: ${problem}`, options);
    this.actionIndex = index;
    this.actionKind = kind;
    this.file = file;
  }
}

/** The tag for the patched NVR already exists for a different import (`autopatch_conflict`, 409). */
export class AutopatchConflictError extends DistforgeError {
  constructor(message: string) {
    super('autopatch_conflict', message, { status: 409 });
  }
}
