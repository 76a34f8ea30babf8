/* fcache.c -- thread caches on heap files (MMALLOC_CACHE): what the
   caches hold is the process's alone, and is never lost by a clean end.
   - detach returns every thread's cached blocks: attached again, the
     heap holds nothing (mmstats) and mmalloc_check is 0;
   - a program that ends with exit () without detaching gives back what
     its main thread cached;
   - a fork child never hands out a block its parent has cached: both
     allocate after the fork and no block is handed to both;
   - a process SIGKILLed with full caches leaves a sound heap, with at
     most its caches' worth of blocks still allocated (leaked, never
     handed out twice);
   - the class hints of the free path, gone stale because another
     process freed a run and carved its pages anew, are not believed.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"

#define N 256

static char path[64];

static void *
attach (int cached, int *fdp)
{
  struct mmalloc_options o;
  int fd = open (path, O_RDWR | O_CREAT, 0600);
  void *md;

  if (fd < 0)
    mmt_fatal ("open %s: %s", path, strerror (errno));
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = cached ? MMALLOC_CACHE : 0;
  md = mmalloc_attach_opts (fd, NULL, &o);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach_opts: %s", strerror (errno));
  *fdp = fd;
  return md;
}

/* Fill this thread's caches: allocate and free blocks of many sizes.  */
static void
churn (void *md)
{
  void *p[N];
  int i, round;

  for (round = 0; round < 4; round++)
    {
      for (i = 0; i < N; i++)
	p[i] = mmalloc (md, (size_t) (16 + (i * 37) % 2000));
      for (i = 0; i < N; i++)
	mfree (md, p[i]);
    }
}

static void *
churn_thread (void *md)
{
  churn (md);
  return NULL;
}

/* The heap file holds no live block and is sound.  */
static void
expect_empty (const char *what)
{
  int fd;
  void *md = attach (0, &fd);
  struct mstats st = mmstats (md);

  CHECK (st.chunks_used == 0 && st.bytes_used == 0,
	 "%s: the heap holds no block afterwards (%zu blocks)", what,
	 st.chunks_used);
  CHECK (mmalloc_check (md) == 0, "%s: mmalloc_check is 0 (%s)", what,
	 mmalloc_check_message (md));
  mmalloc_detach (md);
  close (fd);
}

static void
detach_returns (void)
{
  pthread_t t[3];
  int fd, i;
  void *md;

  unlink (path);
  md = attach (1, &fd);
  for (i = 0; i < 3; i++)
    if (pthread_create (&t[i], NULL, churn_thread, md) != 0)
      mmt_fatal ("pthread_create");
  churn (md);
  for (i = 0; i < 3; i++)
    pthread_join (t[i], NULL);
  CHECK (mmstats (md).chunks_used == 0,
	 "detach: mmstats counts no block while they are only cached");
  mmalloc_detach (md);
  close (fd);
  expect_empty ("detach after 4 threads cached blocks");
}

static void
exit_returns (void)
{
  pid_t pid;
  int st;

  unlink (path);
  pid = mmt_fork ();
  if (pid == 0)
    {
      int fd;
      void *md = attach (1, &fd);
      churn (md);
      exit (0);			/* no detach: the program just ends */
    }
  st = mmt_wait (pid);
  CHECK (st == 0, "exit: the child ends normally (status %d)", st);
  expect_empty ("exit without detach");
}

static void
fork_forgets (void)
{
  uintptr_t *shared;
  void *mine[N], *md;
  pid_t pid;
  int fd, i, j, st, dup = 0;

  shared = mmap (NULL, N * sizeof *shared, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED)
    mmt_fatal ("mmap");
  unlink (path);
  md = attach (1, &fd);
  churn (md);			/* the parent's caches are full */
  pid = mmt_fork ();
  if (pid == 0)
    {
      for (i = 0; i < N; i++)
	shared[i] = (uintptr_t) mmalloc (md, (size_t) (16 + (i * 37) % 2000));
      /* exit, not _exit: what the child's thread cached goes back
	 (its blocks stay allocated: the parent frees them).  */
      exit (0);
    }
  st = mmt_wait (pid);
  for (i = 0; i < N; i++)
    mine[i] = mmalloc (md, (size_t) (16 + (i * 37) % 2000));
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++)
      if (shared[i] != 0 && shared[i] == (uintptr_t) mine[j])
	dup++;
  CHECK (st == 0, "fork: the child allocated (status %d)", st);
  CHECK (dup == 0, "fork: no block handed to both the child and its "
	 "parent (%d were)", dup);
  for (i = 0; i < N; i++)
    mfree (md, mine[i]);
  for (i = 0; i < N; i++)
    mfree (md, (void *) shared[i]);	/* the child's, now free */
  CHECK (mmalloc_check (md) == 0, "fork: the heap is sound (%s)",
	 mmalloc_check_message (md));
  mmalloc_detach (md);
  close (fd);
  expect_empty ("fork");
  munmap (shared, N * sizeof *shared);
}

