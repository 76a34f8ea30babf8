/* fork.c -- the default heap across fork:
   - a child allocates and frees in the default heap; the parent's
     blocks and statistics are unchanged by it;
   - fork-safety: while threads allocate from the default heap, the main
     thread forks; every child must be able to allocate and free.  A
     child that does not finish within a few seconds is deadlocked (a
     lock held by another thread at fork time): reported as a FAIL.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "default-util.h"

#define NPARENT 200
#define NTHREADS 3
#define NFORKS 100
#define CHILD_TIMEOUT_MS 5000

static char *pblock[NPARENT];
static size_t psize[NPARENT];

static int
same_stats (struct mstats a, struct mstats b)
{
  return a.bytes_total == b.bytes_total && a.chunks_used == b.chunks_used
    && a.bytes_used == b.bytes_used && a.chunks_free == b.chunks_free
    && a.bytes_free == b.bytes_free;
}

/* The child of the single-threaded case: prints its own results.  */
static int
simple_child (struct mstats before)
{
  char *mine[500];
  size_t i, damaged = 0;
  struct mstats s;

  for (i = 0; i < NPARENT; i++)
    if (!du_verify (pblock[i], psize[i], 1, i))
      damaged++;
  CHECK (damaged == 0, "child: sees the parent's blocks intact");
  /* Free half of the parent's blocks, overwrite the others, allocate.  */
  for (i = 0; i < NPARENT; i += 2)
    mfree (NULL, pblock[i]);
  for (i = 1; i < NPARENT; i += 2)
    memset (pblock[i], 0xcc, psize[i]);
  for (i = 0; i < 500; i++)
    {
      mine[i] = mmalloc (NULL, 100 + i * 97);
      if (mine[i] == NULL)
	break;
      du_fill (mine[i], 100 + i * 97, 2, i);
    }
  CHECK (i == 500, "child: 500 new blocks from the default heap");
  s = mmstats (NULL);
  CHECK (s.chunks_used == before.chunks_used - NPARENT / 2 + 500,
	 "child: its statistics follow its own changes (%zu chunks)",
	 s.chunks_used);
  CHECK (mmalloc_check (NULL) == 0, "child: mmalloc_check (NULL) == 0: %s",
	 mmalloc_check_message (NULL));
  for (damaged = 0, i = 0; i < 500; i++)
    {
      if (!du_verify (mine[i], 100 + i * 97, 2, i))
	damaged++;
      mfree (NULL, mine[i]);
    }
  CHECK (damaged == 0, "child: its blocks kept their contents");
  return mmt_failures != 0;
}

/* Threads that keep the default heap busy.  */
static volatile int stop;
static unsigned long thread_errors;

static void *
busy (void *arg)
{
  uint64_t seed = (uintptr_t) arg * 7919 + 1;
  char *slot[64] = { 0 };
  size_t size[64] = { 0 };
  unsigned long serial = 0, errors = 0;
  unsigned int tag = (unsigned int) (uintptr_t) arg;
  int i;

  while (!stop)
    {
      unsigned int k = (unsigned int) (du_rand (&seed) % 64);
      if (slot[k] != NULL)
	{
	  if (!du_verify (slot[k], size[k] < 64 ? size[k] : 64, tag, serial))
	    errors++;
	  mfree (NULL, slot[k]);
	  slot[k] = NULL;
	}
      else
	{
	  size[k] = 1 + du_rand (&seed) % 3000;
	  slot[k] = mmalloc (NULL, size[k]);
	  if (slot[k] == NULL)
	    errors++;
	  else
	    /* Every block of this thread carries the thread's pattern with
	       serial 0, so the check does not need to know which.  */
	    du_fill (slot[k], size[k] < 64 ? size[k] : 64, tag, serial);
	}
    }
  for (i = 0; i < 64; i++)
    mfree (NULL, slot[i]);
  __atomic_add_fetch (&thread_errors, errors, __ATOMIC_RELAXED);
  return NULL;
}

/* The child of a multithreaded parent: no stdio, only an exit status.  */
static int
mt_child (void)
{
  char *p[100];
  int i;

  for (i = 0; i < 100; i++)
    {
      p[i] = mmalloc (NULL, 16 + i * 40);
      if (p[i] == NULL)
	return 2;
      du_fill (p[i], 16 + i * 40, 3, i);
    }
  for (i = 0; i < 100; i++)
    {
      if (!du_verify (p[i], 16 + i * 40, 3, i))
	return 3;
      mfree (NULL, p[i]);
    }
  if (mmalloc_check (NULL) != 0)
    return 4;
  return 0;
}

