/**
 * The body of a sign-repo task on the signer: for each repomd.xml the lease lists, download it
 * (sha256 checked), make sure it is a repository index (the signer does not sign arbitrary
 * bytes handed to it), sign it (detached, ASCII-armored, as `gpg --detach-sign --armor` would),
 * check the signature with the key's public half, and return the signatures for the completion.
 */
import { verifyDetachedArmored } from '../pgp/detached.ts';
import { signDetachedArmored } from '../pgp/secret-key.ts';
import { parseRepomd } from '../repo/read/repomd.ts';
import type { NodeClient } from '../node/client.ts';
import { DownloadChecksumError } from '../node/errors.ts';
import { SignFailed, type SignJob } from './job.ts';

/** Largest repomd.xml taken (real ones are a few kilobytes). */
const MAX_REPOMD_BYTES = 4 * 1024 * 1024;

/** Throws SignFailed unless `data` is a repomd.xml listing primary metadata. */
export function checkRepomdDocument(data: Buffer, where: string): void {
  let records: { type: string }[];
  try {
    records = parseRepomd(data, where).records;
  } catch (e) {
    throw new SignFailed(`${where} is not a repomd.xml (${(e as Error).message}): not signed`);
  }
  if (!records.some((r) => r.type === 'primary')) throw new SignFailed(`${where} lists no primary metadata: not a repository index, not signed`);
}

export async function signRepomds(client: NodeClient, job: SignJob): Promise<Record<string, unknown>> {
  const { task, key, ring, note } = job;
  const files = task.repomd ?? [];
  note(`sign-repo task ${task.id} of build ${task.buildId}, attempt ${task.attempt}: repomd.xml of ${files.length} repositor${files.length === 1 ? 'y' : 'ies'} (${task.platform}) with key ${key.info.keyid}`);
  if (files.length === 0) throw new SignFailed('the lease lists no repomd.xml to sign (the master could not publish the repositories: see its log)');
  const repomd: { arch: string; sha256: string; signature: string }[] = [];
  for (const f of files) {
    const where = `${task.platform}/${f.arch} repomd.xml`;
    let data: Buffer | null;
    try {
      data = await client.downloadBytes(f.url, f.sha256, MAX_REPOMD_BYTES);
    } catch (e) {
      if (e instanceof DownloadChecksumError) throw new SignFailed(`${where} is not what the master listed: the store gives sha256 ${e.got}, the lease says ${f.sha256}`);
      throw e;
    }
    if (data === null) throw new SignFailed(`${where} is larger than ${MAX_REPOMD_BYTES} bytes: not a repository index`);
    checkRepomdDocument(data, where);
    const signature = await signDetachedArmored(key.secret, data);
    const check = await verifyDetachedArmored(signature, data, ring);
    if (check.status !== 'OK') throw new SignFailed(`${where}: the signature made does not verify (${check.status}${check.detail ? `: ${check.detail}` : ''})`);
    repomd.push({ arch: f.arch, sha256: f.sha256, signature });
    note(`signed ${where} (${f.sha256})`);
  }
  return { keyid: key.info.keyid, repomd };
}
