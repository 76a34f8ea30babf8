/* procs.c -- issue 5, second acceptance test: 4 processes x 2 threads
   attached to one heap file (created with 4 concurrency stripes) at the
   same time.  Each worker process is forked before anything is
   attached and attaches the file on its own;
   its two threads run the tagged mixed workload of conc.h, handing
   blocks on through a ring of 64 slots stored in the heap itself
   (rooted at key 0), so that a block allocated in one process is
   checked and freed in another.  When all are done, a fresh process
   attaches the file: mmalloc_check must be 0, every block left in the
   ring must still carry its tags, no two of them may overlap, and the
   heap's count of live blocks must be exactly the ring's blocks plus
   the ring.  Last, a process attached before another one grows the heap
   must be able to read the new block whose address it finds in a key.
   Usage: procs [OPS] [--stress]   (OPS per thread: 10^6, about 6 s on
   2 busy cores; 4 x 10^6 with MMTEST_STRESS=1 or --stress)
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "conc.h"

#define NPROCS 4
#define NTHREADS 2
#define NRING 64
#define RING_MAGIC 0x72696E67636F6E63ULL	/* "ringconc" */

/* The ring, in the heap.  */
struct ring
{
  uint64_t magic;
  uint64_t slot[NRING];
};

static char path[64];
static long ops = 1000000;

/* Open and attach the heap file; exits the child on failure.  */
static void *
attach_file (const char *who, int *fdp)
{
  int fd = open (path, O_RDWR);
  void *md;

  if (fd < 0)
    {
      mmt_fail ("%s: open %s: %s", who, path, strerror (errno));
      mmt_child_exit (1);
    }
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    {
      mmt_fail ("%s: mmalloc_attach: %s", who, strerror (errno));
      mmt_child_exit (1);
    }
  *fdp = fd;
  return md;
}

static void
setup (void)
{
  int fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
  struct mmalloc_options o;
  void *md;
  struct ring *r;

  /* One concurrency stripe per process; correctness must not depend
     on them.  */
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.streams = NPROCS;
  if (fd < 0 || (md = mmalloc_attach_opts (fd, NULL, &o)) == NULL)
    {
      mmt_fail ("procs setup: create %s: %s", path, strerror (errno));
      mmt_child_exit (1);
    }
  r = mcalloc (md, 1, sizeof *r);
  if (r == NULL || !mmalloc_setkey (md, 0, r))
    {
      mmt_fail ("procs setup: ring: %s", strerror (errno));
      mmt_child_exit (1);
    }
  r->magic = RING_MAGIC;
  if (mmalloc_detach (md) != NULL)
    {
      mmt_fail ("procs setup: detach: %s", strerror (errno));
      mmt_child_exit (1);
    }
  close (fd);
  mmt_child_exit (0);
}

static void *
thread_main (void *arg)
{
  conc_run ((struct conc_worker *) arg);
  return NULL;
}

static void
worker (int proc)
{
  struct conc_worker *w = calloc (NTHREADS, sizeof *w);
  pthread_t tid[NTHREADS];
  char who[32];
  struct ring *r;
  unsigned long errors = 0, received = 0;
  int fd, t;
  void *md;
  size_t j;

  snprintf (who, sizeof who, "process %d", proc);
  alarm (0);
  conc_watchdog (who, ops > 1000000 ? 1500 : 120);
  conc_phase = "attach";
  md = attach_file (who, &fd);
  r = mmalloc_getkey (md, 0);
  if (w == NULL || r == NULL || r->magic != RING_MAGIC)
    {
      mmt_fail ("%s: the ring is not at key 0", who);
      mmt_child_exit (1);
    }
  conc_phase = "2 threads running the workload";
  for (t = 0; t < NTHREADS; t++)
    {
      w[t].md = md;
      w[t].owner = (unsigned int) (proc * NTHREADS + t + 1);
      w[t].ops = ops;
      w[t].seed = conc_seed ((uint64_t) w[t].owner, (uint64_t) getpid ());
      w[t].xchg = r->slot;
      w[t].nxchg = NRING;
      w[t].huge_every = 200000;
      /* A block from another process may lie in pages this process has
	 not mapped yet; the call catches it up (see conc_run).  */
      w[t].check_usable = 1;
      if (pthread_create (&tid[t], NULL, thread_main, &w[t]) != 0)
	{
	  mmt_fail ("%s: pthread_create failed", who);
	  mmt_child_exit (1);
	}
    }
  for (t = 0; t < NTHREADS; t++)
    pthread_join (tid[t], NULL);
  conc_phase = "freeing the live blocks";
  for (t = 0; t < NTHREADS; t++)
    {
      errors += w[t].errors;
      received += w[t].received;
      if (w[t].errors != 0)
	mmt_note ("%s thread %d: %lu errors, first: %s", who, t,
		  w[t].errors, w[t].msg);
      for (j = 0; j < w[t].nlive; j++)
	mfree (md, w[t].live[j].p);
    }
  CHECK (errors == 0, "%s: every block's tags intact, every "
	 "allocation succeeded (%lu errors)", who, errors);
  mmt_note ("%s: %lu blocks received through the ring", who,
	    received);
  conc_phase = "mmalloc_check";
  if (!CHECK (mmalloc_check (md) == 0, "%s: mmalloc_check == 0 "
	      "after its work", who))
    mmt_note ("%s: %s", who, mmalloc_check_message (md));
  conc_phase = "detach";
  if (mmalloc_detach (md) != NULL)
    {
      mmt_fail ("%s: detach: %s", who, strerror (errno));
      mmt_child_exit (1);
    }
  close (fd);
  mmt_child_exit (errors != 0);
}

