/* conc.h -- helpers shared by the mmalloc.concurrency programs: a
   random number generator, ownership tags written at both ends of every
   block, the tagged mixed workload that threads.c and procs.c run, a
   sorted sweep that proves live blocks do not overlap, and bounded
   waits, so that a deadlock is reported as a FAIL with a message
   instead of a silent hang.  Header-only (static functions) because
   each program is one translation unit.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef CONC_H
#define CONC_H 1

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <mmalloc.h>
#include "mmtest.h"

/* ---------------------------------------------------------------- */
/* Random numbers (xorshift64*): reproducible from a printed seed.  */

static inline uint64_t
conc_rand (uint64_t *s)
{
  uint64_t x = *s;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t
conc_seed (uint64_t a, uint64_t b)
{
  uint64_t s = (a + 1) * 0x9E3779B97F4A7C15ULL ^ (b + 7) * 0xBF58476D1CE4E5B9ULL;

  return s != 0 ? s : 1;
}

/* Milliseconds of a monotonic clock.  */
static inline long long
conc_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the long variants were asked for: MMTEST_STRESS=1 in the
   environment, or "--stress" among the arguments.  */
static inline int
conc_stress (int argc, char **argv)
{
  const char *e = getenv ("MMTEST_STRESS");
  int i;

  for (i = 1; i < argc; i++)
    if (strcmp (argv[i], "--stress") == 0)
      return 1;
  return e != NULL && *e != '\0' && strcmp (e, "0") != 0;
}

/* ---------------------------------------------------------------- */
/* A watchdog: every program arms it, so that a deadlock ends with a
   FAILED line that names the phase the program was in, rather than
   with the runner's bare timeout.  */

static const char *volatile conc_phase = "start";
static const char *conc_prog = "?";

static void
conc_alarm (int sig)
{
  char buf[256];
  const char *ph = conc_phase;
  int n;

  (void) sig;
  n = snprintf (buf, sizeof buf,
		"\tFAILED: %s: watchdog expired during \"%s\" (hang or "
		"deadlock)\n", conc_prog, ph);
  if (n > 0)
    {
      ssize_t w = write (1, buf, (size_t) n < sizeof buf ? (size_t) n
			 : sizeof buf - 1);
      (void) w;
    }
  _exit (1);
}

/* Arm a watchdog of SECS seconds (0 disarms it).  Forked children
   inherit the handler but not the alarm: they arm their own.  */
static inline void
conc_watchdog (const char *prog, unsigned int secs)
{
  struct sigaction sa;

  conc_prog = prog;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = conc_alarm;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGALRM, &sa, NULL);
  alarm (secs);
}

/* Wait at most MS milliseconds for child PID.  Returns its exit status,
   128 + its signal, or -2 when it did not end in time (it is then
   killed and reaped), -1 when waitpid failed.  */
static inline int
conc_wait_ms (pid_t pid, long long ms)
{
  long long end = conc_now_ms () + ms;
  int status;

  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
	break;
      if (r < 0 && errno != EINTR)
	return -1;
      if (conc_now_ms () >= end)
	{
	  kill (pid, SIGKILL);
	  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
	    ;
	  return -2;
	}
      {
	struct timespec ts = { 0, 1000000 };	/* 1 ms */
	nanosleep (&ts, NULL);
      }
    }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return -1;
}

/* ---------------------------------------------------------------- */
/* Ownership tags.  Every block of at least CONC_MIN_SIZE bytes carries
   16 bytes at its start and the same 16 bytes at its end:
     word 0: owner << 48 | serial      (who allocated it, and when)
     word 1: size ^ scramble (word 0)  (its requested size)
   so a block describes itself: a thread that receives it from another
   can check it without any other record, and a block that two live
   owners share (a duplicate allocation) is caught when one of them
   rewrites it.  */

#define CONC_MIN_SIZE 32
#define CONC_MAX_SIZE ((uint64_t) 1 << 32)

