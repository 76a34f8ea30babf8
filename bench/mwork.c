/* mwork.c -- the malloc workloads as a plain malloc/free program: it
   links nothing but the C library, so that the runner can measure the
   C library's allocator as it is and every other one (jemalloc,
   mimalloc, tcmalloc, our libmmalloc-malloc) through LD_PRELOAD on the
   very same binary.  Usage: mwork WORKLOAD...; prints "WORKLOAD VALUE
   UNIT" per workload.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <stdlib.h>

#define B_ALLOC(n) malloc (n)
#define B_FREE(p) free (p)
#define B_REALLOC(p, n) realloc (p, n)
#define B_CALLOC(k, n) calloc (k, n)
#include "workloads.h"

int
main (int argc, char **argv)
{
  int i;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s WORKLOAD...\nworkloads: %s\n", argv[0],
	       WL_NAMES);
      return 2;
    }
  for (i = 1; i < argc; i++)
    {
      double v;
      const char *unit = wl_run (argv[i], &v);

      if (unit == NULL)
	{
	  fprintf (stderr, "%s: unknown workload %s\n", argv[0], argv[i]);
	  return 2;
	}
      printf ("%s %.3f %s\n", argv[i], v, unit);
      fflush (stdout);
    }
  return 0;
}
