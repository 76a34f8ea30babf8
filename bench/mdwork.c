/* mdwork.c -- the workloads of workloads.h through the mmalloc API, on
   the default heap (md NULL), on an anonymous heap (mmalloc_attach (-1,
   NULL)) or on a fresh heap file, plus the filling of a heap.  It
   measures what the heap kinds cost against one another; the
   comparison with other allocators is mwork's.  Usage:
   mdwork default|anon|file:PATH WORKLOAD...; a file heap is created in
   PATH (which must not exist) and removed at exit.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <mmalloc.h>

static void *bench_md;

#define B_ALLOC(n) mmalloc (bench_md, n)
#define B_FREE(p) mfree (bench_md, p)
#define B_REALLOC(p, n) mrealloc (bench_md, p, n)
#define B_CALLOC(k, n) mcalloc (bench_md, k, n)
#include "workloads.h"

/* Fill the heap with blocks of 16 to 256 bytes until BYTES were
   asked for: the growth path (for a file heap, the file's) as much as
   the allocation.  Per allocation.  */
static double
wl_fill (long bytes)
{
  uint64_t s = SEED;
  long total = 0, n = 0;
  double t = bench_now ();

  while (total < bytes)
    {
      size_t sz = wl_size (&s, 256);
      char *p = B_ALLOC (sz);

      if (p == NULL)
	{
	  perror ("mmalloc");
	  exit (2);
	}
      p[0] = 1;
      total += sz;
      n++;
    }
  return (bench_now () - t) / n * 1e9;
}

/* NPROCS processes on the one heap (forked, so each uses the attached
   heap it inherits, as a fork child may), each churning 16-256 B N
   times, all started at once.  Wall ns per operation of all of them:
   on a heap file, what a second process adds to the throughput.  */
static double
wl_procs (long n, int nprocs)
{
  int go[2], k;
  pid_t pid[8];
  double t;
  char c;

  if (pipe (go) != 0)
    {
      perror ("pipe");
      exit (2);
    }
  for (k = 0; k < nprocs; k++)
    {
      pid[k] = fork ();
      if (pid[k] < 0)
	{
	  perror ("fork");
	  exit (2);
	}
      if (pid[k] == 0)
	{
	  close (go[1]);
	  if (read (go[0], &c, 1) < 0)
	    _exit (2);
	  wl_churn (n, 256);
	  _exit (0);
	}
    }
  close (go[0]);
  t = bench_now ();
  close (go[1]);		/* every child starts now */
  for (k = 0; k < nprocs; k++)
    {
      int st;
      if (waitpid (pid[k], &st, 0) < 0 || !WIFEXITED (st)
	  || WEXITSTATUS (st) != 0)
	{
	  fprintf (stderr, "procs: a process failed\n");
	  exit (2);
	}
    }
  t = bench_now () - t;
  return t / ((double) n * nprocs) * 1e9;
}

int
main (int argc, char **argv)
{
  const char *path = NULL;
  int fd = -1, i;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s default|anon|file:PATH|cfile:PATH WORKLOAD...\n"
	       "workloads: %s fill procs1 procs2\n", argv[0], WL_NAMES);
      return 2;
    }
  if (strcmp (argv[1], "anon") == 0)
    bench_md = mmalloc_attach (-1, NULL);
  else if (strncmp (argv[1], "file:", 5) == 0
	   || strncmp (argv[1], "cfile:", 6) == 0)
    {
      /* cfile: the heap file with per-thread caches (MMALLOC_CACHE).  */
      struct mmalloc_options o;
      int cached = argv[1][0] == 'c';
      path = argv[1] + (cached ? 6 : 5);
      fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
      if (fd < 0)
	{
	  perror (path);
	  return 2;
	}
      memset (&o, 0, sizeof o);
      o.size = sizeof o;
      o.flags = cached ? MMALLOC_CACHE : 0;
      bench_md = mmalloc_attach_opts (fd, NULL, &o);
    }
  else if (strcmp (argv[1], "default") != 0)
    {
      fprintf (stderr, "%s: unknown heap %s\n", argv[0], argv[1]);
      return 2;
    }
  if (strcmp (argv[1], "default") != 0 && bench_md == NULL)
    {
      perror ("mmalloc_attach");
      if (path != NULL)
	unlink (path);
      return 2;
    }

  for (i = 2; i < argc; i++)
    {
      double v;
      const char *unit = "ns/op";

      if (strcmp (argv[i], "fill") == 0)
	v = wl_fill (bench_scaled (256L << 20));
      else if (strcmp (argv[i], "procs1") == 0)
	v = wl_procs (bench_scaled (4000000), 1);
      else if (strcmp (argv[i], "procs2") == 0)
	v = wl_procs (bench_scaled (4000000), 2);
      else
	unit = wl_run (argv[i], &v);
      if (unit == NULL)
	{
	  fprintf (stderr, "%s: unknown workload %s\n", argv[0], argv[i]);
	  break;
	}
      printf ("%s %.3f %s\n", argv[i], v, unit);
      fflush (stdout);
    }

  if (bench_md != NULL)
    mmalloc_detach (bench_md);
  if (path != NULL)
    {
      close (fd);
      unlink (path);
    }
  return i < argc ? 2 : 0;
}
