/**
 * The repository's comps.xml: the groups a platform installs by name (`dnf install
 * @buildsys-build`, as mock's chroot_setup_cmd does). Not visible to users, not installed by
 * default; every member mandatory.
 */
import { escapeText } from '../repo/xml/escape.ts';
import type { GroupDef } from './types.ts';

export function renderComps(groups: readonly GroupDef[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">', '<comps>'];
  for (const g of groups) {
    out.push(
      '  <group>',
      `    <id>${escapeText(g.id)}</id>`,
      `    <name>${escapeText(g.name)}</name>`,
      `    <description>${escapeText(g.description)}</description>`,
      '    <default>false</default>',
      '    <uservisible>false</uservisible>',
      '    <packagelist>',
      ...[...g.packages].sort().map((p) => `      <packagereq type="mandatory">${escapeText(p)}</packagereq>`),
      '    </packagelist>',
      '  </group>',
    );
  }
  out.push('</comps>', '');
  return out.join('\n');
}
