/* lifecycle.c -- qalloc.md section 6, E29 and G35-G37: checkpoint and
   cleanup with and without maps, load/cleanup cycles, loading a file
   twice, concurrent make/load/cleanup.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <pthread.h>

#include "qtest.h"

#define F ((off_t) 1 << 20)

static void *
checkpointer (void *arg)
{
  int i;

  (void) arg;
  for (i = 0; i < 200; i++)
    qalloc_checkpoint ();
  return NULL;
}

static void
e29 (void)
{
  char *path = qt_path ("lifecycle", "e29");
  pthread_t t[4];
  void *m;
  int i;

  errno = EDOM;
  qalloc_checkpoint ();
  qalloc_cleanup ();
  qalloc_cleanup ();
  CHECK (errno == EDOM, "E29: checkpoint and cleanup (twice) with no maps"
	 " do nothing");
  m = qalloc_makestatmap (F, NULL, path, 16, 2);
  if (m == NULL)
    mmt_fatal ("make: %s", strerror (errno));
  for (i = 0; i < 4; i++)
    pthread_create (&t[i], NULL, checkpointer, NULL);
  for (i = 0; i < 20000; i++)
    {
      void *p = qalloc_statmalloc (m);
      qalloc_statfree (p, m);
    }
  for (i = 0; i < 4; i++)
    pthread_join (t[i], NULL);
  mmt_pass ("E29: checkpoint from 4 threads at once, during allocation");
  qalloc_cleanup ();
  qalloc_cleanup ();
  CHECK (qt_map_base (path) == 0, "E29: a second cleanup does nothing");
  unlink (path);
  free (path);
}

/* G35: 1,000 load/cleanup cycles.  */
static void
g35 (void)
{
  char *path = qt_path ("lifecycle", "g35");
  int fds, maps, i, same = 1;
  unsigned long *p;
  void *m;

  m = qalloc_makestatmap (F, NULL, path, 16, 2);
  p = m != NULL ? qalloc_statmalloc (m) : NULL;
  if (p == NULL)
    mmt_fatal ("make: %s", strerror (errno));
  *p = 0;
  qalloc_cleanup ();
  fds = qt_count_fds ();
  maps = qt_count_maps ();
  for (i = 1; i <= 1000; i++)
    {
      m = qalloc_loadmap (path);
      if (m == NULL)
	{
	  same = 0;
	  break;
	}
      same &= *p == (unsigned long) i - 1;	/* same address, same data */
      *p = (unsigned long) i;
      qalloc_cleanup ();
    }
  CHECK (same, "G35: 1,000 load/cleanup cycles load at the same address");
  CHECK (qt_count_fds () == fds, "G35: no file descriptor growth (%d, %d)",
	 fds, qt_count_fds ());
  CHECK (qt_count_maps () == maps, "G35: no mapping growth (%d, %d)",
	 maps, qt_count_maps ());
  unlink (path);
  free (path);
}

/* G36: a file loaded twice gives the same descriptor, by any name.  */
static void
g36 (void)
{
  char *path = qt_path ("lifecycle", "g36"), *hard, *soft;
  int fds;
  void *m;

  hard = qt_path ("lifecycle", "g36h");
  soft = qt_path ("lifecycle", "g36s");
  m = qalloc_makedynmap (F, NULL, path, 2);
  if (m == NULL || link (path, hard) != 0 || symlink (path, soft) != 0)
    mmt_fatal ("g36 setup: %s", strerror (errno));
  fds = qt_count_fds ();
  CHECK (qalloc_loadmap (path) == m, "G36: loadmap of a loaded file returns"
	 " its descriptor");
  CHECK (qalloc_makedynmap (F, NULL, path, 2) == m,
	 "G36: makedynmap of a loaded file returns its descriptor");
  CHECK (qalloc_loadmap (hard) == m && qalloc_loadmap (soft) == m,
	 "G36: so does loading it through another name");
  CHECK (qt_count_fds () == fds, "G36: no descriptor is left open by that");
  qalloc_cleanup ();
  CHECK (qt_map_base (path) == 0, "G36: one cleanup unloads it");
  unlink (path);
  unlink (hard);
  unlink (soft);
  free (path);
  free (hard);
  free (soft);
}

