import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { DirectoryEnvironment } from './environment.ts';

/** The engine socket to use: DOCKER_HOST, else the one `docker/engine.sh start` runs, else the system's. */
export function findDockerHost(environment: DirectoryEnvironment): string | undefined {
  if (environment.dockerHost) return environment.dockerHost;
  for (const socket of [`${environment.engineRunDir}/docker.sock`, '/var/run/docker.sock']) {
    if (existsSync(socket)) return `unix://${socket}`;
  }
  return undefined;
}

/** True when the engine at `dockerHost` answers its ping within `timeoutMs`. */
export function engineAnswers(dockerHost: string, timeoutMs = 2000): Promise<boolean> {
  const target = dockerHost.startsWith('unix://')
    ? { socketPath: dockerHost.slice('unix://'.length) }
    : (() => {
        const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
        return { host: url.hostname, port: Number(url.port || 2375) };
      })();
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