/* The fresh process at the end.  */
static void
verify (void)
{
  struct conc_block b[NRING];
  struct ring *r;
  size_t n = 0, overlaps;
  unsigned long bad = 0;
  struct mstats st;
  char msg[256] = "";
  int fd, i;
  void *md;

  alarm (0);
  conc_watchdog ("procs verifier", 60);
  conc_phase = "verifier: attach";
  md = attach_file ("verifier", &fd);
  conc_phase = "verifier: mmalloc_check";
  if (!CHECK (mmalloc_check (md) == 0, "mmalloc_check == 0 in a "
	      "fresh process"))
    mmt_note ("%s", mmalloc_check_message (md));
  r = mmalloc_getkey (md, 0);
  if (r == NULL || r->magic != RING_MAGIC)
    {
      mmt_fail ("the ring is still at key 0");
      mmt_child_exit (1);
    }
  conc_phase = "verifier: the ring's blocks";
  for (i = 0; i < NRING; i++)
    if (r->slot[i] != 0)
      {
	char *p = (char *) (uintptr_t) r->slot[i];
	size_t u = mmalloc_usable_size (md, p), sz = 0;
	const char *why = u < CONC_MIN_SIZE ? "not a block of the heap"
	  : conc_untag (p, NULL, &sz);

	if (why == NULL && u < sz)
	  why = "usable size below its tagged size";
	if (why != NULL)
	  {
	    if (bad++ == 0)
	      mmt_note ("ring slot %d (%p): %s", i, (void *) p, why);
	    continue;
	  }
	b[n].p = p;
	b[n].size = sz;
	n++;
      }
  if (!CHECK (bad == 0, "every block left in the ring has its tags"))
    mmt_note ("%lu blocks damaged, %zu whole", bad, n);
  overlaps = conc_overlaps (b, n, msg, sizeof msg);
  if (overlaps != 0)
    mmt_note ("%s", msg);
  CHECK (overlaps == 0, "no two blocks of the ring overlap");
  st = mmstats (md);
  if (!CHECK (st.chunks_used == n + 1, "the heap holds exactly the "
	      "ring and its blocks"))
    mmt_note ("the ring holds %zu blocks; mmstats counts %zu in use", n,
	      st.chunks_used);
  conc_phase = "verifier: freeing the ring's blocks";
  for (i = 0; i < (int) n; i++)
    mfree (md, b[i].p);
  memset (r->slot, 0, sizeof r->slot);
  if (!CHECK (mmalloc_check (md) == 0, "mmalloc_check == 0 after "
	      "freeing them"))
    mmt_note ("%s", mmalloc_check_message (md));
  st = mmstats (md);
  if (!CHECK (st.chunks_used == 1, "only the ring is left"))
    mmt_note ("mmstats counts %zu blocks in use", st.chunks_used);
  if (mmalloc_detach (md) != NULL)
    mmt_fail ("verifier detach: %s", strerror (errno));
  close (fd);
  mmt_child_exit (0);
}

/* Growth seen by another process.  Reader R attaches the file; then
   writer W, another process, allocates a block big enough to grow the
   heap past R's mapping, fills its ends and stores it at key 1; R then
   reads the key and the block's last byte, calling nothing else.  The
   manual promises that a pointer one process stores in the heap is valid
   in all of them: R must not fault.  */

#define GROW_SIZE ((size_t) 40 << 20)

/* Read one byte from FD within MS milliseconds: 1, or 0 on timeout or
   end of file.  */
static int
read_byte (int fd, long long ms)
{
  long long end = conc_now_ms () + ms;
  char c;

  while (conc_now_ms () < end)
    {
      struct timespec ts = { 0, 1000000 };
      ssize_t n = read (fd, &c, 1);
      if (n == 1)
	return 1;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
	return 0;
      nanosleep (&ts, NULL);
    }
  return 0;
}

