/* keys.c -- application keys (gnu-mmalloc.md section 7, scenario 20):
   keys 0-15 round-trip and persist across a re-attach in another
   process; 16 and -1 give 0 / NULL with EINVAL; a NULL or foreign md
   gives 0 / NULL.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "attach-util.h"

#define PROG "keys"

static const char *name;
static void *blocks[MMALLOC_KEYS];

static void *
keyval (int k)
{
  /* Even keys: heap blocks; odd keys: arbitrary values.  */
  return k % 2 == 0 ? blocks[k] : (void *) (uintptr_t) (0xdead0000u + (unsigned) k);
}

static void
bad_keys (void *md, const char *tag)
{
  int dummy;

  errno = 0;
  CHECK (mmalloc_setkey (md, MMALLOC_KEYS, &dummy) == 0 && errno == EINVAL,
	 "%s: setkey 16 -> 0, EINVAL", tag);
  errno = 0;
  CHECK (mmalloc_setkey (md, -1, &dummy) == 0 && errno == EINVAL,
	 "%s: setkey -1 -> 0, EINVAL", tag);
  errno = 0;
  CHECK (mmalloc_setkey (md, 1 << 30, &dummy) == 0 && errno == EINVAL,
	 "%s: setkey 2^30 -> 0, EINVAL", tag);
  errno = 0;
  CHECK (mmalloc_getkey (md, MMALLOC_KEYS) == NULL && errno == EINVAL,
	 "%s: getkey 16 -> NULL, EINVAL", tag);
  errno = 0;
  CHECK (mmalloc_getkey (md, -1) == NULL && errno == EINVAL,
	 "%s: getkey -1 -> NULL, EINVAL", tag);
}

static int
child_verify (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  void *md = mmalloc_attach (fd, NULL);
  int k, ok = 1;

  (void) arg;
  if (!CHECK (md != NULL, "child: re-attach"))
    return 1;
  for (k = 0; k < MMALLOC_KEYS; k++)
    if (mmalloc_getkey (md, k) != keyval (k))
      {
	mmt_note ("key %d: %p, want %p", k, mmalloc_getkey (md, k), keyval (k));
	ok = 0;
      }
  CHECK (ok, "child: keys 0-15 persist across re-attach in another process");
  ok = 1;
  for (k = 0; k < MMALLOC_KEYS; k += 2)
    if (((unsigned char *) blocks[k])[0] != (unsigned char) k + 1)
      ok = 0;
  CHECK (ok, "child: the blocks the keys point at are intact");
  bad_keys (md, "child");
  /* Overwrite key 3 and clear key 4, for the parent to see.  */
  CHECK (mmalloc_setkey (md, 3, (void *) 0x77) && mmalloc_setkey (md, 4, NULL),
	 "child: setkey 3 and 4 again");
  CHECK (mmalloc_detach (md) == NULL, "child: detach");
  close (fd);
  return 0;
}

int
main (void)
{
  int fd, k, ok, st, dummy = 0;
  void *md, *amd;

  name = atu_name (PROG, "heap");
  fd = atu_create (name);
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("attach: %s", strerror (errno));

  ok = 1;
  for (k = 0; k < MMALLOC_KEYS; k++)
    if (mmalloc_getkey (md, k) != NULL)
      ok = 0;
  CHECK (ok, "keys 0-15 are NULL in a new heap");

  for (k = 0; k < MMALLOC_KEYS; k += 2)
    {
      blocks[k] = mmalloc (md, 16 + (size_t) k * 100);
      if (blocks[k] == NULL)
	mmt_fatal ("mmalloc failed");
      ((unsigned char *) blocks[k])[0] = (unsigned char) k + 1;
    }
  ok = 1;
  for (k = 0; k < MMALLOC_KEYS; k++)
    if (mmalloc_setkey (md, k, keyval (k)) != 1)
      ok = 0;
  CHECK (ok, "setkey 0-15 returns 1");
  ok = 1;
  for (k = 0; k < MMALLOC_KEYS; k++)
    if (mmalloc_getkey (md, k) != keyval (k))
      ok = 0;
  CHECK (ok, "getkey 0-15 round-trips");
  bad_keys (md, "parent");
  CHECK (mmalloc_getkey (md, 15) == keyval (15) && mmalloc_getkey (md, 0) == keyval (0),
	 "refused setkeys changed no key");

  /* NULL and foreign descriptors.  */
  CHECK (mmalloc_setkey (NULL, 0, &dummy) == 0, "setkey (NULL md) -> 0");
  CHECK (mmalloc_getkey (NULL, 0) == NULL, "getkey (NULL md) -> NULL");
  errno = 0;
  CHECK (mmalloc_setkey (&dummy, 0, &dummy) == 0 && errno == EINVAL,
	 "setkey on a non-heap md -> 0, EINVAL");
  errno = 0;
  CHECK (mmalloc_getkey (&dummy, 0) == NULL && errno == EINVAL,
	 "getkey on a non-heap md -> NULL, EINVAL");

  /* Keys of another heap are separate.  */
  amd = mmalloc_attach (-1, NULL);
  CHECK (amd != NULL && mmalloc_getkey (amd, 0) == NULL
	 && mmalloc_setkey (amd, 0, &dummy) == 1
	 && mmalloc_getkey (amd, 0) == &dummy
	 && mmalloc_getkey (md, 0) == keyval (0),
	 "an anonymous heap has keys of its own");
  if (amd != NULL)
    mmalloc_detach (amd);

  CHECK (mmalloc_detach (md) == NULL, "detach");
  close (fd);

  st = atu_in_child (child_verify, NULL);
  CHECK (st == 0, "the verifying child ended cleanly (%s)", atu_status (st));

  fd = atu_open (name, O_RDWR);
  md = mmalloc_attach (fd, NULL);
  CHECK (md != NULL && mmalloc_getkey (md, 3) == (void *) 0x77
	 && mmalloc_getkey (md, 4) == NULL && mmalloc_getkey (md, 5) == keyval (5),
	 "the child's key changes persist");
  if (md != NULL)
    mmalloc_detach (md);
  close (fd);
  unlink (name);
  mmt_exit ();
}
