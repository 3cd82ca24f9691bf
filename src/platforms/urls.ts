/**
 * Repository URLs of a platform as nodes use them: a path on this master
 * (`/api/v1/platform-repos/…`) made absolute with the master's public URL; other URLs as they are.
 */

/** `url` made absolute against `publicUrl` when it is a path on the master. */
export function absoluteRepoUrl(url: string, publicUrl: string): string {
  return url.startsWith('/') ? `${publicUrl.replace(/\/+$/, '')}${url}` : url;
}

/** A stored definition (JSON) with its repositories' `url` and `gpgkey` made absolute. */
export function withAbsoluteRepoUrls(definition: Record<string, unknown>, publicUrl: string): Record<string, unknown> {
  const repos = definition.repositories;
  if (!Array.isArray(repos)) return definition;
  return {
    ...definition,
    repositories: repos.map((r: unknown) => {
      if (typeof r !== 'object' || r === null) return r;
      const repo = { ...(r as Record<string, unknown>) };
      if (typeof repo.url === 'string') repo.url = absoluteRepoUrl(repo.url, publicUrl);
      if (typeof repo.gpgkey === 'string') repo.gpgkey = absoluteRepoUrl(repo.gpgkey, publicUrl);
      return repo;
    }),
  };
}
