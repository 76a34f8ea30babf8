/* reattach.c -- a heap file attached again in separate processes, with
   base NULL and with a different non-NULL base (gnu-mmalloc.md section 7,
   scenario 2): md is the recorded base, keys and data intact.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "attach-util.h"

#define PROG "reattach"
#define NINTS 5000
#define NNODES 300

struct node
{
  struct node *next;
  unsigned long val;
  char pad[40];
};

static const char *name;
static void *B;

static void
build (void)
{
  int fd = atu_create (name);
  void *md;
  char *s;
  unsigned int *a;
  struct node *head = NULL;
  int i;

  B = mmalloc_findbase (20 * 1024 * 1024);
  md = mmalloc_attach (fd, B);
  if (md != B)
    mmt_fatal ("attach at B %p returned %p: %s", B, md, strerror (errno));
  s = mmalloc (md, 32);
  a = mcalloc (md, NINTS, sizeof *a);
  if (s == NULL || a == NULL)
    mmt_fatal ("allocations failed");
  strcpy (s, "hello, heap file");
  for (i = 0; i < NINTS; i++)
    a[i] = (unsigned int) i * 2654435761u;
  for (i = 0; i < NNODES; i++)
    {
      struct node *n = mmalloc (md, sizeof *n);
      if (n == NULL)
	mmt_fatal ("node allocation failed");
      n->next = head;
      n->val = (unsigned long) i * 7;
      memset (n->pad, i & 0xff, sizeof n->pad);
      head = n;
    }
  CHECK (mmalloc_setkey (md, 0, s) && mmalloc_setkey (md, 1, a)
	 && mmalloc_setkey (md, 2, head), "keys 0-2 set to heap data");
  for (i = 3; i < MMALLOC_KEYS; i++)
    mmalloc_setkey (md, i, (void *) (uintptr_t) (0x1000u * (unsigned) i + 8));
  CHECK (mmalloc_detach (md) == NULL, "writer detaches");
  close (fd);
}

/* Verify the heap MD in this process; TAG prefixes the results.  */
static void
verify (void *md, const char *tag, int want_key15)
{
  char *s = mmalloc_getkey (md, 0);
  unsigned int *a = mmalloc_getkey (md, 1);
  struct node *n = mmalloc_getkey (md, 2);
  int i, ok, keys_ok = 1;

  CHECK (s != NULL && strcmp (s, "hello, heap file") == 0,
	 "%s: the string under key 0 is intact", tag);
  ok = a != NULL;
  for (i = 0; ok && i < NINTS; i++)
    ok = a[i] == (unsigned int) i * 2654435761u;
  CHECK (ok, "%s: the array under key 1 is intact", tag);
  ok = 1;
  for (i = NNODES - 1; ok && i >= 0; i--, n = n->next)
    ok = n != NULL && n->val == (unsigned long) i * 7
      && n->pad[0] == (char) (i & 0xff) && n->pad[39] == (char) (i & 0xff);
  CHECK (ok && n == NULL, "%s: the list under key 2 is intact", tag);
  for (i = 3; i < MMALLOC_KEYS - 1; i++)
    if (mmalloc_getkey (md, i) != (void *) (uintptr_t) (0x1000u * (unsigned) i + 8))
      keys_ok = 0;
  CHECK (keys_ok, "%s: keys 3-14 hold their values", tag);
  if (want_key15)
    {
      char *t = mmalloc_getkey (md, 15);
      CHECK (t != NULL && strcmp (t, "written by the first reader") == 0,
	     "%s: key 15 holds what the first reader stored", tag);
    }
  else
    CHECK (mmalloc_getkey (md, 15) == (void *) (uintptr_t) (0x1000u * 15 + 8),
	   "%s: key 15 holds its value", tag);
  CHECK (mmalloc_check (md) == 0, "%s: mmalloc_check passes", tag);
}

/* First reader: base NULL.  Adds a block under key 15.  */
static int
reader_null (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  void *md = mmalloc_attach (fd, NULL);
  char *t;

  (void) arg;
  if (!CHECK (md == B, "base NULL: md is the recorded base (%p, want %p)", md, B))
    return 1;
  verify (md, "base NULL", 0);
  t = mmalloc (md, 64);
  if (t != NULL)
    strcpy (t, "written by the first reader");
  CHECK (t != NULL && mmalloc_setkey (md, 15, t),
	 "base NULL: allocate and store key 15");
  CHECK (mmalloc_detach (md) == NULL, "base NULL: detach");
  close (fd);
  return 0;
}

/* Second reader: a different, free, non-NULL base.  */
static int
reader_other (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  size_t ps = atu_pagesize ();
  void *C, *md, *hold;

  (void) arg;
  /* Keep B taken while choosing C, so that C differs from it.  */
  hold = mmap (B, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	       -1, 0);
  C = mmalloc_findbase (20 * 1024 * 1024);
  if (hold != MAP_FAILED)
    munmap (hold, ps);
  if (C == NULL || C == B)
    C = (char *) B - ((size_t) 1 << 36);
  mmt_note ("other base: %p (recorded %p)", C, B);
  md = mmalloc_attach (fd, C);
  if (!CHECK (md == B, "other base: md is the recorded base, not the "
	      "requested one (%p)", md))
    return 1;
  CHECK (atu_maps_overlap (C, ps) == 0,
	 "other base: nothing mapped at the requested address");
  verify (md, "other base", 1);
  CHECK (mmalloc_detach (md) == NULL, "other base: detach");
  close (fd);
  return 0;
}

/* Third reader: the recorded base given explicitly.  */
static int
reader_same (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  void *md = mmalloc_attach (fd, B);

  (void) arg;
  if (!CHECK (md == B, "base B: md == B"))
    return 1;
  verify (md, "base B", 1);
  CHECK (mmalloc_detach (md) == NULL, "base B: detach");
  close (fd);
  return 0;
}

int
main (void)
{
  int st;

  name = atu_name (PROG, "heap");
  build ();
  st = atu_in_child (reader_null, NULL);
  CHECK (st == 0, "reader with base NULL ended cleanly (%s)", atu_status (st));
  st = atu_in_child (reader_other, NULL);
  CHECK (st == 0, "reader with another base ended cleanly (%s)", atu_status (st));
  st = atu_in_child (reader_same, NULL);
  CHECK (st == 0, "reader with the recorded base ended cleanly (%s)",
	 atu_status (st));
  unlink (name);
  mmt_exit ();
}
