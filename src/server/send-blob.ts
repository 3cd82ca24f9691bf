/**
 * Answering the download of a stored blob: a 302 to the store's own short-lived URL when it hands
 * one out (an S3 store with presigned downloads on), else the bytes streamed through the master,
 * named as a download. Routes check who may read it and that it exists before calling this, so a
 * redirect is never given where the bytes would not be.
 */
import type { FastifyReply } from 'fastify';
import type { Context } from '../context.ts';
import { attachmentDisposition } from '../util/content-disposition.ts';

/** The 302 answer in a route's response schema. */
export const storeRedirectResponse = { type: 'null', description: 'the blob is downloaded from the artifact store: a presigned URL in Location (S3 store with presigned downloads on)' } as const;

/** Sends blob `sha256` of `size` bytes as a download named `name`, or redirects to the store. */
export async function sendBlob(ctx: Context, reply: FastifyReply, blob: { sha256: string; size: number; name: string }): Promise<FastifyReply> {
  const url = await ctx.store.downloadUrl(blob.sha256, blob.name);
  if (url !== null) return reply.header('cache-control', 'no-store').redirect(url, 302);
  return reply
    .type('application/octet-stream')
    .header('content-length', blob.size)
    .header('content-disposition', attachmentDisposition(blob.name))
    .send(ctx.store.open(blob.sha256));
}
