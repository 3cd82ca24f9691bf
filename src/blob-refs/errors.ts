/** Errors of the store's garbage collection. */
import { DistforgeError } from '../errors.ts';

/** Another garbage collection of the store is running: 409 `gc_running`. */
export class StoreGcRunningError extends DistforgeError {
  constructor() {
    super('gc_running', 'another garbage collection of the artifact store is running (on this master or another one sharing the database); try again once it has finished', { status: 409 });
  }
}

/** A grace period that is not one: 400 `bad_grace`. */
export class BadGraceError extends DistforgeError {
  constructor(message: string) {
    super('bad_grace', message, { status: 400 });
  }
}