/* Wait for PID at most MS milliseconds: its status as mmt_wait gives it,
   or -2 when it had to be killed.  */
static int
wait_bounded (pid_t pid, long ms)
{
  long start = du_msec ();
  int status;

  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
	{
	  if (WIFEXITED (status))
	    return WEXITSTATUS (status);
	  if (WIFSIGNALED (status))
	    return 128 + WTERMSIG (status);
	  return -1;
	}
      if (r < 0 && errno != EINTR)
	return -1;
      if (du_msec () - start > ms)
	{
	  kill (pid, SIGKILL);
	  mmt_wait (pid);
	  return -2;
	}
      {
	struct timespec ts = { 0, 2000000 };
	nanosleep (&ts, NULL);
      }
    }
}

int
main (void)
{
  struct mstats before, after;
  size_t i, damaged, nforks;
  pid_t pid;
  int st, hung = 0, bad = 0, first_bad = 0;
  pthread_t th[NTHREADS];

  /* Single-threaded: the child's changes stay in the child.  */
  for (i = 0; i < NPARENT; i++)
    {
      psize[i] = 1 + (i * 613) % 20000;
      pblock[i] = mmalloc (NULL, psize[i]);
      if (pblock[i] == NULL)
	mmt_fatal ("mmalloc (NULL, %zu) failed", psize[i]);
      du_fill (pblock[i], psize[i], 1, i);
    }
  before = mmstats (NULL);
  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      mmt_failures = 0;		/* the child's own results only */
      mmt_child_exit (simple_child (before));
    }
  st = mmt_wait (pid);
  CHECK (st == 0, "the child that allocated and freed ended normally "
	 "(status %d)", st);
  after = mmstats (NULL);
  CHECK (same_stats (before, after), "the parent's mmstats (NULL) is "
	 "unchanged by the child (chunks_used %zu -> %zu)",
	 before.chunks_used, after.chunks_used);
  for (damaged = 0, i = 0; i < NPARENT; i++)
    if (!du_verify (pblock[i], psize[i], 1, i))
      damaged++;
  CHECK (damaged == 0, "the parent's blocks are unchanged by the child "
	 "(%zu differ)", damaged);
  CHECK (mmalloc_check (NULL) == 0, "the parent's heap is sound: %s",
	 mmalloc_check_message (NULL));
  for (i = 0; i < NPARENT; i++)
    mfree (NULL, pblock[i]);

  /* Multithreaded parent.  */
  for (i = 0; i < NTHREADS; i++)
    if (pthread_create (&th[i], NULL, busy, (void *) (uintptr_t) (i + 10))
	!= 0)
      mmt_fatal ("pthread_create failed");
  {
    struct timespec ts = { 0, 20000000 };
    nanosleep (&ts, NULL);	/* let them get going */
  }
  for (i = 0; i < NFORKS; i++)
    {
      pid = mmt_fork ();
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	_exit (mt_child ());
      st = wait_bounded (pid, CHILD_TIMEOUT_MS);
      if (st == -2)
	{
	  if (++hung >= 2)
	    {
	      i++;
	      break;		/* enough to know; keep the run short */
	    }
	}
      else if (st != 0 && bad++ == 0)
	first_bad = st;
    }
  nforks = i;
  stop = 1;
  for (i = 0; i < NTHREADS; i++)
    pthread_join (th[i], NULL);
  CHECK (hung == 0, "fork with threads allocating: no child deadlocks in "
	 "the default heap (%d of %zu children hung for %d s and were "
	 "killed)", hung, nforks, CHILD_TIMEOUT_MS / 1000);
  CHECK (bad == 0, "fork with threads allocating: every child that ran "
	 "could allocate, free and check (%d failed, first status %d)", bad,
	 first_bad);
  CHECK (thread_errors == 0, "the parent's threads saw no failed "
	 "allocation or damaged block (%lu)", thread_errors);
  CHECK (mmalloc_check (NULL) == 0, "the parent's heap is sound after the "
	 "forks: %s", mmalloc_check_message (NULL));
  mmt_exit ();
}
