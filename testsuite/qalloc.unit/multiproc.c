/* multiproc.c -- qalloc.md section 6, F33 and F34: several processes on
   one map, and two processes creating the same new file.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <pthread.h>

#include "qtest.h"

#define ITEM 64
#define COUNT 2048
#define DYNF ((off_t) 4 << 20)
#define ITERS 20000
#define BATCH 8

static const char *spath, *dpath;
static void *smap, *dmap;

/* Tag every word of an item with its owner (pid, thread, iteration);
   check after the batch.  Returns the number of bad words.  */
static void *
work (void *arg)
{
  unsigned long tag0 = (unsigned long) getpid () << 32
    | (unsigned long) (uintptr_t) arg << 24;
  unsigned long *p[2 * BATCH];
  size_t n[2 * BATCH];
  long it, bad = 0;
  int k;

  for (it = 0; it < ITERS; it++)
    {
      unsigned long tag = tag0 | (unsigned long) it;
      for (k = 0; k < 2 * BATCH; k++)
	{
	  size_t w;
	  n[k] = k < BATCH ? ITEM : (size_t) (16 + (it * 37 + k * 101) % 2000);
	  p[k] = k < BATCH ? qalloc_statmalloc (smap)
	    : qalloc_dynmalloc (dmap, n[k]);
	  if (p[k] == NULL)
	    {
	      bad++;
	      continue;
	    }
	  for (w = 0; w < n[k] / sizeof (unsigned long); w++)
	    p[k][w] = tag ^ w;
	}
      for (k = 0; k < 2 * BATCH; k++)
	{
	  size_t w;
	  if (p[k] == NULL)
	    continue;
	  for (w = 0; w < n[k] / sizeof (unsigned long); w++)
	    bad += p[k][w] != (tag ^ w);
	  if (k < BATCH)
	    qalloc_statfree (p[k], smap);
	  else
	    qalloc_dynfree (p[k], dmap);
	}
    }
  return (void *) (intptr_t) bad;
}

static int
process (int threads)
{
  pthread_t t;
  void *r1, *r2 = NULL;

  alarm (60);
  smap = qt_loadmap_retry (spath);
  dmap = qt_loadmap_retry (dpath);
  if (smap == NULL || dmap == NULL)
    return 2;
  if (threads > 1)
    pthread_create (&t, NULL, work, (void *) 1);
  r1 = work ((void *) 0);
  if (threads > 1)
    pthread_join (t, &r2);
  qalloc_cleanup ();
  return r1 != NULL || r2 != NULL ? 1 : 0;
}

static void
f33 (void)
{
  char *sp = qt_path ("multiproc", "f33s");
  char *dp = qt_path ("multiproc", "f33d");
  enum { NPROC = 6 };
  pid_t pid[NPROC];
  int i, ok = 1;
  size_t n;
  void *m;

  spath = sp;
  dpath = dp;
  if (qalloc_makestatmap ((off_t) COUNT * ITEM, NULL, sp, ITEM, 3) == NULL
      || qalloc_makedynmap (DYNF, NULL, dp, 3) == NULL)
    mmt_fatal ("f33: make: %s", strerror (errno));
  qalloc_cleanup ();
  for (i = 0; i < NPROC; i++)
    if ((pid[i] = mmt_fork ()) == 0)
      mmt_child_exit (process (i < 4 ? 2 : 1));
  for (i = 0; i < NPROC; i++)
    {
      int st = mmt_wait (pid[i]);
      if (st != 0)
	mmt_note ("process %d: status %d", i, st);
      ok &= st == 0;
    }
  CHECK (ok, "F33: 4 two-thread and 2 one-thread processes on one static"
	 " and one dynamic map: no duplicate, no hang");
  m = qalloc_loadmap (sp);
  for (n = 0; m != NULL && qalloc_statmalloc (m) != NULL; n++)
    ;
  CHECK (n == COUNT, "F33: afterwards every static item is free (%zu)", n);
  m = qalloc_loadmap (dp);
  for (n = 0; m != NULL && qalloc_dynmalloc (m, 2048) != NULL; n++)
    ;
  CHECK (n * 2048 >= (size_t) DYNF, "F33: and the dynamic map's whole"
	 " capacity (%zu blocks of 2048)", n);
  qalloc_cleanup ();
  unlink (sp);
  unlink (dp);
  free (sp);
  free (dp);
}

/* F34: two processes create the same new file at once.  Each takes one
   item and writes its pid in it.  If both had formatted the file, the
   second format would have reset the map: one pid would be lost, or
   both would hold the same item.  */
