/**
 * Where each open-loop login spent its time, as the load generator sees it: late sending (the
 * sender's own lag), the two HTTP requests of the login (`/authentication/login/` and
 * `/authentication/activate-token/`, each from the hand-over to undici's pool to the reply's last
 * byte, so a request the pool held back counts here), and the load generator's own work between
 * them (the protocol's crypto and JSON, and its event loop's turns). The slowest logins' mean of
 * each stage says which one the tail is made of.
 */
import type { RequestTiming } from './http-client.ts';
import { type RequestSegments, type ServerTiming, segmentsOf } from './request-timing/server-timing.ts';

export interface TracedLogin {
  lagMs: number;
  latencyMs: number;
  requests: RequestTiming[];
}

export interface LoginStages {
  send_lag_ms: number;
  login_http_ms: number;
  activate_http_ms: number;
  other_http_ms: number;
  client_work_ms: number;
  /** Requests undici's pool held back (all its connections busy) when the login's requests were handed over. */
  client_pool_queued: number;
}

export interface StageBreakdown {
  /** p99 of each stage over all answered logins. */
  stage_p99_ms: LoginStages;
  /** The mean of each stage over the slowest 1% of the logins (at least one). */
  tail_logins: number;
  tail_latency_ms: number;
  tail_stages_ms: LoginStages;
  /**
   * Where the server saw the slowest logins' requests (see request-timing/): the mean of each
   * segment of their login and activate-token requests; null without the server's timestamps.
   */
  tail_server_split_ms: { login: RequestSegments; activate: RequestSegments; matched: number } | null;
  /** The slowest requests of the cell, each split the same way (at most 10). */
  slowest_requests: ({ path: string; total_ms: number } & RequestSegments)[];
}

function stagesOf(login: TracedLogin): LoginStages {
  const http = (suffix: string) =>
    login.requests
      .filter((request) => request.path.endsWith(suffix))
      .reduce((total, request) => total + (request.endMs - request.startMs), 0);
  const all = login.requests.reduce((total, request) => total + (request.endMs - request.startMs), 0);
  const loginHttp = http('/authentication/login/');
  const activateHttp = http('/authentication/activate-token/');
  return {
    send_lag_ms: login.lagMs,
    login_http_ms: loginHttp,
    activate_http_ms: activateHttp,
    other_http_ms: all - loginHttp - activateHttp,
    client_work_ms: Math.max(0, login.latencyMs - login.lagMs - all),
    client_pool_queued: login.requests.reduce((most, request) => Math.max(most, request.poolQueued), 0),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function mapStages(pick: (key: keyof LoginStages) => number): LoginStages {
  return {
    send_lag_ms: round(pick('send_lag_ms')),
    login_http_ms: round(pick('login_http_ms')),
    activate_http_ms: round(pick('activate_http_ms')),
    other_http_ms: round(pick('other_http_ms')),
    client_work_ms: round(pick('client_work_ms')),
    client_pool_queued: round(pick('client_pool_queued')),
  };
}

const roundSegments = (segments: RequestSegments): RequestSegments => ({
  in_load_generator_ms: round(segments.in_load_generator_ms),
  to_server_ms: round(segments.to_server_ms),
  in_server_ms: round(segments.in_server_ms),
  to_client_ms: round(segments.to_client_ms),
  reply_done_ms: round(segments.reply_done_ms),
  new_connection: round(segments.new_connection),
});

function meanSegments(all: RequestSegments[]): RequestSegments {
  const mean = (key: keyof RequestSegments) =>
    all.length === 0 ? 0 : all.reduce((total, segments) => total + segments[key], 0) / all.length;
  return roundSegments({
    in_load_generator_ms: mean('in_load_generator_ms'),
    to_server_ms: mean('to_server_ms'),
    in_server_ms: mean('in_server_ms'),
    to_client_ms: mean('to_client_ms'),
    reply_done_ms: mean('reply_done_ms'),
    new_connection: mean('new_connection'),
  });
}

const MAX_SLOWEST_REQUESTS = 10;

/** The server's timestamps of the traced requests, and when undici wrote each (both by tag). */
export interface RequestSides {
  server: ReadonlyMap<string, ServerTiming>;
  sentAt?: ReadonlyMap<string, number>;
}

export function stageBreakdown(logins: TracedLogin[], sides?: RequestSides): StageBreakdown {
  const server = sides?.server;
  const stages = logins.map(stagesOf);
  // The slowest 1% (at least one): the logins the p99 is made of.
  const tail = logins
    .map((login, index) => ({ login, stages: stages[index]! }))
    .sort((a, b) => b.login.latencyMs - a.login.latencyMs)
    .slice(0, Math.max(1, Math.ceil(logins.length / 100)))
    .filter(() => logins.length > 0);
  const mean = (key: keyof LoginStages) =>
    tail.length === 0 ? 0 : tail.reduce((total, { stages }) => total + stages[key], 0) / tail.length;
  return {
    stage_p99_ms: mapStages((key) =>
      percentile(
        stages.map((stage) => stage[key]),
        99,
      ),
    ),
    tail_logins: tail.length,
    tail_latency_ms: round(
      tail.length === 0 ? 0 : tail.reduce((total, { login }) => total + login.latencyMs, 0) / tail.length,
    ),
    tail_stages_ms: mapStages(mean),
    tail_server_split_ms:
      sides && sides.server.size > 0
        ? serverSplit(
            tail.map(({ login }) => login),
            sides,
          )
        : null,
    slowest_requests:
      server && server.size > 0
        ? logins
            .flatMap((login) => login.requests)
            .sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))
            .slice(0, MAX_SLOWEST_REQUESTS)
            .flatMap((request) => {
              const timing = server.get(request.tag);
              return timing
                ? [
                    {
                      path: request.path,
                      total_ms: round(request.endMs - request.startMs),
                      ...roundSegments(segmentsOf(request, timing, sides?.sentAt?.get(request.tag))),
                    },
                  ]
                : [];
            })
        : [],
  };
}

function serverSplit(
  tail: TracedLogin[],
  { server, sentAt }: RequestSides,
): { login: RequestSegments; activate: RequestSegments; matched: number } {
  const split = (suffix: string) =>
    tail.flatMap((login) =>
      login.requests
        .filter((request) => request.path.endsWith(suffix))
        .flatMap((request) => {
          const timing = server.get(request.tag);
          return timing ? [segmentsOf(request, timing, sentAt?.get(request.tag))] : [];
        }),
    );
  const login = split('/authentication/login/');
  const activate = split('/authentication/activate-token/');
  return {
    login: meanSegments(login),
    activate: meanSegments(activate),
    matched: login.length + activate.length,
  };
}
