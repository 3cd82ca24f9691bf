/**
 * `distforge sources upload FILE`: put a source file into distforge's own lookaside store.
 * (Filled in by the sources work.)
 */
import { Command } from 'commander';

export function sourcesCommand(): Command {
  return new Command('sources').description("source files in distforge's lookaside store: upload");
}
