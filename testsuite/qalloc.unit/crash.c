/* crash.c -- qalloc.md section 6, E27 and E28: a process killed after
   writing (with and without checkpoint), and processes killed while
   they hammer a map's locks.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <sys/mman.h>
#include <time.h>

#include "qtest.h"

#define F ((off_t) 1 << 20)
#define ITEM 64
#define NLIVE 200

static uintptr_t *live;		/* shared with the children */

/* E27: the child writes, maybe checkpoints, and is SIGKILLed.  */
static void
e27 (int checkpoint)
{
  char *path = qt_path ("crash", checkpoint ? "e27c" : "e27n");
  size_t i, bad = 0, clash = 0, n;
  int status;
  pid_t pid;
  void *m;

  pid = mmt_fork ();
  if (pid == 0)
    {
      void *c = qalloc_makestatmap (F, NULL, path, ITEM, 2);
      if (c == NULL)
	_exit (1);
      for (i = 0; i < NLIVE + 20; i++)
	{
	  void *p = qalloc_statmalloc (c);
	  if (i < NLIVE)
	    {
	      live[i] = (uintptr_t) p;
	      qt_fill (p, ITEM, i);
	    }
	  else
	    qalloc_statfree (p, c);
	}
      if (checkpoint)
	qalloc_checkpoint ();
      kill (getpid (), SIGKILL);
      _exit (3);
    }
  status = mmt_wait (pid);
  CHECK (status == 128 + SIGKILL, "E27: the writer was killed (%s"
	 " checkpoint)", checkpoint ? "after" : "without");
  m = qalloc_loadmap (path);
  if (!CHECK (m != NULL, "E27: the map loads after the kill (%s"
	      " checkpoint)", checkpoint ? "after" : "without"))
    return;
  for (i = 0; i < NLIVE; i++)
    bad += !qt_check_fill ((void *) live[i], ITEM, i);
  CHECK (bad == 0, "E27: the data is intact (%s checkpoint)",
	 checkpoint ? "after" : "without");
  for (n = 0;; n++)
    {
      uintptr_t p = (uintptr_t) qalloc_statmalloc (m);
      if (p == 0)
	break;
      for (i = 0; i < NLIVE; i++)
	clash += p == live[i];
    }
  CHECK (clash == 0 && n == (size_t) F / ITEM - NLIVE,
	 "E27: the allocation state is intact: %zu free items, no live one"
	 " handed out (%s checkpoint)", n, checkpoint ? "after" : "without");
  qalloc_cleanup ();
  unlink (path);
  free (path);
}

/* Hammer map PATH (static or dynamic) until killed.  */
static void
hammer (const char *path, int dyn)
{
  void *m = qt_loadmap_retry (path);
  unsigned long k = 0;

  if (m == NULL)
    {
      printf ("\tNOTE: E28: loadmap in a hammering process: %s\n",
	      strerror (errno));
      fflush (stdout);
      _exit (1);
    }
  for (;; k++)
    {
      void *p = qalloc_malloc (m, 1 + k % 3000);
      if (p != NULL)
	{
	  *(volatile unsigned long *) p = k;
	  if (dyn)
	    qalloc_dynfree (p, m);
	  else
	    qalloc_statfree (p, m);
	}
    }
}

/* E28: processes killed at random points of their locked sections;
   the next one to load the map must not hang, and loses at most what
   the killed processes held.  */
static void
e28 (int dyn)
{
  char *path = qt_path ("crash", dyn ? "e28d" : "e28s");
  enum { ROUNDS = 6, KIDS = 2 };
  size_t count = 4096 / ITEM, n, i;
  struct timespec ts = { 0, 30 * 1000 * 1000 };
  int r, k, ok = 1;
  pid_t pid[KIDS];
  void *m;

  m = dyn ? qalloc_makedynmap (F, NULL, path, 1)
    : qalloc_makestatmap (4096, NULL, path, ITEM, 1);
  if (m == NULL)
    mmt_fatal ("E28: make: %s", strerror (errno));
  qalloc_cleanup ();
  for (r = 0; r < ROUNDS; r++)
    {
      for (k = 0; k < KIDS; k++)
	if ((pid[k] = mmt_fork ()) == 0)
	  hammer (path, dyn);
      ts.tv_nsec = (20 + 13 * r) * 1000 * 1000;
      nanosleep (&ts, NULL);
      for (k = 0; k < KIDS; k++)
	{
	  int st;
	  kill (pid[k], SIGKILL);
	  st = mmt_wait (pid[k]);
	  if (st != 128 + SIGKILL)
	    {
	      mmt_note ("E28: round %d, process %d ended with status %d", r, k,
			st);
	      ok = 0;
	    }
	}
    }
  CHECK (ok, "E28: %d processes hammering a %s map were killed",
	 ROUNDS * KIDS, dyn ? "dynamic" : "static");

  /* The survivor, guarded by an alarm: a hang is a failure.  */
  pid[0] = mmt_fork ();
  if (pid[0] == 0)
    {
      alarm (20);
      m = qt_loadmap_retry (path);
      if (m == NULL)
	_exit (2);
      if (dyn)
	{
	  for (n = 0; qalloc_dynmalloc (m, 2048) != NULL; n++)
	    ;
	  _exit (n * 2048 >= (size_t) F - 16 * 4096 ? 0 : 3);
	}
      for (n = 0; qalloc_statmalloc (m) != NULL; n++)
	;
      /* Each killed process may hold one item and lose one more.  */
      _exit (n + 2 * ROUNDS * KIDS >= count ? 0 : 4);
    }
  i = (size_t) mmt_wait (pid[0]);
  CHECK (i == 0, "E28: a new process loads the %s map and allocates"
	 " without hanging (status %zu)", dyn ? "dynamic" : "static", i);
  unlink (path);
  free (path);
}

int
main (void)
{
  live = mmap (NULL, NLIVE * sizeof *live, PROT_READ | PROT_WRITE,
	       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (live == MAP_FAILED)
    mmt_fatal ("mmap");
  e27 (1);
  e27 (0);
  e28 (0);
  e28 (1);
  mmt_exit ();
}
