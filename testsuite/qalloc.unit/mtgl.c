/* mtgl.c -- qalloc.md section 6, D25: MTGL's use of qalloc.  Three
   static maps, each one whole-array item (filesize = bytes + 100,
   itemsize = bytes, one stream); edges point into the nodes map,
   adjacencies into the edges map.  The names and the %p values go to a
   summary file; a new process loads the maps with qalloc_loadmap and
   follows the pointers across maps.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "qtest.h"

struct node
{
  long id;
  int type, deg;
  long offset;
};

struct edge
{
  struct node *vert1, *vert2;
  long id;
  int type1, type2;
};

#define NV 5000
#define NE 20000

static void *
make_array (const char *name, size_t bytes)
{
  void *m = qalloc_makestatmap ((off_t) bytes + 100, NULL, name, bytes, 1);
  void *a = m != NULL ? qalloc_statmalloc (m) : NULL;

  if (a == NULL)
    {
      mmt_fail ("MTGL: makestatmap/statmalloc of %zu bytes: %s", bytes,
		strerror (errno));
      mmt_child_exit (1);
    }
  return a;
}

/* The building process: like MTGL's buildGraph.  */
static void
build (const char *summary)
{
  char names[3][64];
  struct node *nodes;
  struct edge *edges;
  struct edge **adjs;
  FILE *f;
  long i;

  for (i = 0; i < 3; i++)
    snprintf (names[i], sizeof names[i], "mtgl-%ld-%s.heap", (long) getppid (),
	      i == 0 ? "nodes" : i == 1 ? "edges" : "adjs");
  nodes = make_array (names[0], NV * sizeof *nodes);
  edges = make_array (names[1], NE * sizeof *edges);
  adjs = make_array (names[2], NE * sizeof *adjs);
  for (i = 0; i < NV; i++)
    {
      nodes[i].id = i;
      nodes[i].type = (int) (i % 7);
      nodes[i].deg = 0;
      nodes[i].offset = i * 3;
    }
  for (i = 0; i < NE; i++)
    {
      edges[i].vert1 = &nodes[i % NV];
      edges[i].vert2 = &nodes[(i * 7 + 3) % NV];
      edges[i].id = i;
      edges[i].type1 = edges[i].type2 = 0;
      edges[i].vert1->deg++;
      adjs[NE - 1 - i] = &edges[i];
    }
  f = fopen (summary, "w");
  if (f == NULL)
    mmt_child_exit (1);
  fprintf (f, "makestatmap(nodes): %s\n", names[0]);
  fprintf (f, "makestatmap(edges): %s\n", names[1]);
  fprintf (f, "makestatmap(adjs): %s\n", names[2]);
  fprintf (f, "statmalloc(node): %p\n", (void *) nodes);
  fprintf (f, "statmalloc(edge): %p\n", (void *) edges);
  fprintf (f, "statmalloc(adj): %p\n", (void *) adjs);
  fclose (f);
  qalloc_checkpoint ();
  mmt_child_exit (0);		/* as MTGL: no cleanup */
}

/* The loading process: like MTGL's loadGraph.  */
static int
load_graph (const char *summary)
{
  char names[3][64];
  void *ptr[3];
  FILE *f = fopen (summary, "r");
  struct node *nodes;
  struct edge *edges, **adjs;
  long i, bad = 0;

  if (f == NULL
      || fscanf (f, "makestatmap(nodes): %63s\n", names[0]) != 1
      || fscanf (f, "makestatmap(edges): %63s\n", names[1]) != 1
      || fscanf (f, "makestatmap(adjs): %63s\n", names[2]) != 1
      || fscanf (f, "statmalloc(node): %p\n", &ptr[0]) != 1
      || fscanf (f, "statmalloc(edge): %p\n", &ptr[1]) != 1
      || fscanf (f, "statmalloc(adj): %p\n", &ptr[2]) != 1)
    {
      mmt_fail ("MTGL: cannot read the summary");
      return 1;
    }
  fclose (f);
  for (i = 0; i < 3; i++)
    if (qalloc_loadmap (names[i]) == NULL)
      {
	mmt_fail ("MTGL: loadmap %s: %s", names[i], strerror (errno));
	return 1;
      }
  qalloc_checkpoint ();
  mmt_pass ("D25: a new process loads the three maps");
  nodes = ptr[0];
  edges = ptr[1];
  adjs = ptr[2];
  for (i = 0; i < NV; i++)
    bad += nodes[i].id != i || nodes[i].offset != i * 3
      || nodes[i].deg != NE / NV;
  CHECK (bad == 0, "D25: the nodes array is intact");
  for (i = 0; i < NE; i++)
    bad += edges[i].id != i || edges[i].vert1->id != i % NV
      || edges[i].vert2->id != (i * 7 + 3) % NV;
  CHECK (bad == 0, "D25: edges point into the nodes map correctly");
  for (i = 0; i < NE; i++)
    bad += adjs[i]->id != NE - 1 - i
      || adjs[i]->vert1->type != (int) ((NE - 1 - i) % NV % 7);
  CHECK (bad == 0, "D25: adjacencies lead through edges to nodes");
  qalloc_cleanup ();
  for (i = 0; i < 3; i++)
    unlink (names[i]);
  return 0;
}

int
main (int argc, char **argv)
{
  char summary[64];
  pid_t pid;

  if (argc == 3 && strcmp (argv[1], "load") == 0)
    mmt_child_exit (load_graph (argv[2]));
  snprintf (summary, sizeof summary, "mtgl-%ld.tmp", (long) getpid ());
  pid = mmt_fork ();
  if (pid == 0)
    build (summary);
  CHECK (mmt_wait (pid) == 0, "D25: the building process makes three"
	 " one-item maps");
  CHECK (qt_run_self ("load", summary, NULL) == 0,
	 "D25: the loading process exits 0");
  unlink (summary);
  mmt_exit ();
}
