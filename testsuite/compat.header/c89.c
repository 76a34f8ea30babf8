/* c89.c -- issue 7, "Old code": <mmalloc.h> in a program built as
   strict C89 (-std=c89 -pedantic-errors, see local.am), which uses PTR,
   PARAMS and every GNU function with its exact type, and runs a few
   calls.  The testsuite's result helpers are C99, so this program
   prints its result lines itself.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include <stdio.h>
#include <string.h>

#include <mmalloc.h>
#include <mmalloc.h>		/* the include guard */

typedef PTR (*gdb_realloc_ftype) PARAMS ((PTR, PTR, size_t));
typedef void (*gdb_free_ftype) PARAMS ((PTR, PTR));

static gdb_realloc_ftype const gdb_realloc = mrealloc;
static gdb_free_ftype const gdb_free = mfree;
static void *(*const p_mmalloc) (void *, size_t) = mmalloc;
static void *(*const p_mcalloc) (void *, size_t, size_t) = mcalloc;
static int (*const p_mmcheckf) (void *, void (*) (void), int) = mmcheckf;
static struct mstats (*const p_mmstats) (void *) = mmstats;
static void *(*const p_attach) (int, void *) = mmalloc_attach;
static void *(*const p_detach) (void *) = mmalloc_detach;

static int failures;

static void
check (int ok, const char *what)
{
  printf ("\t%s: %s\n", ok ? "PASSED" : "FAILED", what);
  fflush (stdout);
  if (!ok)
    failures++;
}

int
main (void)
{
  PTR md = (*p_attach) (-1, (PTR) 0);
  char *s, *z;
  struct mstats st;

  check (md != NULL, "c89: mmalloc_attach (-1, NULL)");
  if (md == NULL)
    return 0;
  check ((*p_mmcheckf) (md, (void (*) (void)) 0, 0) == 1,
	 "c89: mmcheckf on a fresh heap");
  s = (char *) (*p_mmalloc) (md, 20);
  if (s != NULL)
    strcpy (s, "strict C89");
  s = (char *) (*gdb_realloc) (md, (PTR) s, 5000);
  check (s != NULL && strcmp (s, "strict C89") == 0,
	 "c89: mrealloc through the GDB callback type");
  z = (char *) (*p_mcalloc) (md, 10, 10);
  check (z != NULL && z[0] == 0 && z[99] == 0, "c89: mcalloc");
  st = (*p_mmstats) (md);
  check (st.chunks_used == 2, "c89: mmstats counts two blocks");
  (*gdb_free) (md, (PTR) s);
  (*gdb_free) (md, (PTR) z);
  check ((*p_detach) (md) == NULL, "c89: mmalloc_detach");
  (void) failures;		/* The runner counts the FAILED lines.  */
  return 0;
}
