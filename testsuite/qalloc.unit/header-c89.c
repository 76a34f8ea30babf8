/* header-c89.c -- qalloc.md section 6, H38: <qthread/qalloc.h> compiles
   as strict C89 (this file is built with -std=c89 -pedantic-errors),
   declares both typedefs and the 11 functions with their exact
   signatures, and every one links against libmmalloc.  H39: including
   it after system headers does not define _FILE_OFFSET_BITS.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include <stdio.h>
#include <sys/types.h>

#ifdef _FILE_OFFSET_BITS
# define FOB_BEFORE 1
#else
# define FOB_BEFORE 0
#endif

#include <qthread/qalloc.h>
#include <qthread/qalloc.h>	/* the include guard */

#ifdef _FILE_OFFSET_BITS
# define FOB_AFTER 1
#else
# define FOB_AFTER 0
#endif

/* The exact signatures of qalloc.md 1.2: a mismatch is a compile-time
   error under -pedantic-errors.  */
static void *(*const mk_stat) (const off_t, void *, const char *, size_t,
			       const size_t) = qalloc_makestatmap;
static void *(*const mk_dyn) (const off_t, void *, const char *,
			      const size_t) = qalloc_makedynmap;
static void *(*const load) (const char *) = qalloc_loadmap;
static void (*const ckpt) (void) = qalloc_checkpoint;
static void (*const clean) (void) = qalloc_cleanup;
static void *(*const smalloc) (mapinfo_t *) = qalloc_statmalloc;
static void *(*const dmalloc) (dynmapinfo_t *, size_t) = qalloc_dynmalloc;
static void *(*const gmalloc) (void *, size_t) = qalloc_malloc;
static void (*const sfree) (void *, mapinfo_t *) = qalloc_statfree;
static void (*const dfree) (void *, dynmapinfo_t *) = qalloc_dynfree;
static void (*const gfree) (void *, void *) = qalloc_free;

static int failures;

static void
check (int ok, const char *what)
{
  printf ("\t%s: %s\n", ok ? "PASSED" : "FAILED", what);
  fflush (stdout);
  failures += !ok;
}

int
main (void)
{
  struct mapinfo_s *s = (mapinfo_t *) 0;
  struct dynmapinfo_s *d = (dynmapinfo_t *) 0;
  int linked;

  linked = mk_stat != 0 && mk_dyn != 0 && load != 0 && ckpt != 0
    && clean != 0 && smalloc != 0 && dmalloc != 0 && gmalloc != 0
    && sfree != 0 && dfree != 0 && gfree != 0;
  check (linked, "H38: the header compiles as C89 and all 11 functions"
	 " link against libmmalloc");
  check (s == 0 && d == 0, "H38: mapinfo_t and dynmapinfo_t name struct"
	 " mapinfo_s and struct dynmapinfo_s");
  check (FOB_BEFORE == FOB_AFTER,
	 "H39: the header leaves _FILE_OFFSET_BITS alone");
  /* And they work from C89: nothing loaded, nothing happens.  */
  ckpt ();
  clean ();
  check (smalloc (s) == 0 && gmalloc ((void *) 0, 8) == 0,
	 "H38: calls from C89 code work");
  return 0;
}