static inline uint64_t
conc_scramble (uint64_t w0)
{
  return (w0 ^ 0x5A5A5A5A5A5A5A5AULL) * 0x9E3779B97F4A7C15ULL;
}

static inline void
conc_tag (void *p, size_t size, unsigned int owner, uint64_t serial)
{
  uint64_t w[2];

  w[0] = (uint64_t) owner << 48 | (serial & 0xFFFFFFFFFFFFULL);
  w[1] = (uint64_t) size ^ conc_scramble (w[0]);
  memcpy (p, w, sizeof w);
  memcpy ((char *) p + size - sizeof w, w, sizeof w);
}

/* Check the tags of block P.  Returns NULL when they are whole (and
   stores the head word and size), else what is wrong.  */
static inline const char *
conc_untag (const void *p, uint64_t *head, size_t *sizep)
{
  uint64_t w[2], t[2], size;

  memcpy (w, p, sizeof w);
  size = w[1] ^ conc_scramble (w[0]);
  if (size < CONC_MIN_SIZE || size > CONC_MAX_SIZE)
    return "head tag damaged (size out of range)";
  memcpy (t, (const char *) p + size - sizeof t, sizeof t);
  if (t[0] != w[0] || t[1] != w[1])
    return "tail tag differs from head tag";
  if (head != NULL)
    *head = w[0];
  if (sizep != NULL)
    *sizep = (size_t) size;
  return NULL;
}

static inline unsigned int
conc_owner (uint64_t head)
{
  return (unsigned int) (head >> 48);
}

/* ---------------------------------------------------------------- */
/* Live blocks, and the sorted sweep.  */

struct conc_block
{
  char *p;
  size_t size;
};

static int
conc_block_cmp (const void *a, const void *b)
{
  const struct conc_block *x = a, *y = b;

  return x->p < y->p ? -1 : x->p > y->p;
}

/* Sort the N blocks of B by address and count the pairs that overlap
   (a duplicate allocation) or share an address.  The first one found
   is described in MSG.  */
static inline size_t
conc_overlaps (struct conc_block *b, size_t n, char *msg, size_t msglen)
{
  size_t i, bad = 0;

  qsort (b, n, sizeof *b, conc_block_cmp);
  for (i = 1; i < n; i++)
    if (b[i - 1].p + b[i - 1].size > b[i].p)
      {
	if (bad++ == 0)
	  snprintf (msg, msglen, "[%p, +%zu) overlaps [%p, +%zu)",
		    (void *) b[i - 1].p, b[i - 1].size, (void *) b[i].p,
		    b[i].size);
      }
  return bad;
}

/* ---------------------------------------------------------------- */
/* The tagged mixed workload.  One worker owns NSLOTS slots; each
   operation picks a slot at random: an empty slot gets a new block
   (mmalloc, mcalloc, mmemalign or mrealloc from NULL), a full one is
   freed, resized or swapped with a slot of the shared exchange array,
   so that blocks travel between workers (threads or processes) and one
   frees what another allocated.  Every block's tags are checked before
   it is freed, resized or handed on.  */

#define CONC_NSLOTS 256

struct conc_worker
{
  /* Set by the caller.  */
  void *md;			/* the heap (NULL: the default heap) */
  unsigned int owner;		/* 1..65535, unique among all workers */
  long ops;			/* operations to run */
  uint64_t seed;
  uint64_t *xchg;		/* shared exchange array, or NULL */
  unsigned int nxchg;
  unsigned int huge_every;	/* a huge block every ~N ops, 0: never */
  int check_usable;		/* check mmalloc_usable_size on receipt */

  /* Results.  */
  unsigned long allocs, frees, reallocs, handoffs, received, huge;
  unsigned long failed_alloc;	/* NULL from an allocation */
  unsigned long errors;		/* damaged tags, bad alignment, ... */
  char msg[256];		/* the first error */
  /* Blocks still held at the end (the caller frees them).  */
  struct conc_block live[CONC_NSLOTS];
  size_t nlive;
};

