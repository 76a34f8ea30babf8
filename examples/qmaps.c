/* qmaps.c -- static and dynamic qalloc maps, made once and loaded again.

   This example shows the qalloc interface (<qthread/qalloc.h>), which
   libmmalloc carries for programs written for Sandia qthreads' qalloc.
   A static map hands out items of one size; a dynamic map, blocks of
   any size.  Both are files of fixed capacity that always load at the
   address they were created at, so pointers stored in them -- even
   from one map into the other -- stay valid in every later process.
   qalloc has no keys: like MTGL, the program keeps its entry pointer
   outside the maps, in a small text file.

   Here the static map holds `city' records and the dynamic map their
   names; the records form a list whose head is kept in PREFIX.idx.

   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

/* Usage:
     qmaps build PREFIX            make PREFIX.stat and PREFIX.dyn (old
                                   ones are removed) with three cities
     qmaps add PREFIX NAME NUMBER  load the maps, append a city
     qmaps show PREFIX             load the maps, list the cities and
                                   count the visit in each record
   Try:
     qmaps build /tmp/cities; qmaps show /tmp/cities
     qmaps add /tmp/cities Lyon 522000; qmaps show /tmp/cities
   Build outside this tree with
     cc -o qmaps qmaps.c $(pkg-config --cflags --libs mmalloc)  */

/* qalloc's sizes are off_t, and the library is built with a 64-bit
   off_t, so its callers must be too where off_t can be 32 bits wide
   (32-bit hosts): <qthread/qalloc.h> asks for -D_FILE_OFFSET_BITS=64,
   which must come before any system header.  */
#ifndef _FILE_OFFSET_BITS
# define _FILE_OFFSET_BITS 64
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qthread/qalloc.h>

/* One item of the static map.  NAME points into the dynamic map.  */
struct city
{
  struct city *next;
  char *name;
  unsigned long population;
  unsigned long visits;		/* Incremented by every `show'.  */
};

/* Capacities, fixed at creation: 64 cities, 16 KiB of names.  */
#define STAT_BYTES ((off_t) (64 * sizeof (struct city)))
#define DYN_BYTES ((off_t) 16384)
/* Lock stripes of each map; recorded in the file.  */
#define STREAMS 2

static char statpath[4096], dynpath[4096], idxpath[4096];

static void
die (const char *what, const char *file)
{
  fprintf (stderr, "qmaps: %s %s: %s\n", what, file, strerror (errno));
  exit (1);
}

/* A copy of S in dynamic map DYN.  */
static char *
map_strdup (dynmapinfo_t *dyn, const char *s)
{
  size_t n = strlen (s) + 1;
  char *copy = qalloc_dynmalloc (dyn, n);

  if (copy == NULL)
    die ("the dynamic map is full:", dynpath);
  return memcpy (copy, s, n);
}

/* A new city record, appended after *TAIL.  */
static struct city *
new_city (mapinfo_t *stat, dynmapinfo_t *dyn, struct city **tail,
	  const char *name, unsigned long population)
{
  struct city *c = qalloc_statmalloc (stat);

  if (c == NULL)
    die ("the static map is full:", statpath);
  c->next = NULL;
  c->name = map_strdup (dyn, name);
  c->population = population;
  c->visits = 0;
  *tail = c;
  return c;
}

/* The entry point, kept outside the maps: the two file names and the
   address of the first city.  */
static void
save_index (struct city *head)
{
  FILE *f = fopen (idxpath, "w");

  if (f == NULL)
    die ("cannot write", idxpath);
  fprintf (f, "%s\n%s\n%p\n", statpath, dynpath, (void *) head);
  if (fclose (f) != 0)
    die ("cannot write", idxpath);
}

static struct city *
load_index (void)
{
  char s[4096], d[4096];
  void *head;
  FILE *f = fopen (idxpath, "r");

  if (f == NULL)
    die ("cannot read", idxpath);
  if (fscanf (f, "%4095s %4095s %p", s, d, &head) != 3)
    {
      fprintf (stderr, "qmaps: %s is not an index\n", idxpath);
      exit (1);
    }
  fclose (f);
  return head;
}

