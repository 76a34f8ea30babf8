/* ancient.c -- ocaml-ancient's use of mmalloc (gnu-mmalloc.md section 5.2
   and section 7, scenario 8).  A writer process keeps a key table under
   key 0, grown by doubling with mrealloc (md, NULL, ...) and mrealloc
   called through function pointers, copies a graph into the heap with a
   growable buffer and stores it in the table; two reader processes
   attach with base NULL at the same time and verify it; re-sharing a
   key frees the old graph.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "attach-util.h"

#define PROG "ancient"

/* ancient_c.c's types: the table under key 0.  */
struct keytable
{
  void **keys;
  int allocated;
};

/* The graph: a binary tree of N nodes, as the copier lays it out.  */
struct tnode
{
  long id;
  struct tnode *left, *right;
  char label[32];
};

static void *(*realloc_fn) (void *, void *, size_t) = mrealloc;
static void (*free_fn) (void *, void *) = mfree;

static const char *name;
static void *B;

/* Copy a tree of N nodes into MD with ancient's growable buffer; return
   the final block (pointers fixed up for its address).  */
static void *
copy_graph (void *md, long n, long salt)
{
  size_t cap = 256, used = 0;
  char *buf = realloc_fn (md, NULL, cap);
  struct tnode *t;
  long i;

  if (buf == NULL)
    return NULL;
  for (i = 0; i < n; i++)
    {
      struct tnode node;
      while (used + sizeof node > cap)
	{
	  char *nb = realloc_fn (md, buf, cap * 2);
	  if (nb == NULL)
	    return NULL;
	  buf = nb;
	  cap *= 2;
	}
      memset (&node, 0, sizeof node);
      node.id = i * salt;
      /* Children as offsets + 1 for now (0: none).  */
      node.left = (struct tnode *) (uintptr_t) (2 * i + 1 < n ? 2 * i + 2 : 0);
      node.right = (struct tnode *) (uintptr_t) (2 * i + 2 < n ? 2 * i + 3 : 0);
      snprintf (node.label, sizeof node.label, "node-%ld", i);
      memcpy (buf + used, &node, sizeof node);
      used += sizeof node;
    }
  /* The final shrinking mrealloc, asserted non-NULL by ancient.  */
  buf = realloc_fn (md, buf, used);
  if (buf == NULL)
    return NULL;
  t = (struct tnode *) buf;
  for (i = 0; i < n; i++)
    {
      uintptr_t l = (uintptr_t) t[i].left, r = (uintptr_t) t[i].right;
      t[i].left = l ? &t[l - 1] : NULL;
      t[i].right = r ? &t[r - 1] : NULL;
    }
  return buf;
}

/* ancient_share: store a graph under KEY.  */
static int
share (void *md, int key, long n, long salt)
{
  struct keytable *tbl = mmalloc_getkey (md, 0);
  void *obj;

  if (tbl == NULL)
    {
      tbl = mmalloc (md, sizeof *tbl);
      if (tbl == NULL)
	return -1;
      tbl->keys = NULL;
      tbl->allocated = 0;
      mmalloc_setkey (md, 0, tbl);
    }
  if (key >= tbl->allocated)
    {
      int n2 = tbl->allocated == 0 ? 32 : tbl->allocated;
      void **k;
      while (n2 <= key)
	n2 *= 2;
      k = realloc_fn (md, tbl->keys, (size_t) n2 * sizeof *k);
      if (k == NULL)
	return -1;
      memset (k + tbl->allocated, 0,
	      (size_t) (n2 - tbl->allocated) * sizeof *k);
      tbl->keys = k;
      tbl->allocated = n2;
    }
  if (tbl->keys[key] != NULL)
    free_fn (md, tbl->keys[key]);
  tbl->keys[key] = NULL;
  obj = copy_graph (md, n, salt);
  if (obj == NULL)
    return -1;
  tbl->keys[key] = obj;
  return 0;
}

/* ancient_get and a walk of the tree: the number of nodes whose id is
   right, -1 when the structure is broken.  */
static long
walk (struct tnode *t, long i, long n, long salt, int depth)
{
  long c = 1;

  if (t == NULL || depth > 64)
    return -1000000;
  if (t->id != i * salt)
    return -1000000;
  {
    char want[32];
    snprintf (want, sizeof want, "node-%ld", i);
    if (strcmp (t->label, want) != 0)
      return -1000000;
  }
  if (2 * i + 1 < n)
    c += walk (t->left, 2 * i + 1, n, salt, depth + 1);
  else if (t->left != NULL)
    return -1000000;
  if (2 * i + 2 < n)
    c += walk (t->right, 2 * i + 2, n, salt, depth + 1);
  else if (t->right != NULL)
    return -1000000;
  return c;
}

static long
get_and_count (void *md, int key, long n, long salt)
{
  struct keytable *tbl = mmalloc_getkey (md, 0);

  if (tbl == NULL || key >= tbl->allocated || tbl->keys[key] == NULL)
    return -1;
  return walk (tbl->keys[key], 0, n, salt, 0);
}

