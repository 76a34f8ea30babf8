/* gdb.c -- GDB's map_to_file protocol (gnu-mmalloc.md section 5.1 and
   section 7, scenario 7), run three times in separate processes: the
   first run creates the heap at the mmalloc_findbase address and stores
   it in key 1; the later runs re-attach there and find key 0 and the
   data.  mmcheckf (md, f, 0) returns 1 on the fresh heap before the
   first allocation and on every re-attach.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "attach-util.h"

#define PROG "gdb"

/* GDB's objfile, reduced to what the test needs.  */
struct objfile
{
  int runs;
  char *names[8];
};

static const char *name;

static void
malloc_botch (void)
{
  mmt_fail ("malloc_botch called: memory corruption reported");
  mmt_child_exit (3);
}

static void *
xmmalloc (void *md, long size)
{
  void *p;

  if (size == 0)
    return NULL;
  p = mmalloc (md, (size_t) size);
  if (p == NULL)
    {
      mmt_fail ("xmmalloc: out of memory");
      mmt_child_exit (4);
    }
  return p;
}

static char *
mstrsave (void *md, const char *s)
{
  char *p = xmmalloc (md, (long) strlen (s) + 1);
  strcpy (p, s);
  return p;
}

/* objfiles.c map_to_file, as in gdb-4.18.  */
static void *
map_to_file (int fd, int run, int *fresh)
{
  void *md, *mapto;

  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    {
      mmt_fail ("run %d: attach (fd, NULL): %s", run, strerror (errno));
      return NULL;
    }
  mapto = mmalloc_getkey (md, 1);
  if (mmalloc_detach (md) != NULL)
    {
      mmt_fail ("run %d: detach failed", run);
      return NULL;
    }
  if (mapto != NULL)
    {
      CHECK (mapto == md, "run %d: key 1 holds the address attach chose", run);
      md = mmalloc_attach (fd, mapto);
      *fresh = 0;
    }
  else
    {
      mapto = mmalloc_findbase (20 * 1024 * 1024);
      CHECK (mapto != NULL, "run %d: mmalloc_findbase (20 MiB)", run);
      if (ftruncate (fd, 0) != 0)
	mmt_fail ("run %d: ftruncate: %s", run, strerror (errno));
      md = mmalloc_attach (fd, mapto);
      CHECK (md == mapto, "run %d: the new heap is at the findbase address", run);
      if (md != NULL)
	CHECK (mmalloc_setkey (md, 1, mapto) == 1, "run %d: setkey 1", run);
      *fresh = 1;
    }
  return md;
}

static int
gdb_run (void *arg)
{
  int run = (int) (intptr_t) arg;
  int fd = open (name, O_RDWR | O_CREAT, 0666);
  int fresh = 0, i, ok;
  struct objfile *of;
  char buf[64];
  void *md;

  if (fd < 0)
    return 2;
  md = map_to_file (fd, run, &fresh);
  if (md == NULL)
    return 1;
  CHECK (fresh == (run == 1), "run %d: %s heap", run, run == 1 ? "a fresh" : "an existing");
  /* init_malloc (md): before the first allocation on a new heap.  */
  CHECK (mmcheckf (md, malloc_botch, 0) == 1,
	 "run %d: mmcheckf (md, f, 0) returns 1", run);
  if (fresh)
    {
      of = xmmalloc (md, sizeof *of);
      memset (of, 0, sizeof *of);
      CHECK (mmalloc_setkey (md, 0, of) == 1, "run %d: setkey 0 (objfile)", run);
    }
  else
    {
      of = mmalloc_getkey (md, 0);
      if (!CHECK (of != NULL && of->runs == run - 1,
		  "run %d: key 0 holds the objfile of %d earlier runs", run, run - 1))
	return 1;
      ok = 1;
      for (i = 0; i < of->runs; i++)
	{
	  snprintf (buf, sizeof buf, "symbols of run %d", i + 1);
	  if (of->names[i] == NULL || strcmp (of->names[i], buf) != 0)
	    ok = 0;
	}
      CHECK (ok, "run %d: the strings of earlier runs are intact", run);
      CHECK (mmcheckf (md, malloc_botch, 0) == 1,
	     "run %d: mmcheckf again after allocations (checking is on)", run);
    }
  snprintf (buf, sizeof buf, "symbols of run %d", run);
  of->names[of->runs++] = mstrsave (md, buf);
  /* GDB's ordinary churn in the objfile heap.  */
  for (i = 0; i < 200; i++)
    {
      char *p = xmmalloc (md, 10 + i * 37);
      memset (p, i, (size_t) (10 + i * 37));
      if (i % 3 != 0)
	mfree (md, p);
    }
  CHECK (mmalloc_check (md) == 0, "run %d: mmalloc_check passes", run);
  /* free_objfile: detach, then the caller closes the fd.  */
  mmalloc_detach (md);
  CHECK (fcntl (fd, F_GETFD) != -1, "run %d: fd still open after detach", run);
  close (fd);
  return 0;
}

int
main (void)
{
  int run, st;

  name = atu_name (PROG, "syms");
  unlink (name);
  for (run = 1; run <= 3; run++)
    {
      st = atu_in_child (gdb_run, (void *) (intptr_t) run);
      CHECK (st == 0, "run %d ended cleanly (%s)", run, atu_status (st));
    }
  unlink (name);
  mmt_exit ();
}
