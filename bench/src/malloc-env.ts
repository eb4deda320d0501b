/**
 * glibc's malloc settings of the server's image (docker/Dockerfile sets the same `ENV`): the
 * benchmark's server, the floor program and server-cost's server run with them, so that each is
 * measured as it is deployed. See README.md, "Memory".
 * - `MALLOC_MMAP_THRESHOLD_`: a fixed threshold, so that a freed 16 MiB scrypt buffer does not
 *   raise it and leave every later allocation in the arenas for good.
 * - `MALLOC_TRIM_THRESHOLD_` and `MALLOC_TOP_PAD_`: a fixed mmap threshold also pins the trim
 *   threshold at 128 KiB, so glibc gave the top of the heap back (`brk`, `madvise`) and took it again
 *   at every login, each call flushing the TLBs of every CPU the process runs on. With 4 MiB kept
 *   free at the top and 1 MiB taken beyond each request, the heap stays put.
 */
export const MALLOC_ENV = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '4194304',
  MALLOC_TOP_PAD_: '1048576',
} as const;