static int
writer (void *arg)
{
  int fd = open (name, O_RDWR | O_TRUNC | O_CREAT, 0600);
  void *md;
  struct keytable *tbl;

  (void) arg;
  if (fd < 0)
    return 2;
  md = mmalloc_attach (fd, B);
  if (!CHECK (md == B, "writer: attach at an explicit base"))
    return 1;
  CHECK (share (md, 5, 1000, 3) == 0, "writer: share key 5 (1000 nodes)");
  tbl = mmalloc_getkey (md, 0);
  CHECK (tbl != NULL && tbl->allocated == 32, "writer: the key table starts at 32");
  CHECK (share (md, 100, 700, 5) == 0, "writer: share key 100 (700 nodes)");
  CHECK (tbl->allocated == 128, "writer: the key table doubled to 128");
  CHECK (get_and_count (md, 5, 1000, 3) == 1000 && get_and_count (md, 100, 700, 5) == 700,
	 "writer: both graphs read back");
  CHECK (mmalloc_check (md) == 0, "writer: mmalloc_check passes");
  CHECK (mmalloc_detach (md) == NULL, "writer: detach");
  close (fd);
  return 0;
}

struct reader_arg
{
  int ready;			/* write end: "attached" */
  int go;			/* read end: "detach now" */
  int id;
  long n5, salt5;
};

static int
reader (void *arg)
{
  struct reader_arg *r = arg;
  int fd = open (name, O_RDWR);
  void *md;
  char c = 'r';
  int bad = 0;

  if (fd < 0)
    return 2;
  md = mmalloc_attach (fd, NULL);
  if (write (r->ready, &c, 1) != 1)
    bad = 1;
  if (!CHECK (md == B, "reader %d: attached with base 0 at the recorded base", r->id))
    return 1;
  /* Wait until both readers are attached.  */
  if (read (r->go, &c, 1) != 1)
    bad = 1;
  CHECK (get_and_count (md, 5, r->n5, r->salt5) == r->n5,
	 "reader %d: the graph under key 5 is intact", r->id);
  CHECK (get_and_count (md, 100, 700, 5) == 700,
	 "reader %d: the graph under key 100 is intact", r->id);
  CHECK (mmalloc_detach (md) == NULL, "reader %d: detach", r->id);
  close (fd);
  return bad;
}

/* Two readers attached at the same time.  */
static void
two_readers (const char *tag, long n5, long salt5)
{
  int ready[2], go[2], i, st;
  pid_t pid[2];
  struct reader_arg ra;
  char c;

  if (pipe (ready) != 0 || pipe (go) != 0)
    mmt_fatal ("pipe: %s", strerror (errno));
  for (i = 0; i < 2; i++)
    {
      ra.ready = ready[1];
      ra.go = go[0];
      ra.id = i + 1;
      ra.n5 = n5;
      ra.salt5 = salt5;
      pid[i] = atu_spawn (reader, &ra);
    }
  close (ready[1]);
  close (go[0]);
  for (i = 0; i < 2; i++)
    if (read (ready[0], &c, 1) != 1)
      break;
  CHECK (i == 2, "%s: both readers attached at the same time", tag);
  c = 'g';
  for (i = 0; i < 2; i++)
    if (write (go[1], &c, 1) != 1)
      mmt_fail ("%s: write to readers", tag);
  close (go[1]);
  close (ready[0]);
  for (i = 0; i < 2; i++)
    {
      st = mmt_wait (pid[i]);
      CHECK (st == 0, "%s: reader %d ended cleanly (%s)", tag, i + 1, atu_status (st));
    }
}

static int
resharer (void *arg)
{
  int fd = open (name, O_RDWR);
  void *md;
  struct keytable *tbl;
  void *old;
  struct mstats before, after;

  (void) arg;
  if (fd < 0)
    return 2;
  md = mmalloc_attach (fd, NULL);
  if (!CHECK (md == B, "re-share: attach"))
    return 1;
  tbl = mmalloc_getkey (md, 0);
  old = tbl->keys[5];
  before = mmstats (md);
  CHECK (mmalloc_usable_size (md, old) >= 1000 * sizeof (struct tnode),
	 "re-share: the old graph is a live block");
  CHECK (share (md, 5, 300, 7) == 0, "re-share: share key 5 again (300 nodes)");
  after = mmstats (md);
  CHECK (after.chunks_used == before.chunks_used,
	 "re-share: the old graph was freed (blocks %zu -> %zu)",
	 before.chunks_used, after.chunks_used);
  CHECK (after.bytes_used + 600 * sizeof (struct tnode) <= before.bytes_used,
	 "re-share: bytes in use fell by the old graph's size (%zu -> %zu)",
	 before.bytes_used, after.bytes_used);
  CHECK (tbl->keys[5] == old || mmalloc_usable_size (md, old) == 0
	 || mmalloc_usable_size (md, old) < 1000 * sizeof (struct tnode),
	 "re-share: the old graph's block is no longer live as it was");
  CHECK (get_and_count (md, 5, 300, 7) == 300, "re-share: the new graph reads back");
  CHECK (mmalloc_check (md) == 0, "re-share: mmalloc_check passes");
  CHECK (mmalloc_detach (md) == NULL, "re-share: detach");
  close (fd);
  return 0;
}

int
main (void)
{
  int st;

  name = atu_name (PROG, "heap");
  B = mmalloc_findbase (20 * 1024 * 1024);
  if (B == NULL)
    mmt_fatal ("findbase: %s", strerror (errno));
  st = atu_in_child (writer, NULL);
  CHECK (st == 0, "writer ended cleanly (%s)", atu_status (st));
  two_readers ("first share", 1000, 3);
  st = atu_in_child (resharer, NULL);
  CHECK (st == 0, "re-sharer ended cleanly (%s)", atu_status (st));
  two_readers ("after re-share", 300, 7);
  unlink (name);
  mmt_exit ();
}