static inline void
conc_error (struct conc_worker *w, const char *fmt, ...)
  MMT_PRINTF (2, 3);

static inline void
conc_error (struct conc_worker *w, const char *fmt, ...)
{
  if (w->errors++ == 0)
    {
      va_list ap;
      va_start (ap, fmt);
      vsnprintf (w->msg, sizeof w->msg, fmt, ap);
      va_end (ap);
    }
}

/* A size: mostly small, some large (> 16 KiB), rarely huge (> 16 MiB).  */
static inline size_t
conc_pick_size (struct conc_worker *w, uint64_t *seed)
{
  uint64_t x = conc_rand (seed);
  unsigned int r = (unsigned int) (x % 1000);

  x >>= 10;
  if (w->huge_every != 0 && x % w->huge_every == 0)
    {
      w->huge++;
      return ((size_t) 16 << 20) + 1 + (size_t) ((x >> 20) % (1 << 20));
    }
  x >>= 20;
  if (r < 900)
    return CONC_MIN_SIZE + (size_t) (x % (512 - CONC_MIN_SIZE));
  if (r < 990)
    return 513 + (size_t) (x % (16384 - 512));
  return 16385 + (size_t) (x % (131072 - 16384));
}

/* Whether the N bytes at P are all zero (checking a sample of a big
   block: its first and last KiB and a few bytes in between).  */
static inline int
conc_zeroed (const unsigned char *p, size_t n)
{
  size_t i, step = n > 4096 ? 509 : 1;

  for (i = 0; i < n; i += (i < 1024 || i + 1024 >= n) ? 1 : step)
    if (p[i] != 0)
      return 0;
  return 1;
}

/* Check the block in slot S (head word HEAD expected) before it is
   given up.  Returns 0 when it is whole.  */
static inline int
conc_check_slot (struct conc_worker *w, char *p, uint64_t head,
		 size_t size, const char *what)
{
  uint64_t h;
  size_t sz;
  const char *bad = conc_untag (p, &h, &sz);

  if (bad == NULL && (h != head || sz != size))
    bad = "tags rewritten by someone else (duplicate block?)";
  if (bad != NULL)
    {
      conc_error (w, "worker %u: before %s of %p (owner %u, serial %llu, "
		  "size %zu): %s", w->owner, what, (void *) p,
		  conc_owner (head),
		  (unsigned long long) (head & 0xFFFFFFFFFFFFULL), size, bad);
      return -1;
    }
  return 0;
}

