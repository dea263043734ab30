import { execFile } from 'node:child_process';
import path from 'node:path';
import { loadGatewayConfig } from '../../../gateway/config';
import { loadHivePlanner } from '../../../gateway/execution';
import { buildGateway } from '../../../gateway/server';
import { StartupError } from '../../../subgraphs/kit/env';
import { createLogger } from '../../../subgraphs/kit/logger';

const ROOT = path.resolve(__dirname, '../../..');

/** A platform Hive's planner ships no addon for (musl Linux, e.g. Alpine), as the addon's loader fails there. */
const missingAddon = (): never => {
  throw new Error('Cannot find native binding. npm has a bug related to optional dependencies');
};

const config = (env: Record<string, string>) =>
  loadGatewayConfig({ NODE_ENV: 'test', SUPERGRAPH_PATH: path.join(ROOT, 'schema/supergraph.graphql'), ...env });

describe("GATEWAY_PLANNER=hive where Hive's native addon does not load", () => {
  it('refuses to start with one line naming the platform and the way out', async () => {
    const started = buildGateway(config({ GATEWAY_PLANNER: 'hive' }), createLogger('test', 'silent'), {
      loadHiveAddon: missingAddon,
    });
    await expect(started).rejects.toThrow(StartupError);
    const message = await started.catch((error: Error) => error.message);
    expect(message).toContain(`${process.platform}-${process.arch}`);
    expect(message).toContain('set GATEWAY_PLANNER=apollo');
    expect(message).not.toContain('\n');
  });

  it("is not loaded at all for GATEWAY_PLANNER=apollo (nor for Apollo's executor)", async () => {
    let loads = 0;
    const counting = () => {
      loads += 1;
      return missingAddon();
    };
    const envs: Array<Record<string, string>> = [{ GATEWAY_PLANNER: 'apollo' }, { GATEWAY_EXECUTOR: 'apollo' }];
    for (const env of envs) {
      const built = await buildGateway(config({ ...env, METRICS_PORT: '0' }), createLogger('test', 'silent'), {
        loadHiveAddon: counting,
      });
      await built.stop();
    }
    expect(loads).toBe(0);
  });

  it('loads the addon as installed on this platform', () => {
    expect(typeof loadHivePlanner().QueryPlanner).toBe('function');
  });

  it('the gateway process prints that line alone on stderr and exits 1', async () => {
    // The addon's own loader reads NAPI_RS_NATIVE_LIBRARY_PATH: a path with no addon fails as a missing one does.
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['scripts/launch.cjs', 'gateway/index'],
        {
          cwd: ROOT,
          // Before this refusal, the gateway started and served: it would never exit.
          timeout: 60_000,
          env: {
            ...process.env,
            NODE_ENV: 'test',
            GATEWAY_PLANNER: 'hive',
            PORT: '0',
            METRICS_PORT: '0',
            NAPI_RS_NATIVE_LIBRARY_PATH: path.join(ROOT, 'no-such-addon.node'),
          },
        },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^gateway: GATEWAY_PLANNER=hive: the native addon of Hive's query planner does not load on [a-z0-9-]+; set GATEWAY_PLANNER=apollo .*\n$/,
    );
  });
});
