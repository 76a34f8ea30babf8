/* callback.c -- callback types (gnu-mmalloc.md section 7, scenario 22):
   mrealloc and mfree stored in void *(*) (void *, void *, size_t) and
   void (*) (void *, void *) and called through them; a glibc obstack fed
   with xmmalloc-style wrappers over a file heap (GDB's
   obstack_specify_allocation_with_arg), whose data survives a
   re-attach in another process.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <obstack.h>
#include <mmalloc.h>
#include "attach-util.h"

#define PROG "callback"
#define NSTR 2000

static void *(*realloc_fn) (void *, void *, size_t) = mrealloc;
static void (*free_fn) (void *, void *) = mfree;
static void *(*malloc_fn) (void *, size_t) = mmalloc;

static const char *name;
static int chunks_allocated, chunks_freed;

/* GDB's xmmalloc: the obstack chunk function, called with (md, size).  */
static void *
xmmalloc (void *md, long size)
{
  void *p;

  if (size <= 0)
    return NULL;
  p = mmalloc (md, (size_t) size);
  if (p == NULL)
    {
      mmt_fail ("xmmalloc: out of memory");
      mmt_child_exit (4);
    }
  chunks_allocated++;
  return p;
}

static void
xmfree (void *md, void *p)
{
  chunks_freed++;
  mfree (md, p);
}

/* What the heap keeps under key 0.  */
struct root
{
  struct obstack ob;
  char **strs;
  int nstr;
};

static void
pointers (void)
{
  void *md = mmalloc_attach (-1, NULL);
  struct mstats s0, s1;
  char *p, *q;
  int i, ok = 1;

  if (md == NULL)
    mmt_fatal ("attach: %s", strerror (errno));
  s0 = mmstats (md);
  p = realloc_fn (md, NULL, 100);
  CHECK (p != NULL, "mrealloc through a pointer: allocate");
  for (i = 0; i < 100; i++)
    p[i] = (char) i;
  p = realloc_fn (md, p, 50000);
  for (i = 0; ok && i < 100; i++)
    ok = p[i] == (char) i;
  CHECK (p != NULL && ok, "mrealloc through a pointer: grow keeps the contents");
  p = realloc_fn (md, p, 10);
  CHECK (p != NULL && p[9] == 9, "mrealloc through a pointer: shrink");
  CHECK (realloc_fn (md, p, 0) == NULL, "mrealloc (md, p, 0) through a pointer frees");
  q = malloc_fn (md, 3000);
  free_fn (md, q);
  free_fn (md, NULL);
  s1 = mmstats (md);
  CHECK (s1.chunks_used == s0.chunks_used && s1.bytes_used == s0.bytes_used,
	 "mfree through a pointer released everything (%zu blocks, %zu bytes)",
	 s1.chunks_used, s1.bytes_used);
  CHECK (mmalloc_check (md) == 0, "the heap used through pointers is sound");
  mmalloc_detach (md);
}

static void
make_strings (void *md, struct root *r, int from, int to)
{
  char buf[64];
  int i;

  (void) md;
  for (i = from; i < to; i++)
    {
      snprintf (buf, sizeof buf, "string %d %.*s", i, i % 40,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN");
      r->strs[i] = obstack_copy0 (&r->ob, buf, strlen (buf));
    }
  r->nstr = to;
}

static int
strings_ok (struct root *r, int n)
{
  char buf[64];
  int i;

  if (r->nstr != n)
    return 0;
  for (i = 0; i < n; i++)
    {
      snprintf (buf, sizeof buf, "string %d %.*s", i, i % 40,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN");
      if (r->strs[i] == NULL || strcmp (r->strs[i], buf) != 0)
	return 0;
    }
  return 1;
}

static int
second_process (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  void *md = mmalloc_attach (fd, NULL);
  struct root *r;
  int before;

  (void) arg;
  if (!CHECK (md != NULL, "child: re-attach"))
    return 1;
  r = mmalloc_getkey (md, 0);
  CHECK (r != NULL && strings_ok (r, NSTR / 2),
	 "child: the obstack strings survived the re-attach");
  /* As GDB does: refresh the function addresses, then go on.  */
  obstack_chunkfun (&r->ob, xmmalloc);
  obstack_freefun (&r->ob, xmfree);
  before = chunks_allocated;
  make_strings (md, r, NSTR / 2, NSTR);
  CHECK (chunks_allocated > before, "child: the obstack took new chunks (%d)",
	 chunks_allocated - before);
  CHECK (strings_ok (r, NSTR), "child: all strings readable");
  CHECK (mmalloc_check (md) == 0, "child: the heap is sound");
  CHECK (mmalloc_detach (md) == NULL, "child: detach");
  close (fd);
  return 0;
}

static int
third_process (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  void *md = mmalloc_attach (fd, NULL);
  struct root *r;
  struct mstats s0, s1;

  (void) arg;
  if (!CHECK (md != NULL, "grandchild: re-attach"))
    return 1;
  r = mmalloc_getkey (md, 0);
  CHECK (r != NULL && strings_ok (r, NSTR),
	 "grandchild: the strings of both processes are intact");
  obstack_chunkfun (&r->ob, xmmalloc);
  obstack_freefun (&r->ob, xmfree);
  s0 = mmstats (md);
  /* Free everything from the first string of the second process on.  */
  obstack_free (&r->ob, r->strs[NSTR / 2]);
  r->nstr = NSTR / 2;
  s1 = mmstats (md);
  CHECK (chunks_freed > 0 && s1.chunks_used < s0.chunks_used,
	 "grandchild: obstack_free released chunks through the free function "
	 "(%d chunks, blocks %zu -> %zu)", chunks_freed, s0.chunks_used, s1.chunks_used);
  CHECK (strings_ok (r, NSTR / 2), "grandchild: the older strings are intact");
  CHECK (mmalloc_check (md) == 0, "grandchild: the heap is sound");
  mmalloc_detach (md);
  close (fd);
  return 0;
}

int
main (void)
{
  int fd, st;
  void *md;
  struct root *r;

  pointers ();

  name = atu_name (PROG, "heap");
  fd = atu_create (name);
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("attach: %s", strerror (errno));
  r = xmmalloc (md, sizeof *r);
  memset (r, 0, sizeof *r);
  r->strs = xmmalloc (md, NSTR * sizeof *r->strs);
  CHECK (obstack_specify_allocation_with_arg (&r->ob, 1000, 0, xmmalloc, mfree, md) != 0,
	 "obstack over the file heap (chunk xmmalloc, free mfree, arg md)");
  make_strings (md, r, 0, NSTR / 2);
  CHECK (chunks_allocated > 5, "the obstack took %d chunks from the heap",
	 chunks_allocated - 2);
  CHECK (strings_ok (r, NSTR / 2), "the strings read back");
  mmalloc_setkey (md, 0, r);
  CHECK (mmalloc_detach (md) == NULL, "detach");
  close (fd);

  st = atu_in_child (second_process, NULL);
  CHECK (st == 0, "the second process ended cleanly (%s)", atu_status (st));
  st = atu_in_child (third_process, NULL);
  CHECK (st == 0, "the third process ended cleanly (%s)", atu_status (st));
  unlink (name);
  mmt_exit ();
}
