/**
 * The scriptlet stages of a package and the header tags each lives in: the script body, its
 * interpreter, and the sense bit rpmbuild gives the requirement on that interpreter. One table
 * for the reader (package.ts) and the writer (writer-deps.ts).
 */
import { Sense, Tag } from './tags.ts';

export type ScriptletKind = 'pretrans' | 'prein' | 'postin' | 'preun' | 'postun' | 'posttrans' | 'verify';

export interface ScriptletTags {
  body: number;
  prog: number;
  sense: number;
}

/** Stages in the order rpm runs them, with their tags. */
export const SCRIPTLET_TAGS: Readonly<Record<ScriptletKind, ScriptletTags>> = {
  pretrans: { body: Tag.PRETRANS, prog: Tag.PRETRANSPROG, sense: Sense.PRETRANS },
  prein: { body: Tag.PREIN, prog: Tag.PREINPROG, sense: Sense.SCRIPT_PRE },
  postin: { body: Tag.POSTIN, prog: Tag.POSTINPROG, sense: Sense.SCRIPT_POST },
  preun: { body: Tag.PREUN, prog: Tag.PREUNPROG, sense: Sense.SCRIPT_PREUN },
  postun: { body: Tag.POSTUN, prog: Tag.POSTUNPROG, sense: Sense.SCRIPT_POSTUN },
  posttrans: { body: Tag.POSTTRANS, prog: Tag.POSTTRANSPROG, sense: Sense.POSTTRANS },
  verify: { body: Tag.VERIFYSCRIPT, prog: Tag.VERIFYSCRIPTPROG, sense: Sense.SCRIPT_VERIFY },
};