/* G37: make, load and cleanup from several threads at once.  */
static char *g37_paths[3];
static volatile int g37_stop;
static int g37_null[3], g37_errno;

static pthread_barrier_t g37_settled, g37_start;

/* Each thread first makes the mappings a thread makes (its stack, its
   malloc arena): they could otherwise land where an unloaded map must
   be loaded again.  */
static void
g37_settle (void)
{
  void *volatile p = malloc (100);	/* volatile: not optimized out */

  free (p);
  pthread_barrier_wait (&g37_settled);
  pthread_barrier_wait (&g37_start);
}

static void *
g37_loader (void *arg)
{
  int k = (int) (intptr_t) arg, i;

  g37_settle ();
  for (i = 0; i < 300; i++)
    {
      void *m = k == 0 ? qalloc_loadmap (g37_paths[0])
	: k == 1 ? qalloc_makestatmap (F, NULL, g37_paths[1], 32, 2)
	: qalloc_makedynmap (F, NULL, g37_paths[2], 2);
      if (m == NULL)
	{
	  g37_null[k]++;
	  g37_errno = errno;
	  if (g37_null[k] == 1)
	    mmt_note ("G37: thread %d, call %d: %s", k, i, strerror (errno));
	}
    }
  return NULL;
}

static void *
g37_cleaner (void *arg)
{
  (void) arg;
  g37_settle ();
  while (!g37_stop)
    {
      qalloc_cleanup ();
      qalloc_checkpoint ();
    }
  return NULL;
}

static void
g37 (void)
{
  pthread_t t[4];
  int fds, i;
  void *m;

  for (i = 0; i < 3; i++)
    g37_paths[i] = qt_path ("lifecycle", i == 0 ? "g37a" : i == 1 ? "g37b"
			    : "g37c");
  pthread_barrier_init (&g37_settled, NULL, 5);
  pthread_barrier_init (&g37_start, NULL, 5);
  for (i = 0; i < 3; i++)
    pthread_create (&t[i], NULL, g37_loader, (void *) (intptr_t) i);
  pthread_create (&t[3], NULL, g37_cleaner, NULL);
  pthread_barrier_wait (&g37_settled);

  /* Made together, so that their addresses differ: maps made at
     different times with no address given may be placed at the same
     one, and then cannot be loaded together (EEXIST).  */
  if (qalloc_makestatmap (F, NULL, g37_paths[0], 16, 1) == NULL
      || qalloc_makestatmap (F, NULL, g37_paths[1], 32, 2) == NULL
      || qalloc_makedynmap (F, NULL, g37_paths[2], 2) == NULL)
    mmt_fatal ("g37: %s", strerror (errno));
  qalloc_cleanup ();
  fds = qt_count_fds ();
  pthread_barrier_wait (&g37_start);
  for (i = 0; i < 3; i++)
    pthread_join (t[i], NULL);
  g37_stop = 1;
  pthread_join (t[3], NULL);
  CHECK (g37_null[0] + g37_null[1] + g37_null[2] == 0,
	 "G37: 900 make/load calls racing cleanup all succeed (%d, %d, %d"
	 " failed; %s)", g37_null[0], g37_null[1], g37_null[2],
	 strerror (g37_errno));
  qalloc_cleanup ();
  CHECK (qt_count_fds () == fds, "G37: afterwards no file is left open");
  m = qalloc_loadmap (g37_paths[1]);
  CHECK (m != NULL && qalloc_statmalloc (m) != NULL
	 && qalloc_loadmap (g37_paths[2]) != NULL,
	 "G37: the maps made during the race load again");
  qalloc_cleanup ();
  for (i = 0; i < 3; i++)
    {
      unlink (g37_paths[i]);
      free (g37_paths[i]);
    }
}

int
main (void)
{
  e29 ();
  g35 ();
  g36 ();
  g37 ();
  mmt_exit ();
}