static void
growth_visibility (void)
{
  int ready[2], go[2], st, fd;
  pid_t r, w;

  conc_phase = "growth seen by another process";
  if (pipe (ready) != 0 || pipe (go) != 0)
    mmt_fatal ("pipe: %s", strerror (errno));
  fcntl (ready[0], F_SETFL, O_NONBLOCK);
  if ((r = mmt_fork ()) == 0)
    {
      unsigned char *p;
      void *md;

      alarm (0);
      conc_watchdog ("growth reader", 60);
      md = attach_file ("growth reader", &fd);
      if (write (ready[1], "r", 1) != 1 || !read_byte (go[0], 50000))
	mmt_child_exit (2);
      p = mmalloc_getkey (md, 1);
      if (p == NULL)
	mmt_child_exit (3);
      /* Nothing but loads: no call that could take the heap's lock.  */
      if (p[0] != 0xC3 || p[GROW_SIZE - 1] != 0x3C)
	mmt_child_exit (4);
      mmt_child_exit (mmalloc_detach (md) == NULL ? 0 : 5);
    }
  if (r < 0 || !read_byte (ready[0], 30000))
    {
      mmt_fail ("growth: the reader did not attach");
      if (r > 0)
	conc_wait_ms (r, 1);
      return;
    }
  if ((w = mmt_fork ()) == 0)
    {
      unsigned char *p;
      void *md;

      alarm (0);
      conc_watchdog ("growth writer", 60);
      md = attach_file ("growth writer", &fd);
      p = mmalloc (md, GROW_SIZE);
      if (p == NULL)
	mmt_child_exit (2);
      p[0] = 0xC3;
      p[GROW_SIZE - 1] = 0x3C;
      if (!mmalloc_setkey (md, 1, p))
	mmt_child_exit (3);
      mmt_child_exit (mmalloc_detach (md) == NULL ? 0 : 4);
    }
  st = w < 0 ? -1 : conc_wait_ms (w, 30000);
  if (!CHECK (st == 0, "growth: another process allocated %zu MiB and "
	      "stored it at key 1", GROW_SIZE >> 20))
    mmt_note ("growth: writer status %d", st);
  if (write (go[1], "g", 1) != 1)
    mmt_note ("growth: write to the reader failed");
  st = conc_wait_ms (r, 30000);
  if (!CHECK (st == 0, "growth: a process attached before the heap grew "
	      "reads the new block through key 1 without faulting"))
    mmt_note ("growth: reader status %d%s", st, st == 128 + SIGSEGV
	      ? " (SIGSEGV: the grown part is not mapped in the reader "
	      "until it takes the heap's lock)" : "");
  close (ready[0]);
  close (ready[1]);
  close (go[0]);
  close (go[1]);
}

int
main (int argc, char **argv)
{
  int stress = conc_stress (argc, argv);
  pid_t pid[NPROCS];
  long long t0, limit;
  int i, st;

  if (stress)
    ops = 4000000;
  if (argc > 1 && argv[1][0] != '-')
    ops = atol (argv[1]);
  /* The workers' bound, and the program's (below the timeout of
     concurrency.exp).  */
  limit = ops > 1000000 ? 1500000 : 100000;
  conc_watchdog ("procs", ops > 1000000 ? 1700 : 170);
  snprintf (path, sizeof path, "conc-procs-%ld.heap", (long) getpid ());
  unlink (path);

  conc_phase = "setup";
  if ((pid[0] = mmt_fork ()) == 0)
    setup ();
  st = conc_wait_ms (pid[0], 30000);
  if (st != 0)
    {
      unlink (path);
      mmt_fatal ("setup process ended with %d", st);
    }

  /* Every worker attaches on its own: this process never attaches.  */
  conc_phase = "waiting for the workers";
  t0 = conc_now_ms ();
  for (i = 0; i < NPROCS; i++)
    {
      pid[i] = mmt_fork ();
      if (pid[i] < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid[i] == 0)
	worker (i);
    }
  for (i = 0; i < NPROCS; i++)
    {
      st = conc_wait_ms (pid[i], limit - (conc_now_ms () - t0));
      if (st == -2)
	mmt_fail ("process %d did not finish within %lld s (hang or "
		  "deadlock)", i, limit / 1000);
      else
	{
	  if (!CHECK (st == 0, "process %d exited with status 0", i))
	    mmt_note ("process %d: status %d", i, st);
	}
    }
  mmt_note ("%d processes x %d threads x %ld ops in %lld ms",
	    NPROCS, NTHREADS, ops, conc_now_ms () - t0);

  conc_phase = "waiting for the verifier";
  if ((pid[0] = mmt_fork ()) == 0)
    verify ();
  st = conc_wait_ms (pid[0], 90000);
  if (!CHECK (st == 0, "the verifier exited with status 0"))
    mmt_note ("verifier: status %d%s", st, st == -2 ? " (hung)" : "");
  growth_visibility ();
  unlink (path);
  mmt_exit ();
}