static void
kill_leaks_bounded (void)
{
  int pipefd[2], fd;
  struct mstats st;
  pid_t pid;
  char c;
  void *md;

  unlink (path);
  if (pipe (pipefd) != 0)
    mmt_fatal ("pipe");
  pid = mmt_fork ();
  if (pid == 0)
    {
      void *cmd = attach (1, &fd);
      churn (cmd);
      if (write (pipefd[1], "x", 1) != 1)
	_exit (1);
      pause ();
      _exit (0);
    }
  if (read (pipefd[0], &c, 1) != 1)
    mmt_fatal ("the child did not get ready");
  kill (pid, SIGKILL);
  mmt_wait (pid);
  md = attach (0, &fd);
  st = mmstats (md);
  CHECK (mmalloc_check (md) == 0, "kill: the heap is sound after a "
	 "process died with full caches (%s)", mmalloc_check_message (md));
  /* What one thread's caches can hold: 16 KiB worth of each cached
     class (more for the 8 smallest), 367 KiB in all (sizeclass.c).  */
  CHECK (st.bytes_used <= 367 * 1024,
	 "kill: at most the dead process's caches are lost (%zu bytes in "
	 "%zu blocks)", st.bytes_used, st.chunks_used);
  mmalloc_detach (md);
  close (fd);
  close (pipefd[0]);
  close (pipefd[1]);
}

/* The class hints of a heap file's free path (pagemap.c) go stale when
   another process frees a run this one carved and carves its pages
   anew.  The parent carves runs of 256-byte blocks, a child frees them
   all, a second child allocates 64-byte blocks, some on those same
   pages, and the parent frees these: believed, a stale hint would put
   a 64-byte block among the parent's cached 256-byte ones.  So the
   parent then allocates blocks of both sizes, fills each in full, and
   checks that none overlaps another and every one keeps its pattern;
   freed, the heap is sound and empty.  */
#define NH 2048
static int
cmp_addr (const void *a, const void *b)
{
  uintptr_t x = *(const uintptr_t *) a, y = *(const uintptr_t *) b;
  return x < y ? -1 : x > y;
}

static void
stale_hints (void)
{
  uintptr_t *shared, *mine, *all;
  void *md;
  pid_t pid;
  int fd, i, j, st, ok = 1;
  size_t reused = 0, overlaps = 0, bad = 0;

  shared = mmap (NULL, 4 * NH * sizeof *shared, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED)
    mmt_fatal ("mmap");
  mine = shared + NH;
  all = shared + 2 * NH;
  unlink (path);
  md = attach (1, &fd);
  for (i = 0; i < NH; i++)
    if ((mine[i] = (uintptr_t) mmalloc (md, 256)) == 0)
      ok = 0;
  CHECK (ok, "stale hints: the parent allocates %d blocks of 256 bytes", NH);
  pid = mmt_fork ();
  if (pid == 0)
    {
      for (i = 0; i < NH; i++)
	mfree (md, (void *) mine[i]);
      exit (0);			/* its cache goes back: the runs empty */
    }
  st = mmt_wait (pid);
  CHECK (st == 0, "stale hints: a child frees them (status %d)", st);
  pid = mmt_fork ();
  if (pid == 0)
    {
      for (i = 0; i < NH; i++)
	shared[i] = (uintptr_t) mmalloc (md, 64);
      exit (0);
    }
  st = mmt_wait (pid);
  CHECK (st == 0, "stale hints: another child allocates %d blocks of 64 "
	 "bytes (status %d)", NH, st);
  for (i = 0; i < NH; i++)
    for (j = 0; j < NH; j++)
      if (shared[i] >> 12 == mine[j] >> 12)
	{
	  reused++;
	  break;
	}
  CHECK (reused > 0, "stale hints: %zu of the 64-byte blocks lie on pages "
	 "that held the parent's 256-byte runs", reused);
  for (i = 0; i < NH; i++)
    mfree (md, (void *) shared[i]);

  /* Blocks of both sizes, each filled with its own byte.  */
  for (i = 0; i < 2 * NH; i++)
    {
      size_t sz = i % 2 ? 64 : 256;
      all[i] = (uintptr_t) mmalloc (md, sz);
      if (all[i] == 0)
	mmt_fatal ("mmalloc (%zu): %s", sz, strerror (errno));
      memset ((void *) all[i], i & 0xff, sz);
    }
  for (i = 0; i < 2 * NH; i++)
    {
      const unsigned char *b = (const unsigned char *) all[i];
      size_t sz = i % 2 ? 64 : 256, k;
      for (k = 0; k < sz; k++)
	if (b[k] != (i & 0xff))
	  {
	    bad++;
	    break;
	  }
    }
  CHECK (bad == 0, "stale hints: every block keeps its pattern (%zu do "
	 "not)", bad);
  for (i = 0; i < 2 * NH; i++)
    shared[i] = all[i] | (i % 2 ? 0 : 1);	/* the size in bit 0 */
  qsort (shared, 2 * NH, sizeof *shared, cmp_addr);
  for (i = 0; i + 1 < 2 * NH; i++)
    if ((shared[i] & ~(uintptr_t) 1) + (shared[i] & 1 ? 256 : 64)
	> (shared[i + 1] & ~(uintptr_t) 1))
      overlaps++;
  CHECK (overlaps == 0, "stale hints: no two blocks overlap (%zu do)",
	 overlaps);
  for (i = 0; i < 2 * NH; i++)
    mfree (md, (void *) all[i]);
  CHECK (mmalloc_check (md) == 0, "stale hints: the heap is sound (%s)",
	 mmalloc_check_message (md));
  mmalloc_detach (md);
  close (fd);
  expect_empty ("stale hints");
  munmap (shared, 4 * NH * sizeof *shared);
}

int
main (void)
{
  snprintf (path, sizeof path, "conc-fcache-%ld.heap", (long) getpid ());
  alarm (120);
  detach_returns ();
  exit_returns ();
  fork_forgets ();
  kill_leaks_bounded ();
  stale_hints ();
  unlink (path);
  mmt_exit ();
}
