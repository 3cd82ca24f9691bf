/**
 * The Content-Disposition value of a download named `name`: an ASCII fallback in `filename` and
 * the exact name in `filename*` (RFC 6266), for the master's download routes and the presigned
 * URLs of an S3 store alike. A leaf module.
 */

/** `attachment; filename="…"; filename*=UTF-8''…` for a download named `name`. */
export function attachmentDisposition(name: string): string {
  return `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
