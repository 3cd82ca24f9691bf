/**
 * A succeeded build's release actions on its page (maintainers): per platform, **Plan a release**
 * (a new plan of this build) and **Add to release N** for each plan of that platform still open
 * (POST /releases/N/builds); a plan that has the build already is a link to it instead. The server
 * checks the role and the plan's state whatever the page offers.
 */
import type { JSX } from 'preact';
import type { BuildView, ReleaseView } from '../api-types.ts';
import { Action } from '../components.tsx';
import { useResource } from '../hooks.ts';
import { Link, navigate } from '../router.ts';
import { useSession } from '../session.ts';

/** How many open plans of a platform are offered (newest first). */
const OPEN_PLANS = 5;

function PlatformReleaseActions({ build, platform, many }: { build: BuildView; platform: string; many: boolean }): JSX.Element {
  const { api } = useSession();
  const plans = useResource((signal) => api.get<ReleaseView[]>('/releases', { platform, state: 'planned', limit: OPEN_PLANS }, signal), `${platform}|${build.id}`);
  const on = many ? ` on ${platform}` : '';
  return (
    <>
      <Action
        label={`Plan a release${on}`}
        run={async () => {
          const r = await api.send<ReleaseView>('POST', '/releases', { platform, builds: [build.id] });
          navigate(`/releases/${r.id}`);
        }}
      />
      {(plans.data ?? []).map((r) =>
        r.builds.includes(build.id) ? (
          <Link key={r.id} class="button plain" href={`/releases/${r.id}`}>
            In planned release {r.id}
          </Link>
        ) : (
          <Action
            key={r.id}
            label={`Add to release ${r.id}${on}`}
            run={async () => {
              await api.send<ReleaseView>('POST', `/releases/${r.id}/builds`, { build: build.id });
              navigate(`/releases/${r.id}`);
            }}
          />
        ),
      )}
    </>
  );
}

export function ReleaseActions({ build }: { build: BuildView }): JSX.Element {
  return (
    <>
      {build.platforms.map((p) => (
        <PlatformReleaseActions key={p} build={build} platform={p} many={build.platforms.length > 1} />
      ))}
    </>
  );
}