static void
build (void)
{
  static const struct { const char *name; unsigned long population; }
  cities[] = {
    { "Albuquerque", 564559 },
    { "Livermore", 87955 },
    { "Santa Fe", 89008 },
  };
  mapinfo_t *stat;
  dynmapinfo_t *dyn;
  struct city *head = NULL, **tail = &head, *gone;
  void *scratch;
  size_t i;

  /* makestatmap and makedynmap load a map that exists; start afresh.  */
  unlink (statpath);
  unlink (dynpath);
  /* NULL: let the library choose the address; it is recorded in the
     file.  Make the maps that are used together in the same process,
     so that they get different addresses.  */
  stat = qalloc_makestatmap (STAT_BYTES, NULL, statpath,
			     sizeof (struct city), STREAMS);
  if (stat == NULL)
    die ("cannot make the static map", statpath);
  dyn = qalloc_makedynmap (DYN_BYTES, NULL, dynpath, STREAMS);
  if (dyn == NULL)
    die ("cannot make the dynamic map", dynpath);

  /* An item given back is reused: allocate one and free it again.
     qalloc_malloc and qalloc_free take either kind of map.  */
  gone = qalloc_statmalloc (stat);
  qalloc_statfree (gone, stat);
  scratch = qalloc_malloc (dyn, 100);
  qalloc_free (scratch, dyn);

  for (i = 0; i < sizeof cities / sizeof cities[0]; i++)
    tail = &new_city (stat, dyn, tail, cities[i].name,
		      cities[i].population)->next;
  save_index (head);
  printf ("built %s and %s, first city at %p\n", statpath, dynpath,
	  (void *) head);
  /* cleanup checkpoints (msync) every map, then unloads them.  */
  qalloc_cleanup ();
}

/* Load both maps at their recorded addresses; return the first city.  */
static struct city *
load (mapinfo_t **stat, dynmapinfo_t **dyn)
{
  struct city *head = load_index ();

  /* loadmap reads the kind, the capacity and the streams from the
     file.  (qalloc_makestatmap with the same arguments as at creation
     would load it too.)  */
  *stat = qalloc_loadmap (statpath);
  if (*stat == NULL)
    die ("cannot load", statpath);
  *dyn = qalloc_loadmap (dynpath);
  if (*dyn == NULL)
    die ("cannot load", dynpath);
  return head;
}

static void
show (void)
{
  mapinfo_t *stat;
  dynmapinfo_t *dyn;
  struct city *c, *head = load (&stat, &dyn);
  unsigned long total = 0;

  printf ("first city at %p\n", (void *) head);
  for (c = head; c != NULL; c = c->next)
    {
      c->visits++;
      total += c->population;
      printf ("%-12s %8lu  visits %lu\n", c->name, c->population, c->visits);
    }
  printf ("total %lu\n", total);
  /* Write the visit counts to the files now (qalloc_cleanup would do
     it too).  */
  qalloc_checkpoint ();
  qalloc_cleanup ();
}

static void
add (const char *name, unsigned long population)
{
  mapinfo_t *stat;
  dynmapinfo_t *dyn;
  struct city *c, *head = load (&stat, &dyn);
  struct city **tail = &head;

  for (c = head; c != NULL; c = c->next)
    tail = &c->next;
  new_city (stat, dyn, tail, name, population);
  /* Appending never changes the head, unless the list was empty.  */
  save_index (head);
  printf ("added %s\n", name);
  qalloc_cleanup ();
}

int
main (int argc, char **argv)
{
  if (argc < 3 || (strcmp (argv[1], "add") == 0) != (argc == 5)
      || (strcmp (argv[1], "add") != 0 && argc != 3))
    {
      fprintf (stderr, "usage: qmaps build|show PREFIX\n"
	       "       qmaps add PREFIX NAME NUMBER\n");
      return 2;
    }
  if (strlen (argv[2]) > sizeof statpath - 6)
    {
      fprintf (stderr, "qmaps: %s: name too long\n", argv[2]);
      return 2;
    }
  snprintf (statpath, sizeof statpath, "%s.stat", argv[2]);
  snprintf (dynpath, sizeof dynpath, "%s.dyn", argv[2]);
  snprintf (idxpath, sizeof idxpath, "%s.idx", argv[2]);

  if (strcmp (argv[1], "build") == 0)
    build ();
  else if (strcmp (argv[1], "show") == 0)
    show ();
  else if (strcmp (argv[1], "add") == 0)
    add (argv[3], strtoul (argv[4], NULL, 10));
  else
    {
      fprintf (stderr, "qmaps: unknown command %s\n", argv[1]);
      return 2;
    }
  return 0;
}
