/**
 * `distforge git list|sync NAME`: the git service's mirrors from the command line.
 * (Filled in by the git service.)
 */
import { Command } from 'commander';

export function gitCommand(): Command {
  return new Command('git').description('upstream git mirrors: list, sync');
}