static int
racer (const char *path, int fd, int dyn)
{
  char c;
  void *m;
  long *p;

  if (read (fd, &c, 1) != 1)	/* the start signal */
    return 2;
  m = dyn ? qalloc_makedynmap (1 << 20, NULL, path, 2)
    : qalloc_makestatmap (1 << 20, NULL, path, 64, 2);
  if (m == NULL)
    return 3;
  p = qalloc_malloc (m, 64);
  if (p == NULL)
    return 4;
  *p = (long) getpid ();
  /* Hand the pointer to the parent through the map's file name.  */
  printf ("\tNOTE: racer %ld got %p\n", (long) getpid (), (void *) p);
  fflush (stdout);
  qalloc_cleanup ();
  return 0;
}

static void
f34 (int dyn)
{
  char *path = qt_path ("multiproc", dyn ? "f34d" : "f34s");
  int round, ok = 1, fds[2];

  for (round = 0; round < 10 && ok; round++)
    {
      pid_t a, b;
      long *pa = NULL, *pb = NULL;
      void *m;
      int pipe_ab[2];

      unlink (path);
      if (pipe (fds) != 0 || pipe (pipe_ab) != 0)
	mmt_fatal ("pipe");
      if ((a = mmt_fork ()) == 0)
	{
	  close (fds[1]);
	  dup2 (pipe_ab[1], 1);
	  mmt_child_exit (racer (path, fds[0], dyn));
	}
      if ((b = mmt_fork ()) == 0)
	{
	  close (fds[1]);
	  dup2 (pipe_ab[1], 1);
	  mmt_child_exit (racer (path, fds[0], dyn));
	}
      close (fds[0]);
      close (pipe_ab[1]);
      if (write (fds[1], "gg", 2) != 2)
	mmt_fatal ("write");
      close (fds[1]);
      ok &= mmt_wait (a) == 0;
      ok &= mmt_wait (b) == 0;
      {
	FILE *f = fdopen (pipe_ab[0], "r");
	char line[200];
	while (f != NULL && fgets (line, sizeof line, f) != NULL)
	  {
	    long who;
	    void *ptr;
	    if (sscanf (line, "\tNOTE: racer %ld got %p", &who, &ptr) == 2)
	      {
		if (who == (long) a)
		  pa = ptr;
		else if (who == (long) b)
		  pb = ptr;
	      }
	  }
	if (f != NULL)
	  fclose (f);
      }
      m = qalloc_loadmap (path);
      ok &= m != NULL && pa != NULL && pb != NULL && pa != pb
	&& *pa == (long) a && *pb == (long) b;
      if (!dyn && m != NULL)
	{
	  size_t n;
	  for (n = 0; qalloc_statmalloc (m) != NULL; n++)
	    ;
	  ok &= n == (1 << 20) / 64 - 2;
	}
      qalloc_cleanup ();
    }
  CHECK (ok, "F34: two processes creating one new %s map: one formats, both"
	 " use it (%d rounds)", dyn ? "dynamic" : "static", round);
  unlink (path);
  free (path);
}

/* F33: a process loads a map while another fills it (growing the
   file).  Every load must succeed.  */
static void
f33_growing (void)
{
  char *path = qt_path ("multiproc", "f33g");
  int i, fails = 0, first = 0;
  pid_t pid;

  if (qalloc_makedynmap ((off_t) 256 << 20, NULL, path, 2) == NULL)
    mmt_fatal ("f33g: make: %s", strerror (errno));
  qalloc_cleanup ();
  pid = mmt_fork ();
  if (pid == 0)
    {
      void *m = qt_loadmap_retry (path);
      if (m == NULL)
	_exit (1);
      while (qalloc_dynmalloc (m, 100000) != NULL)
	;
      qalloc_cleanup ();
      _exit (0);
    }
  for (i = 0; i < 1000; i++)
    {
      if (qalloc_loadmap (path) == NULL)
	{
	  if (fails++ == 0)
	    first = errno;
	}
      qalloc_cleanup ();
    }
  kill (pid, SIGKILL);
  mmt_wait (pid);
  CHECK (fails == 0, "F33: loading a map while another process fills it"
	 " always works (%d of 1000 loads failed, first with %s)", fails,
	 fails ? strerror (first) : "-");
  unlink (path);
  free (path);
}

int
main (void)
{
  f33_growing ();
  f33 ();
  f34 (0);
  f34 (1);
  mmt_exit ();
}
