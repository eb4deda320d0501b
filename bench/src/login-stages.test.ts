import { describe, expect, it } from 'vitest';
import { stageBreakdown } from './login-stages.ts';

const request = (path: string, startMs: number, endMs: number, poolQueued = 0) => ({
  path,
  startMs,
  endMs,
  poolQueued,
  tag: `${path} ${startMs}`,
});

describe('stageBreakdown', () => {
  it("splits each login into send lag, its two requests and the load generator's work, and averages the slowest", () => {
    // 99 quick logins and one that waited 40 ms for its activate-token reply.
    const quick = Array.from({ length: 99 }, () => ({
      lagMs: 1,
      latencyMs: 10,
      requests: [
        request('/api/authentication/login/', 1, 5),
        request('/api/authentication/activate-token/', 6, 9),
      ],
    }));
    const slow = {
      lagMs: 2,
      latencyMs: 50,
      requests: [
        request('/api/info/', 2, 3),
        request('/api/authentication/login/', 3, 7, 2),
        request('/api/authentication/activate-token/', 8, 48),
      ],
    };
    const breakdown = stageBreakdown([...quick, slow]);
    expect(breakdown.tail_logins).toBe(1);
    expect(breakdown.tail_latency_ms).toBe(50);
    expect(breakdown.tail_stages_ms).toEqual({
      send_lag_ms: 2,
      login_http_ms: 4,
      activate_http_ms: 40,
      other_http_ms: 1,
      client_work_ms: 3,
      client_pool_queued: 2,
    });
    expect(breakdown.stage_p99_ms).toMatchObject({ send_lag_ms: 1, login_http_ms: 4, activate_http_ms: 3 });
  });

  it('reports zeros without answered logins', () => {
    expect(stageBreakdown([]).tail_logins).toBe(0);
    expect(stageBreakdown([]).tail_stages_ms.login_http_ms).toBe(0);
  });
});
