/* workloads.h -- the allocation workloads, written once over four
   macros (B_ALLOC, B_FREE, B_REALLOC, B_CALLOC) so that the malloc
   program (mwork.c) and the mmalloc (md, ...) program (mdwork.c) run
   exactly the same sequence of requests.  Each workload returns one
   number, nanoseconds per operation or bytes per live object; the
   runner does the statistics.  A fixed random seed gives every
   allocator the same sizes in the same order.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef WORKLOADS_H
#define WORKLOADS_H 1

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include "bench.h"

#if !defined B_ALLOC || !defined B_FREE || !defined B_REALLOC \
  || !defined B_CALLOC
# error "define B_ALLOC, B_FREE, B_REALLOC and B_CALLOC first"
#endif

#define SEED 0x9E3779B97F4A7C15ULL

/* Scratch arrays come from mmap, not from the allocator under test, so
   that they neither warm it up nor count in its footprint.  */
static void *
wl_scratch (size_t bytes)
{
  void *p = mmap (NULL, bytes, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (p == MAP_FAILED)
    {
      perror ("mmap");
      exit (2);
    }
  memset (p, 0, bytes);		/* resident before any measurement */
  return p;
}

/* A random size in [16, MAX].  */
static inline size_t
wl_size (uint64_t *s, size_t max)
{
  return 16 + bench_rand (s) % (max - 15);
}

/* A warm 64-byte malloc/free pair: the fast path and nothing else.  */
static double
wl_pair (long n)
{
  void *warm[256];
  double t;
  long i;

  for (i = 0; i < 256; i++)
    warm[i] = B_ALLOC (64);
  for (i = 0; i < 256; i++)
    B_FREE (warm[i]);
  t = bench_now ();
  for (i = 0; i < n; i++)
    {
      void *p = B_ALLOC (64);
      bench_escape (p);
      B_FREE (p);
    }
  return (bench_now () - t) / n * 1e9;
}

/* Batches of blocks of mixed small sizes, all allocated, then all
   freed, oldest first (FIFO) or newest first (LIFO).  Per allocation +
   free.  */
static double
wl_batch (long n, int lifo)
{
  static const size_t sizes[] = { 16, 32, 48, 64, 96, 128, 256, 24 };
  enum { BATCH = 4096 };
  void **v = wl_scratch (BATCH * sizeof *v);
  long rounds = n / BATCH + 1, r;
  double t = bench_now ();
  int i;

  for (r = 0; r < rounds; r++)
    {
      for (i = 0; i < BATCH; i++)
	{
	  v[i] = B_ALLOC (sizes[i & 7]);
	  *(char *) v[i] = 1;
	}
      if (lifo)
	for (i = BATCH - 1; i >= 0; i--)
	  B_FREE (v[i]);
      else
	for (i = 0; i < BATCH; i++)
	  B_FREE (v[i]);
    }
  t = bench_now () - t;
  munmap (v, BATCH * sizeof *v);
  return t / ((double) rounds * BATCH) * 1e9;
}

/* Steady-state churn: LIVE blocks held; each step frees a random one
   and allocates a random size in [16, MAX] in its place, touching its
   first and last byte as a program would.  Per free + allocation.  */
static double
wl_churn_live (long n, size_t max, uint64_t seed, int live)
{
  void **v = wl_scratch (live * sizeof *v);
  uint64_t s = seed;
  double t;
  long i;

  for (i = 0; i < live; i++)
    v[i] = B_ALLOC (wl_size (&s, max));
  t = bench_now ();
  for (i = 0; i < n; i++)
    {
      int j = bench_rand (&s) % live;
      size_t sz = wl_size (&s, max);
      char *p;

      B_FREE (v[j]);
      v[j] = p = B_ALLOC (sz);
      p[0] = p[sz - 1] = 1;
    }
  t = bench_now () - t;
  for (i = 0; i < live; i++)
    B_FREE (v[i]);
  munmap (v, live * sizeof *v);
  return t / n * 1e9;
}

static double
wl_churn (long n, size_t max)
{
  return wl_churn_live (n, max, SEED, 8192);
}

/* Growing buffers, as a string builder or a vector does: 16 buffers
   in turn each grow by 1 to 64 bytes, writing their new last byte,
   until past 16 KiB, then are freed and started over.  Per realloc.  */
static double
wl_realloc (long n)
{
  enum { NBUF = 16, LIMIT = 16384 };
  char *buf[NBUF] = { 0 };
  size_t len[NBUF] = { 0 };
  uint64_t s = SEED;
  double t = bench_now ();
  long i;
  int k;

  for (i = 0; i < n; i++)
    {
      k = i % NBUF;
      len[k] += 1 + bench_rand (&s) % 64;
      buf[k] = B_REALLOC (buf[k], len[k]);
      buf[k][len[k] - 1] = 1;
      if (len[k] > LIMIT)
	{
	  B_FREE (buf[k]);
	  buf[k] = NULL;
	  len[k] = 0;
	}
    }
  t = bench_now () - t;
  for (k = 0; k < NBUF; k++)
    B_FREE (buf[k]);
  return t / n * 1e9;
}

/* calloc of random sizes in [16, 4096], freed 64 allocations later, so
   that most blocks come back dirty and must really be cleared.  Per
   calloc + free.  */
static double
wl_calloc (long n)
{
  enum { RING = 64 };
  void *ring[RING] = { 0 };
  uint64_t s = SEED;
  double t = bench_now ();
  long i;

  for (i = 0; i < n; i++)
    {
      char *p;
      size_t sz = wl_size (&s, 4096);

      B_FREE (ring[i % RING]);
      ring[i % RING] = p = B_CALLOC (1, sz);
      p[sz / 2] = 1;
    }
  t = bench_now () - t;
  for (i = 0; i < RING; i++)
    B_FREE (ring[i]);
  return t / n * 1e9;
}

/* Producer/consumer: one thread allocates, another frees, blocks
   passing through a single-producer single-consumer ring.  Every free
   is a remote free.  Per block.  */
enum { PC_RING = 4096 };
struct wl_pc
{
  void *slot[PC_RING];
  long n;
  long head __attribute__ ((aligned (64)));	/* written by the producer */
  long tail __attribute__ ((aligned (64)));	/* written by the consumer */
};

static void *
wl_consumer (void *arg)
{
  struct wl_pc *pc = arg;
  long i;

  for (i = 0; i < pc->n; i++)
    {
      while (__atomic_load_n (&pc->head, __ATOMIC_ACQUIRE) == i)
	sched_yield ();
      B_FREE (pc->slot[i % PC_RING]);
      __atomic_store_n (&pc->tail, i + 1, __ATOMIC_RELEASE);
    }
  return NULL;
}

static double
wl_prodcons (long n)
{
  struct wl_pc *pc = wl_scratch (sizeof *pc);
  uint64_t s = SEED;
  pthread_t th;
  double t;
  long i;

  pc->n = n;
  t = bench_now ();
  if (pthread_create (&th, NULL, wl_consumer, pc) != 0)
    {
      perror ("pthread_create");
      exit (2);
    }
  for (i = 0; i < n; i++)
    {
      char *p = B_ALLOC (wl_size (&s, 256));

      p[0] = 1;
      while (i - __atomic_load_n (&pc->tail, __ATOMIC_ACQUIRE) >= PC_RING)
	sched_yield ();
      pc->slot[i % PC_RING] = p;
      __atomic_store_n (&pc->head, i + 1, __ATOMIC_RELEASE);
    }
  pthread_join (th, NULL);
  t = bench_now () - t;
  munmap (pc, sizeof *pc);
  return t / n * 1e9;
}

/* Threads each churning a heap of their own blocks (sizes 16 to 256,
   1024 live): nothing is shared but the allocator.  Wall-clock time
   per operation over all threads, so that 1 thread / 2 threads is the
   throughput gained by the second thread.  */
struct wl_thr
{
  long n;
  uint64_t seed;
  pthread_barrier_t *go;
};

static void *
wl_thread (void *arg)
{
  struct wl_thr *w = arg;

  pthread_barrier_wait (w->go);
  wl_churn_live (w->n, 256, w->seed, 1024);
  return NULL;
}

static double
wl_threads (long n, int nthreads)
{
  pthread_t th[8];
  struct wl_thr w[8];
  pthread_barrier_t go;
  double t;
  int k;

  pthread_barrier_init (&go, NULL, nthreads + 1);
  for (k = 0; k < nthreads; k++)
    {
      w[k].n = n;
      w[k].seed = SEED + k;
      w[k].go = &go;
      if (pthread_create (&th[k], NULL, wl_thread, &w[k]) != 0)
	{
	  perror ("pthread_create");
	  exit (2);
	}
    }
  t = bench_now ();
  pthread_barrier_wait (&go);
  for (k = 0; k < nthreads; k++)
    pthread_join (th[k], NULL);
  t = bench_now () - t;
  pthread_barrier_destroy (&go);
  return t / ((double) n * nthreads) * 1e9;
}

/* Bytes of resident memory per live block of SIZE bytes, every block
   written in full: the allocator's rounding, headers and metadata.
   About 32 MiB of payload, at least 8192 blocks.  */
static double
wl_rss (size_t size)
{
  long n = (32L << 20) / (long) size, i, before, after;
  void **v;

  if (n < 8192)
    n = 8192;
  if (n > (2L << 20))
    n = 2L << 20;
  v = wl_scratch (n * sizeof *v);
  B_FREE (B_ALLOC (size));	/* the allocator's own start-up */
  before = bench_rss ();
  for (i = 0; i < n; i++)
    {
      v[i] = B_ALLOC (size);
      memset (v[i], 1, size);
    }
  after = bench_rss ();
  for (i = 0; i < n; i++)
    B_FREE (v[i]);
  return (double) (after - before) / n;
}

/* Run workload NAME: store its result in *VALUE, return its unit, or
   NULL for an unknown name.  Counts are the full run's; BENCH_SCALE
   shrinks them.  */
static const char *
wl_run (const char *name, double *value)
{
  if (strcmp (name, "pair") == 0)
    *value = wl_pair (bench_scaled (20000000));
  else if (strcmp (name, "fifo") == 0)
    *value = wl_batch (bench_scaled (8000000), 0);
  else if (strcmp (name, "lifo") == 0)
    *value = wl_batch (bench_scaled (8000000), 1);
  else if (strcmp (name, "churn256") == 0)
    *value = wl_churn (bench_scaled (5000000), 256);
  else if (strcmp (name, "churn4096") == 0)
    *value = wl_churn (bench_scaled (3000000), 4096);
  else if (strcmp (name, "realloc") == 0)
    *value = wl_realloc (bench_scaled (5000000));
  else if (strcmp (name, "calloc") == 0)
    *value = wl_calloc (bench_scaled (3000000));
  else if (strcmp (name, "prodcons") == 0)
    *value = wl_prodcons (bench_scaled (2000000));
  else if (strcmp (name, "threads1") == 0)
    *value = wl_threads (bench_scaled (4000000), 1);
  else if (strcmp (name, "threads2") == 0)
    *value = wl_threads (bench_scaled (4000000), 2);
  else if (strncmp (name, "rss", 3) == 0 && atol (name + 3) > 0)
    {
      *value = wl_rss ((size_t) atol (name + 3));
      return "B/obj";
    }
  else
    return NULL;
  return "ns/op";
}

#define WL_NAMES "pair fifo lifo churn256 churn4096 realloc calloc " \
  "prodcons threads1 threads2 rssSIZE"

#endif /* WORKLOADS_H */
