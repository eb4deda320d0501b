/** `GET /healthcheck/`: the database and each directory, up or down with latency (200 or 503). */
import { z } from 'zod';

const componentSchema = z.object({ healthy: z.boolean() });

export const healthcheckReplySchema = z.object({
  healthy: z.boolean(),
  db_read: componentSchema.extend({ latency_ms: z.number() }),
  time_sync: componentSchema,
  directories: z.array(
    componentSchema.extend({
      domain: z.string(),
      /** when the background probe that this answer reports finished; null before the first one */
      probed_at: z.string().nullable(),
      // Internal host names stay in the server's log; the public sees positions in the URL list.
      servers: z.array(z.object({ index: z.number().int(), up: z.boolean(), latency_ms: z.number() })),
    }),
  ),
});

export type HealthcheckReply = z.infer<typeof healthcheckReplySchema>;