static inline void
conc_run (struct conc_worker *w)
{
  char *slot[CONC_NSLOTS];
  uint64_t head[CONC_NSLOTS];
  size_t size[CONC_NSLOTS];
  uint64_t seed = w->seed, serial = 0;
  void *md = w->md;
  long op;
  unsigned int i;

  memset (slot, 0, sizeof slot);
  for (op = 0; op < w->ops; op++)
    {
      uint64_t x = conc_rand (&seed);
      unsigned int k = (unsigned int) (x % CONC_NSLOTS);
      unsigned int r = (unsigned int) ((x >> 16) % 100);

      if (slot[k] == NULL)
	{
	  size_t n = conc_pick_size (w, &seed);
	  size_t align = 0;
	  char *p;

	  if (r < 55)
	    p = mmalloc (md, n);
	  else if (r < 70)
	    {
	      p = mcalloc (md, 1, n);
	      if (p != NULL && !conc_zeroed ((unsigned char *) p, n))
		conc_error (w, "worker %u: mcalloc (%zu) = %p not zeroed",
			    w->owner, n, (void *) p);
	    }
	  else if (r < 85)
	    {
	      /* Powers of two mostly, now and then one that is not
		 (GNU mmalloc accepts any alignment).  */
	      align = (x >> 24) % 16 == 0 ? 48 : (size_t) 8 << ((x >> 28) % 10);
	      p = mmemalign (md, align, n);
	      if (p != NULL && (uintptr_t) p % align != 0)
		conc_error (w, "worker %u: mmemalign (%zu, %zu) = %p "
			    "misaligned", w->owner, align, n, (void *) p);
	    }
	  else
	    p = mrealloc (md, NULL, n);
	  if (p == NULL)
	    {
	      w->failed_alloc++;
	      conc_error (w, "worker %u: allocation of %zu bytes "
			  "(align %zu) failed: %s", w->owner, n, align,
			  strerror (errno));
	      continue;
	    }
	  w->allocs++;
	  conc_tag (p, n, w->owner, ++serial);
	  slot[k] = p;
	  memcpy (&head[k], p, sizeof head[k]);
	  size[k] = n;
	  continue;
	}

      if (conc_check_slot (w, slot[k], head[k], size[k],
			   r < 40 ? "mfree" : r < 70 ? "mrealloc"
			   : "handoff") != 0)
	{
	  /* Leave a damaged block alone: freeing it could spread the
	     damage, and the error is already on record.  */
	  slot[k] = NULL;
	  continue;
	}
      if (r < 40 || (r >= 70 && w->xchg == NULL))
	{
	  mfree (md, slot[k]);
	  slot[k] = NULL;
	  w->frees++;
	}
      else if (r < 70)
	{
	  size_t n = size[k] > ((size_t) 16 << 20) && (x >> 32) % 2
	    ? size[k] / 2 : conc_pick_size (w, &seed);
	  char *q = mrealloc (md, slot[k], n);
	  uint64_t h;

	  if (q == NULL)
	    {
	      w->failed_alloc++;
	      conc_error (w, "worker %u: mrealloc (%p, %zu) failed: %s",
			  w->owner, (void *) slot[k], n, strerror (errno));
	      continue;
	    }
	  w->reallocs++;
	  memcpy (&h, q, sizeof h);
	  if (h != head[k])
	    conc_error (w, "worker %u: mrealloc (%p, %zu -> %zu) = %p lost "
			"the block's first bytes", w->owner, (void *) slot[k],
			size[k], n, (void *) q);
	  conc_tag (q, n, w->owner, ++serial);
	  slot[k] = q;
	  memcpy (&head[k], q, sizeof head[k]);
	  size[k] = n;
	}
      else
	{
	  /* Hand the block on and take whatever was in the exchange slot
	     (another worker's block, or nothing).  */
	  unsigned int j = (unsigned int) ((x >> 40) % w->nxchg);
	  char *got = (char *) (uintptr_t)
	    __atomic_exchange_n (&w->xchg[j], (uint64_t) (uintptr_t) slot[k],
				 __ATOMIC_ACQ_REL);
	  const char *bad;
	  size_t n = 0;

	  w->handoffs++;
	  slot[k] = got;
	  if (got == NULL)
	    continue;
	  w->received++;
	  if (w->check_usable)
	    {
	      /* Also what lets another process's block be reached: the
		 call catches this process up with the heap's growth.  */
	      size_t u = mmalloc_usable_size (md, got);
	      if (u < CONC_MIN_SIZE)
		{
		  conc_error (w, "worker %u: received %p, which the heap "
			      "does not know as a block (usable size %zu)",
			      w->owner, (void *) got, u);
		  slot[k] = NULL;
		  continue;
		}
	    }
	  bad = conc_untag (got, &head[k], &n);
	  if (bad != NULL)
	    {
	      conc_error (w, "worker %u: received %p: %s", w->owner,
			  (void *) got, bad);
	      slot[k] = NULL;
	      continue;
	    }
	  size[k] = n;
	}
    }

  w->nlive = 0;
  for (i = 0; i < CONC_NSLOTS; i++)
    if (slot[i] != NULL)
      {
	if (conc_check_slot (w, slot[i], head[i], size[i], "the end") == 0)
	  {
	    w->live[w->nlive].p = slot[i];
	    w->live[w->nlive].size = size[i];
	    w->nlive++;
	  }
      }
}

#endif /* CONC_H */
